"""``OverlaidIndex``: a mapped snapshot (``mapped.MappedIndex``, read only, shared by
every process mapping it) with the changes made since in a small in-memory overlay.

A record added (or replaced) after the snapshot goes into the overlay, a
``NameIndex``; a snapshot record removed or replaced is *masked*. A search asks both
and merges: the snapshot's hits without the masked records (asking it for as many
more hits as there are masked records), and the overlay's, best first, ties by record
id, as ``NameIndex.search`` orders them.

Both weigh parts with the rarity statistics of the names the two hold together: the
snapshot's counts, plus the overlay's names, less the masked records' names
(``MappedIndex.set_statistics``, brought up to date before a search). So every
record scores as it would in one index built over the same names, and the snapshot's
weights are copied out of the mapping once its statistics moved (the other arrays
stay shared). The candidate budgets are applied to each part alone, so on a query
whose candidates exceed them the two can still differ (see docs/matching.md, section
5.5); ``overlay_size`` tells the owner when a new snapshot is due.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from fts_share.errors import ValidationError
from fts_share.matching.index import batch
from fts_share.matching.index.hits import Hit, ProgressFn
from fts_share.matching.index.mapped import MappedIndex
from fts_share.matching.index.name_index import NameIndex
from fts_share.matching.index.snapshot import Layout, Statistics
from fts_share.matching.index.store import SkippedName
from fts_share.matching.scoring.analysis import NamePart
from fts_share.matching.scoring.evidence import CountryInput, DobInput


class _Overlay(NameIndex):
    """The overlay: a ``NameIndex`` weighing parts with the statistics the snapshot
    holds (``MappedIndex.set_statistics``: the snapshot and overlay together)."""

    def __init__(self, base: MappedIndex) -> None:
        super().__init__(config=base.config)
        self._base = base

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
        self._synced = True

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
        self._masked_live += len(names)

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

    def search(self, name: str, *, dob: DobInput = None, nationality: CountryInput = None,
               documents: str | Sequence[str] | None = None, limit: int = 10,
               threshold: float | None = None) -> list[Hit]:
        """``NameIndex.search`` over the snapshot and the overlay (merged)."""
        if not isinstance(limit, int) or limit < 1:
            raise ValidationError({"limit": ["must be a positive integer"]})
        self._sync()
        args: dict[str, Any] = {"dob": dob, "nationality": nationality,
                                "documents": documents, "threshold": threshold}
        hits = [h for h in self.base.search(name, limit=limit + len(self.masked), **args)
                if h.record_id not in self.masked]
        if len(self.overlay):
            hits += self.overlay.search(name, limit=limit, **args)
        hits.sort(key=lambda h: (-h.score, h.record_id))
        return hits[:limit]

    def search_many(self, queries: Iterable[str | Mapping[str, Any]], *, workers: int = 1,
                    limit: int = 10, threshold: float | None = None,
                    progress: ProgressFn | None = None, skip_invalid: bool = False
                    ) -> list[list[Hit]]:
        """``NameIndex.search_many`` over the snapshot and the overlay."""
        return batch.run_batch(self, list(queries), workers=workers, limit=limit,
                               threshold=threshold, progress=progress,
                               skip_invalid=skip_invalid)
