"""Filling an index with many records at once (a list import, a fresh worker's first
build): ``add_many`` adds them as ``NameIndex.add`` would, one by one, with Python's
cyclic garbage collector paused for the duration.

Why: every record leaves a dozen small container objects (its analysis, its parts,
its lists of names) that the collector tracks. While an index grows, CPython runs a
full collection each time the objects tracked since the last one exceed a quarter of
all those it holds, and each full collection walks every object of the process: at
1M names about a third of the build's CPU time went there (issue 16; docs/benchmarks.md,
"Speed at 1M names", round 2). Nothing an index builds is cyclic garbage, so pausing
the collector loses nothing; it is switched back on afterwards (only if it was on),
and the next collection sees the new objects once.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from fts_share.errors import ValidationError
from fts_share.matching.index.store import SkippedName
from fts_share.matching.scoring.evidence import CountryInput, DobInput


class BulkRecord(NamedTuple):
    """One record to add: the arguments of ``NameIndex.add``."""

    record_id: str
    names: str | Sequence[str]
    dob: DobInput = None
    nationality: CountryInput = None
    documents: str | Sequence[str] | None = None


class Addable(Protocol):
    """What ``add_many`` needs of an index (``NameIndex``, ``OverlayIndex``)."""

    def add(self, record_id: str, names: str | Sequence[str], *, dob: DobInput = None,
            nationality: CountryInput = None, documents: str | Sequence[str] | None = None,
            skip_invalid_names: bool = True) -> tuple[SkippedName, ...]:
        """Add (or replace) a record; returns the names it could not index."""


@dataclass
class BulkReport:
    """What ``add_many`` did: how many records went in, which were refused (with the
    errors ``NameIndex.add`` raised, by field) and the names skipped in the others."""

    added: int = 0
    refused: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    skipped: dict[str, tuple[SkippedName, ...]] = field(default_factory=dict)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector inside the block (restored on exit, also on
    error; left off if it was already off)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def add_many(index: Addable, records: Iterable[BulkRecord | tuple[object, ...]]
             ) -> BulkReport:
    """Add ``records`` in order, as ``index.add`` one by one would (a later record of
    the same id replaces the earlier one); a record ``add`` refuses is reported, not
    raised, and the others still go in."""
    report = BulkReport()
    with collector_paused():
        for row in records:
            rec = row if isinstance(row, BulkRecord) else BulkRecord(*row)  # type: ignore[arg-type]
            try:
                skipped = index.add(rec.record_id, rec.names, dob=rec.dob,
                                    nationality=rec.nationality, documents=rec.documents)
            except ValidationError as exc:
                report.refused[rec.record_id] = exc.errors
                continue
            report.added += 1
            report.refused.pop(rec.record_id, None)
            if skipped:
                report.skipped[rec.record_id] = skipped
            else:
                report.skipped.pop(rec.record_id, None)
    return report
