"""The named bundles a ``NameIndex`` keeps its arrays in, one per concern:

* :class:`Records`: the records by id (dates of birth, nationalities, documents,
  their names) and the records holding each document number;
* :class:`Parts`: the interned name parts, per part id its group and rarity key;
* :class:`Names`: per name id its record, analysis and matchable parts, and those
  parts in CSR layout (``flat_pids``, ``start``, ``length``) for the compiled paths;
* :class:`Groups`: the groups of spellings (``GroupTable``), the names holding each
  (postings), the groups filed under each index key, and their neighbourhoods;
* :class:`Frequencies`: how many names hold each part (rarity statistics).

:class:`Contents` is what persistence reads and writes (``NameIndex.contents`` and
``NameIndex.restore``): nothing else of the index is stored.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from fts_share.matching.config import MatchConfig
from fts_share.matching.index.groups import Group, GroupTable
from fts_share.matching.index.neighbours import Neighbourhoods
from fts_share.matching.scoring.analysis import INITIAL, NameAnalysis, NamePart
from fts_share.matching.scoring.evidence import DateSpec
from fts_share.matching.scoring.rarity import builtin_rarity


class SkippedName(NamedTuple):
    """A name of a record that is kept by its owner but not indexed, and why."""

    position: int
    """its place in the names given to ``NameIndex.add`` (field ``names.<position>``)"""
    name: str
    reason: str


@dataclass
class Record:
    """One record: its other evidence, and its names (ids and texts)."""

    dob: tuple[DateSpec, ...]
    dob_raw: Any
    nationality: tuple[str, ...]
    documents: tuple[str, ...]
    names: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    skipped: tuple[SkippedName, ...] = ()
    """names given but not indexed (unreadable), with the reason; not saved to files"""


@dataclass
class Records:
    """Records by id (in insertion order), and the records holding each document."""

    by_id: dict[str, Record] = field(default_factory=dict)
    by_document: dict[str, set[str]] = field(default_factory=dict)

    def file(self, record_id: str, record: Record) -> None:
        """File a record under its id and its document numbers."""
        for doc in record.documents:
            self.by_document.setdefault(doc, set()).add(record_id)
        self.by_id[record_id] = record

    def pop(self, record_id: str) -> Record | None:
        """Take a record out (``None`` if absent)."""
        record = self.by_id.pop(record_id, None)
        if record is not None:
            for doc in record.documents:
                self.by_document.get(doc, set()).discard(record_id)
        return record

    def names_holding(self, documents: Sequence[str]) -> list[int]:
        """Ids of the names of the records holding one of ``documents``."""
        found: list[int] = []
        for doc in documents:
            for record_id in self.by_document.get(doc, ()):
                found.extend(self.by_id[record_id].names)
        return found


@dataclass
class Parts:
    """Interned name parts: per part id the part, its group and its rarity key."""

    items: list[NamePart] = field(default_factory=list)
    ids: dict[NamePart, int] = field(default_factory=dict)
    group: list[int] = field(default_factory=list)
    """per part: its group, the parts that read the same (forms, script, kind)"""
    dfkey: list[str] = field(default_factory=list)
    by_identity: dict[int, int] = field(default_factory=dict)
    """per interned part's ``id()``: its id (``items`` keeps the part alive, so the
    ``id()`` stays its own); finds a shared part without hashing it"""

    def file(self, part: NamePart, gid: int) -> int:
        """File a new part of group ``gid``; returns its id."""
        pid = len(self.items)
        self.ids[part] = pid
        self.by_identity[id(part)] = pid
        self.items.append(part)
        self.group.append(gid)
        self.dfkey.append(f"{part.kind}:{part.key}")
        return pid


@dataclass
class Names:
    """Per name id: its record, analysis and matchable parts (``None`` once removed),
    and those parts in CSR layout for the compiled paths."""

    record: list[str | None] = field(default_factory=list)
    analysis: list[NameAnalysis | None] = field(default_factory=list)
    pids: list[tuple[int, ...] | None] = field(default_factory=list)
    """per name: ids of its matchable parts (titles excluded), in order"""
    flat_pids: array[int] = field(default_factory=lambda: array("i"))
    start: array[int] = field(default_factory=lambda: array("q"))
    length: array[int] = field(default_factory=lambda: array("i"))
    """per name: where its parts start in ``flat_pids``, and how many (0: removed)"""
    live: int = 0

    def __len__(self) -> int:
        return len(self.analysis)

    def file(self, record_id: str, analysis: NameAnalysis, matchable: tuple[int, ...]
             ) -> int:
        """File a name; returns its id."""
        name_id = len(self.analysis)
        self.analysis.append(analysis)
        self.pids.append(matchable)
        self.record.append(record_id)
        self.start.append(len(self.flat_pids))
        self.length.append(len(matchable))
        self.flat_pids.extend(matchable)
        self.live += 1
        return name_id

    def drop(self, name_id: int) -> tuple[int, ...] | None:
        """Remove a name; returns its matchable parts."""
        pids = self.pids[name_id]
        self.analysis[name_id] = None
        self.pids[name_id] = None
        self.record[name_id] = None
        self.length[name_id] = 0
        self.live -= 1
        return pids


@dataclass
class Groups:
    """The groups of spellings, the names holding each, the groups filed under each
    index key, and the neighbourhood graph."""

    table: GroupTable
    near: Neighbourhoods
    names: list[array[int]] = field(default_factory=list)
    """per group: ids of the names holding one of its parts"""
    by_key: dict[str, array[int]] = field(default_factory=dict)
    """index key (skeleton or one-letter deletion) -> ids of the groups filed under it"""
    head_similarity: float = math.inf
    heads: array[int] = field(default_factory=lambda: array("i"))
    """per group filed here: the lowest id among it and its neighbours at least
    ``head_similarity`` similar (never changes: a group filed later has a higher id).
    Spellings of one name mostly share a head (``scan_fast.pair_masks``)."""
    pending: list[_Deferred] | None = None
    """the groups filed inside ``deferring`` whose neighbourhoods are not worked out
    yet (``None``: outside it)"""

    def blocked(self, keys: Iterable[str]) -> np.ndarray:
        """Ids of the groups filed under any of ``keys``, ascending (``union_ids``)."""
        by_key = self.by_key
        return union_ids(post for post in map(by_key.get, keys) if post is not None)

    def file(self, group: Group, keys: Iterable[str]) -> int:
        """File a new group under its keys, with its neighbourhood (inside
        ``deferring``: worked out later, with other groups'); returns its id."""
        keys = list(keys)
        gid = len(self.table.groups)
        found = self.blocked(keys)
        pending = self.pending
        if pending is None:
            self._link(gid, found, self.table.similarities(group, found, self.near.floor))
        else:
            pending.append(_Deferred(gid, group, found))
        self.table.add(group)
        self.names.append(array("i"))
        by_key = self.by_key
        for key in keys:
            post = by_key.get(key)
            if post is None:
                by_key[key] = post = array("i")
            post.append(gid)
        if pending is not None and len(pending) >= DEFERRED_GROUPS:
            self.settle()
        return gid

    def _link(self, gid: int, found: np.ndarray, sims: np.ndarray) -> None:
        """File group ``gid``'s neighbourhood and head (``sims``: its similarities with
        the groups ``found`` under its keys, filed before it)."""
        self.near.add_group(gid, found.tolist(), sims)
        heads = found[sims >= self.head_similarity]
        self.heads.append(min(gid, int(heads.min())) if len(heads) else gid)

    @contextmanager
    def deferring(self) -> Iterator[None]:
        """Inside the block, the neighbourhoods of the groups filed are worked out
        together (``settle``: one compiled call per ``DEFERRED_GROUPS`` groups, the
        same numbers as one call per group) when the block ends. Neighbourhoods and
        heads are incomplete inside: nothing may search the groups there."""
        if self.pending is not None:  # (nested: the outer block settles)
            yield
            return
        self.pending = []
        try:
            yield
        finally:
            self.settle()
            self.pending = None

    def settle(self) -> None:
        """Work out the neighbourhoods and heads of the groups filed in ``deferring``
        so far, in id order."""
        pending = self.pending
        if not pending:
            return
        self.pending = []
        rows = self.table.similarity_rows([p.group for p in pending],
                                          [p.found for p in pending], self.near.floor)
        for p, sims in zip(pending, rows, strict=True):
            self._link(p.gid, p.found, sims)


class _Deferred(NamedTuple):
    """A group filed in ``Groups.deferring``: its id, itself, and the groups filed
    under its keys before it."""

    gid: int
    group: Group
    found: np.ndarray


#: groups whose neighbourhoods ``Groups.deferring`` works out in one compiled call
DEFERRED_GROUPS = 1024


@dataclass
class Frequencies:
    """How many live names hold each part (by rarity key), and the rarity weights
    worked out from it (dropped on every change)."""

    df: Counter[str] = field(default_factory=Counter)
    cache: dict[str, float] = field(default_factory=dict)
    builtin: dict[str, float] = field(default_factory=dict)
    """per key: its built-in rarity (it depends on the key alone; never dropped)"""

    def rarity(self, part: NamePart, live_names: int, config: MatchConfig) -> float:
        """Rarity weight of a part in [min_rarity_weight, 1]: IDF over the live names,
        capped by the built-in common-name table."""
        key = f"{part.kind}:{part.key}"
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        base = self.builtin.get(key)
        if base is None:
            base = self.builtin[key] = builtin_rarity(part, config)
        value = self.cache[key] = rarity_weight(part, self.df.get(key, 0), live_names,
                                                config, base=base)
        return value


def rarity_weight(part: NamePart, df: int, live_names: int, config: MatchConfig, *,
                  base: float | None = None) -> float:
    """Rarity weight of a part held by ``df`` of ``live_names`` names: IDF, capped by
    the built-in common-name table (``base``: its built-in rarity, when known), in
    [min_rarity_weight, 1]."""
    value = base = builtin_rarity(part, config) if base is None else base
    if live_names >= config.stats_min_names and df > 0:
        idf = math.log10(live_names / df) / 3.0
        value = max(config.min_rarity_weight, min(base, 1.0, idf))
    return value


def union_ids(posts: Iterable[Iterable[int]]) -> np.ndarray:
    """The ids found in any of ``posts``, once each, ascending (int64). Not in a set's
    order: that depends on the order the ids were added in, and so on the order of
    the index keys, strings, whose set order changes with the hash seed; a group's
    neighbours of equal similarity are kept in this order (``Neighbourhoods.of``)
    and decide ties among candidates, so the answers would change with it."""
    found: set[int] = set()
    for post in posts:
        found.update(post)
    out = np.fromiter(found, dtype=np.int64, count=len(found))
    out.sort()
    return out


def part_keys(part: NamePart) -> set[str]:
    """Index keys of a part: each skeleton and its one-letter deletions (none for an
    initial: it is aligned with the parts of the names found through the others,
    ``query.initial_rows``)."""
    keys: set[str] = set()
    if part.kind == INITIAL:
        return keys
    for form in part.forms:
        s = form.skel or form.full
        if not s:
            continue
        keys.add(s)
        if len(s) >= 3:
            keys.update(s[:i] + s[i + 1:] for i in range(len(s)))
    return keys


@dataclass
class Contents:
    """What an index holds, as its file stores it: every group and part (by id), the
    live names (analysis and the ids of all their parts, titles included) with the
    position of their record, and the records in insertion order."""

    groups: list[Group]
    parts: list[NamePart]
    part_group: list[int]
    names: list[NameAnalysis]
    name_parts: list[tuple[int, ...]]
    name_record: list[int]
    records: list[tuple[str, Record]]
