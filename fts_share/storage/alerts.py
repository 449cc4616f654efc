"""Alerts in the node database: written a page at a time, with their matches and
sightings; read with them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from fts_share.storage import observe
from fts_share.storage.alert_tables import AlertMatch, AlertSighting
from fts_share.storage.bulk import BulkInsert
from fts_share.storage.models import Alert, WatchlistEntry


def _columns(table: Any) -> tuple[str, ...]:
    return tuple(c.key for c in cast(Table, table).columns if c.key != "id")


_INSERT_MATCHES = BulkInsert(insert(cast(Table, AlertMatch.__table__)),
                             _columns(AlertMatch.__table__))
_INSERT_SIGHTINGS = BulkInsert(insert(cast(Table, AlertSighting.__table__)),
                               _columns(AlertSighting.__table__))


def entries_by_id(session: Session, ids: Iterable[str]) -> dict[str, WatchlistEntry]:
    """The watchlist entries among ``ids``, in one query."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {e.id: e for e in session.scalars(select(WatchlistEntry)
                                             .where(WatchlistEntry.id.in_(wanted)))}


class EntryFacts(NamedTuple):
    """What an alert reads of a matched watchlist entry."""

    id: str
    source: str
    measures: list[str]
    documents: list[str]
    data: dict[str, Any]


def hit_entries(session: Session, ids: Iterable[str]) -> dict[str, EntryFacts]:
    """What alerts read of the watchlist entries among ``ids``, in one query of those
    columns (no entity loaded)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    w = WatchlistEntry
    rows = session.execute(select(w.id, w.source, w.measures, w.documents, w.data)
                           .where(w.id.in_(wanted)))
    return {row[0]: EntryFacts(*row) for row in rows}


def insert_alerts(session: Session, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert alerts (``alerts`` columns) with one statement; their ids, in order."""
    if not rows:
        return []
    for row in rows:
        observe.note(session, "alerts", str(row.get("kind", "")))
    stmt = insert(Alert).returning(Alert.id, sort_by_parameter_order=True)
    return [int(i) for i in session.scalars(stmt, [dict(r) for r in rows])]


def alerts_by_id(session: Session, ids: Iterable[int]) -> dict[int, Alert]:
    """The alerts among ``ids``, in one query."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {a.id: a for a in session.scalars(select(Alert).where(Alert.id.in_(wanted)))}


def owners_of(session: Session, record_ids: Iterable[str]) -> dict[str, int]:
    """The oldest alert each of ``record_ids`` (received notices' records) is a
    sighting of, for those that are one; in one query."""
    wanted = sorted(set(record_ids))
    if not wanted:
        return {}
    rows = session.execute(select(AlertSighting.record_id, func.min(AlertSighting.alert_id))
                           .where(AlertSighting.record_id.in_(wanted))
                           .group_by(AlertSighting.record_id))
    return {str(rid): int(aid) for rid, aid in rows}


def insert_matches(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert alert matches (each row with every ``alert_matches`` column but the id)
    with one statement (``storage.bulk``)."""
    if rows:
        session.flush()  # (what the statement's autoflush did)
        _INSERT_MATCHES.run(session.connection(), rows)


def insert_sightings(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert alert sightings (each row with every ``alert_sightings`` column but the
    id) with one statement (``storage.bulk``)."""
    if rows:
        session.flush()  # (what the statement's autoflush did)
        _INSERT_SIGHTINGS.run(session.connection(), rows)


def matches_of(session: Session, alert_ids: Iterable[int]) -> dict[int, list[AlertMatch]]:
    """Each alert's matches, best first (score, then the order they came in)."""
    out: dict[int, list[AlertMatch]] = {}
    wanted = sorted(set(alert_ids))
    if wanted:
        for m in session.scalars(select(AlertMatch).where(AlertMatch.alert_id.in_(wanted))
                                 .order_by(AlertMatch.score.desc(), AlertMatch.id)):
            out.setdefault(m.alert_id, []).append(m)
    return out


def sightings_of(session: Session, alert_ids: Iterable[int]
                 ) -> dict[int, list[AlertSighting]]:
    """Each alert's sightings, oldest first."""
    out: dict[int, list[AlertSighting]] = {}
    wanted = sorted(set(alert_ids))
    if wanted:
        for s in session.scalars(select(AlertSighting)
                                 .where(AlertSighting.alert_id.in_(wanted))
                                 .order_by(AlertSighting.id)):
            out.setdefault(s.alert_id, []).append(s)
    return out
