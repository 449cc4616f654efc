"""``Arrays``: a numpy snapshot of a ``NameIndex`` (part -> group, part weights, the
matchable parts of every name in CSR layout, and the names of every group as *fat
postings* that carry each name's parts), brought up to date lazily after the index
changes (``snapshot``).

What a part is never changes once it is filed, so what weighing it needs (its group,
role weight, rarity key and that key's built-in rarity) is kept in append-only
columns (:class:`PartColumns`) that take in only the parts filed since. What does
change with every name added or removed, the rarity statistics (every part's IDF
moves with the number of live names), is worked out from counts, in numpy, with the
arithmetic of ``store.rarity_weight`` (so the weights are those of a fresh build to
the last bit: ``part_weights``); the postings are derived from the names' CSR
arrays. No Python loop over the index's names or parts runs per change.
"""

from __future__ import annotations

import dataclasses
import math
from array import array
from dataclasses import dataclass, field

import numpy as np

from fts_share.matching.config import MatchConfig
from fts_share.matching.index import pair_masks, postings_fast
from fts_share.matching.index.store import Groups, Names, Parts
from fts_share.matching.jit import njit
from fts_share.matching.scoring.analysis import INITIAL
from fts_share.matching.scoring.rarity import builtin_rarity, is_patronymic


@dataclass(frozen=True)
class Arrays:
    """A numpy snapshot of a ``NameIndex`` (see the module docstring)."""

    stamp: int
    part_group: np.ndarray
    part_weight: np.ndarray
    part_given: np.ndarray
    name_start: np.ndarray
    name_len: np.ndarray
    """per name: where its matchable parts start in ``flat_pids``, how many (0: removed)"""
    flat_pids: np.ndarray
    flat_groups: np.ndarray
    flat_weights: np.ndarray
    """the group and (float32, for the pre-score only) weight of each entry of
    ``flat_pids``: a name's data on one or two cache lines"""
    post_len: np.ndarray
    """the number of names of each group; the last group is a sentinel (no names)"""
    fat_start: np.ndarray
    fat: np.ndarray
    """the names of each group with their parts (``postings_fast.fat_postings``)"""
    group_head: np.ndarray
    """per group (the sentinel included): the group whose bit stands for it in
    ``post_mask`` (``Groups.heads``; itself where the index keeps no head)"""
    post_start: np.ndarray
    """per group (and the sentinel, plus the end): its first entry of ``post_mask``"""
    post_mask: np.ndarray
    post_at: np.ndarray
    """per entry of ``fat``, in order: the mask of its name's other groups and where it
    starts (``pair_masks.masks``, read by the scan's pairing rounds)"""

    @property
    def n_groups(self) -> int:
        """Groups, the sentinel included."""
        return len(self.post_len)


def _np(values: array, dtype: type) -> np.ndarray:  # type: ignore[type-arg]
    """A numpy copy of an ``array.array`` (a memory copy; the array stays growable)."""
    if not len(values):
        return np.zeros(0, dtype=dtype)
    view: np.ndarray = np.frombuffer(values, dtype=dtype)
    out = view.copy()
    del view  # (a live view would keep the array from growing)
    return out


@dataclass
class PartColumns:
    """Per part id what weighing it needs, filled in for the parts filed since the
    last call (``extend``): append only, as parts are never changed or dropped."""

    group: array = field(default_factory=lambda: array("i"))  # type: ignore[type-arg]
    role_weight: array = field(default_factory=lambda: array("d"))  # type: ignore[type-arg]
    key: array = field(default_factory=lambda: array("i"))  # type: ignore[type-arg]
    """per part: the id of its rarity key (``Parts.dfkey``)"""
    given: array = field(default_factory=lambda: array("b"))  # type: ignore[type-arg]
    key_ids: dict[str, int] = field(default_factory=dict)
    key_base: array = field(default_factory=lambda: array("d"))  # type: ignore[type-arg]
    """per rarity key: its built-in rarity (``scoring.rarity.builtin_rarity``)"""

    def extend(self, parts: Parts, config: MatchConfig) -> None:
        """Take in the parts filed since the last call."""
        key_ids = self.key_ids
        for pid in range(len(self.group), len(parts.items)):
            part, key = parts.items[pid], parts.dfkey[pid]
            kid = key_ids.get(key)
            if kid is None:
                kid = key_ids[key] = len(self.key_base)
                self.key_base.append(builtin_rarity(part, config))
            self.group.append(parts.group[pid])
            self.role_weight.append(config.role_weight(part.role))
            self.key.append(kid)
            self.given.append((1 if part.role == "given" else 2 if is_patronymic(part) else 0)
                              | (4 if part.kind == INITIAL else 0))


def part_weights(role_weight: np.ndarray, part_key: np.ndarray, key_base: np.ndarray,
                 key_df: np.ndarray, live_names: int, config: MatchConfig) -> np.ndarray:
    """Per part: role weight x rarity, the rarity of its key held by ``key_df`` of
    ``live_names`` names worked out as ``store.rarity_weight`` does (the IDF with
    ``math.log10``, once per distinct count; then the same min and max), so every
    weight is bit for bit the one ``NameIndex.rarity`` gives."""
    value = key_base.copy()
    if live_names >= config.stats_min_names and key_df.any():
        held = np.flatnonzero(key_df > 0)
        counts = key_df[held]
        distinct = np.sort(counts)
        distinct = distinct[np.concatenate(([True], distinct[1:] != distinct[:-1]))]
        idf = np.array([math.log10(live_names / d) / 3.0 for d in distinct.tolist()])
        idf = idf[np.searchsorted(distinct, counts)]
        value[held] = np.maximum(config.min_rarity_weight,
                                 np.minimum(np.minimum(key_base[held], 1.0), idf))
    weights: np.ndarray = role_weight * value[part_key]
    return weights


@dataclass(frozen=True)
class Layout:
    """The names' matchable parts as the snapshot reads them: per name its start,
    length (0: removed) and the live entries (name, part id) end to end."""

    name_start: np.ndarray
    name_len: np.ndarray
    flat_pids: np.ndarray
    owner: np.ndarray
    """per live entry: its name"""
    live_pids: np.ndarray
    """per live entry: its part"""

    @classmethod
    def of(cls, names: Names) -> Layout:
        """The layout of ``names``' CSR arrays."""
        flat_pids = _np(names.flat_pids, np.int32)
        start64 = _np(names.start, np.int64)
        name_len = _np(names.length, np.int32)
        offset_type = np.int32 if len(flat_pids) < 2**31 else np.int64
        lengths = name_len.astype(np.int64)
        owner = np.repeat(np.arange(len(name_len), dtype=np.int64), lengths)
        first = np.cumsum(lengths) - lengths
        at = start64[owner] + (np.arange(len(owner), dtype=np.int64) - first[owner])
        return cls(start64.astype(offset_type), name_len, flat_pids, owner, flat_pids[at])


def postings(layout: Layout, part_group: np.ndarray, n_groups: int
             ) -> tuple[np.ndarray, np.ndarray]:
    """Per group (plus the sentinel) how many live names hold it, and those names in
    CSR layout, each group's in id order (as ``Groups.names`` files them)."""
    n_names = max(1, len(layout.name_len))
    pairs = np.sort(part_group[layout.live_pids].astype(np.int64) * n_names + layout.owner)
    if len(pairs) > 1:  # a name holding two parts of one group is one posting
        pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]
    post_len = np.zeros(n_groups + 1, dtype=np.int64)
    post_len[:-1] = np.bincount(pairs // n_names, minlength=n_groups)[:n_groups]
    return post_len, (pairs % n_names).astype(np.int32)


def fat_postings(post_len: np.ndarray, post_flat: np.ndarray, name_start: np.ndarray,
                 name_len: np.ndarray, flat_groups: np.ndarray, flat_weights: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """``postings_fast.fat_postings`` of the CSR postings (``post_flat``, ``post_len`` names
    per group)."""
    post_start = np.cumsum(post_len) - post_len
    return postings_fast.fat_postings(post_start, post_len, post_flat, name_start, name_len,
                                      flat_groups, flat_weights)


@dataclass(frozen=True)
class Statistics:
    """The rarity statistics to weigh parts with: per rarity key (``PartColumns``
    ids) how many live names hold it, and how many names are live."""

    key_df: np.ndarray
    live_names: int


def own_statistics(columns: PartColumns, layout: Layout, live_names: int) -> Statistics:
    """The statistics of the index itself: its live names' parts, counted by key."""
    part_key = _np(columns.key, np.int32)
    key_df = np.bincount(part_key[layout.live_pids], minlength=len(columns.key_base))
    return Statistics(key_df.astype(np.int64), live_names)


def snapshot(stamp: int, columns: PartColumns, layout: Layout, groups: Groups,
             statistics: Statistics, config: MatchConfig) -> Arrays:
    """The snapshot of an index (``stamp``: its change count) from its part columns
    (up to date), its names' layout and the statistics to weigh with."""
    part_group = _np(columns.group, np.int32)
    weights = part_weights(_np(columns.role_weight, np.float64), _np(columns.key, np.int32),
                           _np(columns.key_base, np.float64), statistics.key_df,
                           statistics.live_names, config)
    post_len, post_flat = postings(layout, part_group, len(groups.table.groups))
    flat_pids = layout.flat_pids
    flat_groups = part_group[flat_pids]
    flat_weights = weights[flat_pids].astype(np.float32)
    fat_start, fat = fat_postings(post_len, post_flat, layout.name_start, layout.name_len,
                                  flat_groups, flat_weights)
    group_head = np.arange(len(post_len), dtype=np.int32)
    heads = np.frombuffer(groups.heads, dtype=np.int32) if len(groups.heads) else group_head[:0]
    group_head[:len(heads)] = heads
    post_start = np.zeros(len(post_len) + 1, dtype=np.int64)
    np.cumsum(post_len, out=post_start[1:])
    post_mask, post_at = pair_masks.masks(fat_start, fat, group_head, int(post_start[-1]))
    return Arrays(
        stamp=stamp, part_group=part_group, part_weight=weights,
        part_given=_np(columns.given, np.int8),
        name_start=layout.name_start, name_len=layout.name_len, flat_pids=flat_pids,
        flat_groups=flat_groups, flat_weights=flat_weights,
        post_len=post_len, fat_start=fat_start, fat=fat, group_head=group_head,
        post_start=post_start,
        post_mask=post_mask, post_at=post_at)


@njit(cache=True)
def fat_weight_slots(fat_start: np.ndarray, fat: np.ndarray, name_start: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Where the fat postings hold weights: per weight slot its position in ``fat``
    and the entry of ``flat_weights`` it copies (so that new weights are written in
    with one numpy assignment)."""
    total = 0
    at = 0
    end = fat_start[len(fat_start) - 1]
    while at < end:
        total += fat[at + 1]
        at += 2 + 2 * fat[at + 1]
    slots = np.empty(total, dtype=np.int64)
    source = np.empty(total, dtype=np.int64)
    k = 0
    at = 0
    while at < end:
        name, n = fat[at], fat[at + 1]
        for t in range(n):
            slots[k] = at + 2 + n + t
            source[k] = name_start[name] + t
            k += 1
        at += 2 + 2 * n
    return slots, source


def reweighed(arrays: Arrays, part_weight: np.ndarray,
              slots: tuple[np.ndarray, np.ndarray]) -> Arrays:
    """``arrays`` with other part weights (``part_weight``): the weights copied into
    ``flat_weights`` and the fat postings (``slots``: ``fat_weight_slots``) follow."""
    flat_weights = part_weight[arrays.flat_pids].astype(np.float32)
    fat = arrays.fat.copy()
    fat.view(np.float32)[slots[0]] = flat_weights[slots[1]]
    return dataclasses.replace(arrays, part_weight=part_weight, flat_weights=flat_weights,
                               fat=fat)
