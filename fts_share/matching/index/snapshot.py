"""``Arrays``: a numpy snapshot of a ``NameIndex`` (part -> group, part weights, the
matchable parts of every name in CSR layout, and the names of every group as *fat
postings* that carry each name's parts), rebuilt lazily after the index changes
(``snapshot``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from fts_share.matching.config import MatchConfig
from fts_share.matching.index import postings_fast
from fts_share.matching.index.store import Groups, Names, Parts
from fts_share.matching.scoring.analysis import NamePart


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

    @property
    def n_groups(self) -> int:
        """Groups, the sentinel included."""
        return len(self.post_len)


def fat_postings(post_len: np.ndarray, post_flat: np.ndarray, name_start: np.ndarray,
                 name_len: np.ndarray, flat_groups: np.ndarray, flat_weights: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """``postings_fast.fat_postings`` of the CSR postings (``post_flat``, ``post_len`` names
    per group)."""
    post_start = np.cumsum(post_len) - post_len
    return postings_fast.fat_postings(post_start, post_len, post_flat, name_start, name_len,
                                flat_groups, flat_weights)


def snapshot(stamp: int, parts: Parts, names: Names, groups: Groups,
             rarity: Callable[[NamePart], float], config: MatchConfig) -> Arrays:
    """The snapshot of an index's bundles (``stamp``: the index's change count)."""
    rarity_of: dict[str, float] = {}
    weights = np.empty(len(parts.items))
    for pid, (part, key) in enumerate(zip(parts.items, parts.dfkey)):
        r = rarity_of.get(key)
        if r is None:
            r = rarity_of[key] = rarity(part)
        weights[pid] = config.role_weight(part.role) * r
    post_len = np.zeros(len(groups.table.groups) + 1, dtype=np.int64)
    post_len[:-1] = [len(a) for a in groups.names]
    post_flat = np.frombuffer(b"".join(a.tobytes() for a in groups.names), dtype=np.int32)
    part_group = np.array(parts.group, dtype=np.int32)
    flat_pids = np.array(names.flat_pids, dtype=np.int32)
    offset_type = np.int32 if len(flat_pids) < 2**31 else np.int64
    name_start = np.array(names.start, dtype=offset_type)
    name_len = np.array(names.length, dtype=np.int32)
    flat_groups = part_group[flat_pids]
    flat_weights = weights[flat_pids].astype(np.float32)
    fat_start, fat = fat_postings(post_len, post_flat, name_start, name_len, flat_groups,
                                  flat_weights)
    return Arrays(
        stamp=stamp, part_group=part_group, part_weight=weights,
        part_given=np.array([p.role == "given" for p in parts.items], dtype=bool),
        name_start=name_start, name_len=name_len, flat_pids=flat_pids,
        flat_groups=flat_groups, flat_weights=flat_weights,
        post_len=post_len, fat_start=fat_start, fat=fat)
