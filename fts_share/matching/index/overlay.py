"""``OverlaidIndex``: a mapped snapshot (``mapped.MappedIndex``, read only, shared by
every process mapping it) with the changes made since in a small in-memory overlay,
searched as one index.

A record added (or replaced) after the snapshot goes into the overlay, a
``NameIndex`` whose groups are numbered in the snapshot's group space
(``joint_groups``: a spelling the snapshot holds keeps its id) and whose names come
after the snapshot's; a snapshot record removed or replaced is *masked*. A search
reads both in one pass (``segments.Segments``: one query table, one candidate scan
over both postings, one choice of candidates, one set of hits), passing over the
masked records' names, so it gives the hits and scores of one index built over the
snapshot's live records and then the overlay's.

Both weigh parts with the rarity statistics of the names the two hold together: the
snapshot's counts, plus the overlay's names, less the masked records' names
(``MappedIndex.set_statistics``, brought up to date before a search); the snapshot's
weights are copied out of the mapping once its statistics moved (the other arrays
stay shared). ``overlay_size`` tells the owner when a new snapshot is due.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from fts_share.matching.index import batch, search
from fts_share.matching.index.evidence_classes import EvidenceClasses
from fts_share.matching.index.groups import GroupTable
from fts_share.matching.index.hits import Hit, ProgressFn
from fts_share.matching.index.joint_groups import JointGroups
from fts_share.matching.index.mapped import MappedIndex
from fts_share.matching.index.name_index import NameIndex
from fts_share.matching.index.segments import Segments
from fts_share.matching.index.snapshot import Layout, Statistics
from fts_share.matching.index.store import Record, SkippedName
from fts_share.matching.scoring.analysis import NamePart
from fts_share.matching.scoring.evidence import CountryInput, DobInput


class _Overlay(NameIndex):
    """The overlay: a ``NameIndex`` in the snapshot's group space (``JointGroups``)
    weighing parts with the statistics the snapshot holds
    (``MappedIndex.set_statistics``: the snapshot and overlay together)."""

    def __init__(self, base: MappedIndex) -> None:
        super().__init__(config=base.config)
        cfg = self.config
        self._base = base
        self.groups = JointGroups(base.groups, GroupTable(
            skeleton_weight=cfg.skeleton_weight, compound_mismatch=cfg.compound_mismatch,
            initial_similarity=cfg.initial_similarity),
            cfg.min_part_similarity)

    def rarity(self, part: NamePart) -> float:
        """The rarity weight of ``part`` over the snapshot and the overlay."""
        return self._base.rarity(part)

    def statistics(self, layout: Layout) -> Statistics:
        """The statistics of the snapshot and the overlay, for the overlay's keys."""
        base = self._base
        key_df = np.array([base.key_df(k) for k in self.columns.key_ids], dtype=np.int64)
        return Statistics(key_df, base.statistics_live)

    def statistics_moved(self) -> None:
        """The statistics changed: weights and rarities are worked out again."""
        self.frequencies.cache.clear()
        self._stamp += 1


class OverlaidIndex:
    """A mapped snapshot plus the changes since (see the module docstring)."""

    def __init__(self, base: MappedIndex) -> None:
        self.base = base
        self.config = base.config
        self.overlay = _Overlay(base)
        self.masked: set[str] = set()
        """the snapshot's records removed or replaced since"""
        self._masked_df: Counter[str] = Counter()
        self._masked_live = 0
        """the masked records' names: how many, and how many hold each rarity key"""
        self._masked_names: set[int] = set()
        self._masked_post: Counter[int] = Counter()
        """the masked records' names by id, and how many of them each group holds"""
        self._synced = True
        self._segments: Segments | None = None
        self.cache = self.overlay.cache
        """what searching keeps between queries (in the joint group space)"""
        self.evidence_classes = EvidenceClasses()
        """per joint name id its record's evidence class (not the overlay's own: its
        name ids are not the joint ones)"""
        self.groups = self.overlay.groups
        self.name_records: Sequence[str | None] = _Joined(
            self.base.name_records, self.overlay.names.record, self._offset)
        self.analyses: Sequence[Any] = _Joined(self.base.analyses,
                                               self.overlay.names.analysis, self._offset)
        self.records_by_id: Mapping[str, Record] = _Records(self)

    @property
    def _offset(self) -> int:
        return self.base.name_slots

    @property
    def name_slots(self) -> int:
        """Name ids handed out over both (the overlay's after the snapshot's)."""
        return self._offset + self.overlay.name_slots

    @property
    def sequence(self) -> int:
        """The last change of the store the snapshot covers."""
        return self.base.sequence

    @property
    def overlay_size(self) -> int:
        """Records changed since the snapshot (overlay records and masked ones)."""
        return len(self.overlay) + len(self.masked - set(self.overlay.record_ids()))

    def __len__(self) -> int:
        return len(self.base) - len(self.masked) + len(self.overlay)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self.overlay or (record_id in self.base
                                             and record_id not in self.masked)

    @property
    def name_count(self) -> int:
        """Number of indexed names."""
        masked = sum(self.base.record_names(r) for r in self.masked)
        return self.base.name_count - masked + self.overlay.name_count

    def record_ids(self) -> list[str]:
        """Ids of all records: the snapshot's (in its order), then the overlay's."""
        masked = self.masked
        return [r for r in self.base.record_ids() if r not in masked] + \
            self.overlay.record_ids()

    def skipped_names(self, record_id: str) -> tuple[SkippedName, ...]:
        """The names of an overlay record that were given but not indexed."""
        return self.overlay.skipped_names(record_id)

    def add(self, record_id: str, names: str | Sequence[str], *, dob: DobInput = None,
            nationality: CountryInput = None, documents: str | Sequence[str] | None = None,
            skip_invalid_names: bool = True) -> tuple[SkippedName, ...]:
        """``NameIndex.add`` into the overlay, masking the snapshot's record of that id;
        a refused record leaves the index unchanged."""
        skipped = self.overlay.add(record_id, names, dob=dob, nationality=nationality,
                                   documents=documents,
                                   skip_invalid_names=skip_invalid_names)
        self._mask(record_id)
        self._synced = False
        return skipped

    def remove(self, record_id: str) -> bool:
        """Remove a record (from the overlay, or mask it in the snapshot); False if it
        was absent."""
        present = record_id in self
        self.overlay.remove(record_id)
        self._mask(record_id)
        self._synced = False
        return present

    def _mask(self, record_id: str) -> None:
        """Mask the snapshot's record ``record_id`` (if it has one), taking its names
        out of the statistics."""
        base = self.base
        if record_id in self.masked or record_id not in base:
            return
        self.masked.add(record_id)
        names = base.records_by_id[record_id].names
        arrays = base.mapped_arrays
        for n in names:
            start, length = int(arrays.name_start[n]), int(arrays.name_len[n])
            for pid in arrays.flat_pids[start:start + length].tolist():
                part = base.part(pid)
                self._masked_df[f"{part.kind}:{part.key}"] += 1
            self._masked_post.update(set(arrays.flat_groups[start:start + length].tolist()))
        self._masked_live += len(names)
        self._masked_names.update(names)
        self._segments = None

    def _sync(self) -> None:
        """Bring the statistics both parts weigh with up to date (before a search)."""
        if self._synced:
            return
        delta = dict(self.overlay.frequencies.df)
        for key, n in self._masked_df.items():
            delta[key] = delta.get(key, 0) - n
        live = self.base.name_count - self._masked_live + self.overlay.name_count
        self.base.set_statistics(delta, live)
        self.overlay.statistics_moved()
        self._synced = True

    def rarity(self, part: NamePart) -> float:
        """Rarity weight of a part over the snapshot and the overlay."""
        return self.base.rarity(part)

    def holds(self, key: str) -> bool:
        """Whether some live name holds a part of rarity key ``key``."""
        self._sync()
        return self.base.key_df(key) > 0

    def adjacent(self, pair: str) -> bool:
        """Whether two parts of these keys stand side by side in a listed name."""
        return self.base.adjacent(pair) or self.overlay.adjacent(pair)

    def forced_names(self, documents: Sequence[str]) -> list[int]:
        """Ids of the live names of the records holding one of ``documents``."""
        dead = self._masked_names
        return [n for n in self.base.forced_names(documents) if n not in dead] + \
            [n + self._offset for n in self.overlay.forced_names(documents)]

    def segments(self) -> Segments:
        """The snapshot's arrays and the overlay's, read as one index."""
        first, second = self.base.arrays(), self.overlay.arrays()
        held = self._segments
        if held is None or held.first is not first or held.second is not second:
            post_len = second.post_len.copy()
            post_len[:len(first.post_len)] += first.post_len
            for g, n in self._masked_post.items():
                post_len[g] -= n
            dead = np.array(sorted(self._masked_names), dtype=np.int64)
            held = self._segments = Segments(first, second, post_len=post_len, dead=dead)
        return held

    def search(self, name: str, *, dob: DobInput = None, nationality: CountryInput = None,
               documents: str | Sequence[str] | None = None, limit: int = 10,
               threshold: float | None = None) -> list[Hit]:
        """``NameIndex.search`` over the snapshot and the overlay, in one pass."""
        self._sync()
        return search.search(self, name, dob=dob, nationality=nationality,
                             documents=documents, limit=limit, threshold=threshold)

    def search_many(self, queries: Iterable[str | Mapping[str, Any]], *, workers: int = 1,
                    limit: int = 10, threshold: float | None = None,
                    progress: ProgressFn | None = None, skip_invalid: bool = False
                    ) -> list[list[Hit]]:
        """``NameIndex.search_many`` over the snapshot and the overlay."""
        return batch.run_batch(self, list(queries), workers=workers, limit=limit,
                               threshold=threshold, progress=progress,
                               skip_invalid=skip_invalid)


class _Joined(Sequence[Any]):
    """Per name id over both: the snapshot's column, then the overlay's."""

    def __init__(self, first: Sequence[Any], second: Sequence[Any], offset: int) -> None:
        self._first, self._second, self._offset = first, second, offset

    def __len__(self) -> int:
        return self._offset + len(self._second)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return self._first[i] if i < self._offset else self._second[i - self._offset]


class _Records(Mapping[str, Record]):
    """The records by id: the overlay's, then the snapshot's that are not masked."""

    def __init__(self, owner: OverlaidIndex) -> None:
        self._owner = owner

    def __getitem__(self, rid: str) -> Record:
        owner = self._owner
        record = owner.overlay.records.by_id.get(rid)
        if record is not None:
            return record
        if rid in owner.masked:
            raise KeyError(rid)
        return owner.base.records_by_id[rid]

    def __iter__(self) -> Iterator[str]:
        return iter(self._owner.record_ids())

    def __len__(self) -> int:
        return len(self._owner)
