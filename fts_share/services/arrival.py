"""Screening on arrival, a page at a time.

The poller hands every received page's stored notice versions to the hook of
:func:`arrival_screening` (``ingest_page(on_page=...)``). The page's subjects become
watchlist entries first; the index catches up once; then every name of every subject
is searched in one batch call (:meth:`WatchlistIndex.search_many`). Each subject keeps
the hits one-by-one screening would give it: records held before the page and the
subjects that came before it in the page, never its own record or a later one. The
page's alerts, matches and sightings are inserted with one statement per table and
their audit entries appended together
(:func:`fts_share.services.alert_groups.raise_alerts`), in the page's transaction;
grouping places the page's sightings in order, as one-by-one screening would.

One-by-one screening (:func:`fts_share.services.screening.screening_hook`) remains the
reference; with the rarity statistics of the index held still (a small watchlist, or
no name of the page changing them), both give the same alerts in the same order.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fts_share.matching import Hit
from fts_share.screening.index import IndexedEntry
from fts_share.services import metrics
from fts_share.services.alert_groups import Sighting, raise_alerts
from fts_share.services.node import Node
from fts_share.services.receiving import Arrival, PageHook
from fts_share.services.screening import (
    current_index,
    new_entry,
    notice_record_id,
    subject_documents,
    subject_entry,
    subject_fields,
    subject_names,
)
from fts_share.services.unit import Work
from fts_share.storage.alerts import entries_by_id
from fts_share.storage.watchlist import insert_entries

#: hits kept per subject (as one-by-one screening keeps them)
LIMIT = 10


@dataclass(frozen=True)
class Screened:
    """One subject of a page: its arrival, what was read of it, and its hits."""

    arrival: Arrival
    subject: Mapping[str, Any]
    movement: str | None
    own_id: str


def arrival_screening(node: Node) -> PageHook:
    """The ``on_page`` hook the poller calls with every received page's notices."""
    return screen_arrivals


def screen_arrivals(work: Work, arrivals: list[Arrival]) -> list[int]:
    """Screen a page's received notice versions as one batch; the ids of the alerts
    raised (see the module docstring)."""
    page = [_read(a) for a in arrivals]
    if not page:
        return []
    started = time.perf_counter()
    entries = _index_subjects(work, page)
    best = _page_hits(work, page, entries)
    metrics.observe_screening(work.code, "arrival", time.perf_counter() - started)
    return _raise_alerts(work, page, best)


def _read(arrival: Arrival) -> Screened:
    subject, movement = arrival.subject, arrival.movement
    return Screened(arrival, subject, movement["kind"] if movement else None,
                    notice_record_id(arrival.origin, arrival.notice_id))


def _index_subjects(work: Work, page: Sequence[Screened]) -> list[IndexedEntry]:
    """The page's subjects as watchlist entries (returned: the index's catch-up reads
    them from here, not from the store again). New ones are inserted with one
    statement, in page order (a later version in the same page replaces an earlier
    one's columns); then the entries held already are changed in the session, so that
    their changes follow, as a flush of them all would number them."""
    held = entries_by_id(work.session, (s.own_id for s in page))
    new: dict[str, dict[str, Any]] = {}
    for s in page:
        if s.own_id not in held:
            new[s.own_id] = subject_fields(**_subject_args(work, s))
    insert_entries(work.session, list(new.values()))
    out: dict[str, IndexedEntry] = {rid: new_entry(fields) for rid, fields in new.items()}
    for s in page:
        if s.own_id in held:
            entry = out[s.own_id] = subject_entry(held[s.own_id], **_subject_args(work, s))
            work.session.add(entry)
    return list(out.values())


def _subject_args(work: Work, s: Screened) -> dict[str, Any]:
    a = s.arrival
    return {"rid": s.own_id, "notice_id": a.notice_id, "version": a.version,
            "origin": a.origin, "subject": s.subject, "now": work.now}


def _queries(s: Screened) -> list[dict[str, Any]]:
    subject = s.subject
    dob = (subject.get("dob") or {}).get("value")
    nats = subject.get("nationalities") or None
    docs = subject_documents(subject) or None
    return [{"name": n, "dob": dob, "nationality": nats, "documents": docs}
            for n in subject_names(subject)]


def _page_hits(work: Work, page: Sequence[Screened], entries: Sequence[IndexedEntry]
               ) -> list[dict[str, Hit]]:
    """The best hit per record of each subject, from one batch search."""
    position = {s.own_id: k for k, s in enumerate(page)}
    rows: list[tuple[int, dict[str, Any]]] = [(k, q) for k, s in enumerate(page)
                                              for q in _queries(s)]
    def kept(row: int, hits: list[Hit]) -> list[Hit]:  # (only these are explained)
        k = rows[row][0]
        return [h for h in hits if position.get(h.record_id, -1) < k][:LIMIT]

    index = current_index(work, held=entries)
    results = index.search_many([q for _, q in rows], limit=LIMIT + 1 + len(page),
                                keep=kept)
    best: list[dict[str, Hit]] = [{} for _ in page]
    for (k, _q), hits in zip(rows, results, strict=True):
        mine = best[k]
        for h in hits:
            if h.record_id not in mine or h.score > mine[h.record_id].score:
                mine[h.record_id] = h
    return best


def _raise_alerts(work: Work, page: Sequence[Screened], best: list[dict[str, Hit]]
                  ) -> list[int]:
    return raise_alerts(work, [
        Sighting(notice_id=s.arrival.notice_id, version=s.arrival.version,
                 origin=s.arrival.origin, legal_basis=list(s.arrival.legal_basis),
                 movement=s.movement, documents=subject_documents(s.subject),
                 own_id=s.own_id, hits=hits)
        for s, hits in zip(page, best, strict=True)])
