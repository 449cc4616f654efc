"""Alerts in the node database: written a page at a time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from fts_share.storage import observe
from fts_share.storage.models import Alert, WatchlistEntry


def entries_by_id(session: Session, ids: Iterable[str]) -> dict[str, WatchlistEntry]:
    """The watchlist entries among ``ids``, in one query."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {e.id: e for e in session.scalars(select(WatchlistEntry)
                                             .where(WatchlistEntry.id.in_(wanted)))}


def insert_alerts(session: Session, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert alerts (``alerts`` columns) with one statement; their ids, in order."""
    if not rows:
        return []
    for row in rows:
        observe.note(session, "alerts", str(row.get("kind", "")))
    stmt = insert(Alert).returning(Alert.id, sort_by_parameter_order=True)
    return [int(i) for i in session.scalars(stmt, [dict(r) for r in rows])]
