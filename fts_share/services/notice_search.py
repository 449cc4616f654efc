"""Searching the notices received here: by name (the matching engine, any script),
the subject's nationality and date of birth, the notice's origin and date; combined
and paged.

The subjects of received notices are already in the node's watchlist index (entries
``notice:{origin}:{id}``, written by :func:`~fts_share.services.screening.screen_notice`),
so a name is searched there and only those entries are kept; the other criteria are
read from the same entries and from the notices' metadata. A search shows personal
data: it is made for a stated purpose and legal basis and logged like a screening
(the criteria used and the count, never the values or the results).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from fts_share.audit.log import record
from fts_share.clock import to_rfc3339
from fts_share.matching import Hit
from fts_share.matching.query import search_typed
from fts_share.notices.requests import SEARCH_CRITERIA, date_bounds
from fts_share.services.screening import current_index
from fts_share.services.unit import Work
from fts_share.storage.models import Notice, WatchlistEntry
from fts_share.storage.notices import latest_versions

#: The id prefix of a received notice's subject in the watchlist index.
PREFIX = "notice:"
#: Hits asked of the index for a name (the watchlist's own records among them).
NAME_HITS = 500
#: Ids read at a time from the store.
CHUNK = 500


@dataclass(frozen=True)
class Criteria:
    """What to search for (``None``: not a criterion). Dates of birth are partial
    dates (``1994``, ``1994-05``, ``1994-05-02``), overlapping ranges match; the
    notice's dates are days (UTC), both ends included."""

    name: str | None = None
    nationality: str | None = None
    origin: str | None = None
    dob_from: str | None = None
    dob_to: str | None = None
    dated_from: str | None = None
    dated_to: str | None = None

    @classmethod
    def of(cls, data: dict[str, Any]) -> Criteria:
        """The criteria of a loaded search request."""
        return cls(**{k: data.get(k) for k in SEARCH_CRITERIA})

    def given(self) -> list[str]:
        """The names of the criteria given (what the audit log keeps)."""
        return [k for k in SEARCH_CRITERIA if getattr(self, k)]


def _name_hits(work: Work, name: str) -> dict[str, Hit]:
    """The received notices' subjects whose names match ``name``, by entry id, at the
    node's search threshold (``MatchConfig.search_threshold``: an officer looking for a
    notice types part of a name, and reads the list)."""
    index = current_index(work)
    cut = work.node.match_config.search_threshold
    hits = search_typed(lambda n: index.search(n, limit=NAME_HITS, threshold=cut), name,
                        limit=NAME_HITS)
    return {h.record_id: h for h in hits if h.record_id.startswith(PREFIX)}


def _day_start(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(0), tzinfo=UTC)


def _notices(work: Work, c: Criteria, ids: Iterable[str] | None) -> list[Notice]:
    """The latest version of each received notice within the origin and date criteria
    (and among ``ids``, notice ids, when given); purged ones have nothing to show."""
    q = latest_versions().where(Notice.authored.is_(False), Notice.status != "purged")
    if c.origin:
        q = q.where(Notice.origin == c.origin)
    if c.dated_from:
        q = q.where(Notice.created >= _day_start(c.dated_from))
    if c.dated_to:
        q = q.where(Notice.created < _day_start(c.dated_to) + timedelta(days=1))
    if ids is None:
        return list(work.session.scalars(q))
    wanted, rows = sorted(set(ids)), list[Notice]()
    for i in range(0, len(wanted), CHUNK):
        rows.extend(work.session.scalars(q.where(Notice.notice_id.in_(wanted[i:i + CHUNK]))))
    return rows


def _entries(work: Work, rids: Sequence[str]) -> dict[str, WatchlistEntry]:
    found: dict[str, WatchlistEntry] = {}
    for i in range(0, len(rids), CHUNK):
        found.update((e.id, e) for e in work.session.scalars(
            select(WatchlistEntry).where(WatchlistEntry.id.in_(rids[i:i + CHUNK]),
                                         WatchlistEntry.active.is_(True))))
    return found


def _dob_matches(dobs: Sequence[str], c: Criteria) -> bool:
    """Whether a date of birth of the subject overlaps the range asked for."""
    if not (c.dob_from or c.dob_to):
        return True
    low = date_bounds(c.dob_from)[0] if c.dob_from else date.min
    high = date_bounds(c.dob_to)[1] if c.dob_to else date.max
    for dob in dobs:
        try:
            first, last = date_bounds(dob)
        except ValueError:
            continue
        if first <= high and last >= low:
            return True
    return False


def _keep(entry: WatchlistEntry | None, c: Criteria) -> bool:
    if entry is None:
        return False
    if c.nationality and c.nationality not in entry.nationalities:
        return False
    return _dob_matches(entry.dobs, c)


def _item(row: Notice, entry: WatchlistEntry, hit: Hit | None) -> dict[str, Any]:
    return {"notice": row.notice_id, "version": row.version, "origin": row.origin,
            "status": row.status, "dated": to_rfc3339(row.created),
            "names": list(entry.names), "dobs": list(entry.dobs),
            "nationalities": list(entry.nationalities),
            "score": round(float(hit.score), 4) if hit else None,
            "matched_name": hit.name if hit else None,
            "link": f"/api/v1/notices/{row.notice_id}"}


def find(work: Work, c: Criteria) -> list[dict[str, Any]]:
    """Every received notice that meets the criteria: best score first for a name,
    otherwise newest first. Nothing is logged (see :func:`search`)."""
    hits = _name_hits(work, c.name) if c.name else None
    ids = None if hits is None else [rid.split(":", 2)[2] for rid in hits]
    rows = _notices(work, c, ids)
    rids = [f"{PREFIX}{r.origin}:{r.notice_id}" for r in rows]
    entries = _entries(work, rids)
    items = []
    for row, rid in zip(rows, rids, strict=True):
        entry = entries.get(rid)
        hit = hits.get(rid) if hits is not None else None
        if (hits is None or hit is not None) and _keep(entry, c):
            assert entry is not None
            items.append(_item(row, entry, hit))
    if hits is not None:
        items.sort(key=lambda i: (-i["score"], i["notice"]))
    else:
        items.sort(key=lambda i: (i["dated"], i["notice"]), reverse=True)
    return items


def search(work: Work, *, criteria: Criteria, page: int, per_page: int, purpose: str,
           legal_basis: Sequence[str], actor: str) -> dict[str, Any]:
    """One page of :func:`find`'s results, with how many there are in all; logged with
    its purpose and legal basis, the criteria used and the count (no values)."""
    items = find(work, criteria)
    total = len(items)
    record(work.audit, now=work.now, actor=actor, action="screen",
           object_type="notice_search", partner=None, purpose=purpose,
           legal_basis=list(legal_basis),
           detail={"criteria": criteria.given(), "results": total, "page": page})
    start = (page - 1) * per_page
    return {"items": items[start:start + per_page], "total": total, "page": page,
            "per_page": per_page, "pages": max(1, -(-total // per_page))}
