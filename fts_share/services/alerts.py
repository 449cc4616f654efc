"""Match alerts: listing them, and an officer's decision (confirm or dismiss), logged.

Alerts are raised when a received notice's subject matches a watchlist record (see
:mod:`fts_share.services.screening`); an officer sees the alert beside this node's own
record of the match.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from fts_share.audit.log import record
from fts_share.clock import to_rfc3339
from fts_share.errors import Conflict, NotFound
from fts_share.services.unit import Work
from fts_share.storage.models import Alert, WatchlistEntry

STATUSES = ("new", "confirmed", "dismissed")


def list_alerts(work: Work, *, status: str | None = None, after_id: int = 0,
                limit: int | None = 50) -> list[Alert]:
    """Alerts, oldest first after ``after_id`` (``limit`` None: all of them)."""
    q = select(Alert).where(Alert.id > after_id)
    if status:
        q = q.where(Alert.status == status)
    return list(work.session.scalars(q.order_by(Alert.id).limit(limit)))


def count(work: Work, status: str = "new") -> int:
    """How many alerts have ``status``."""
    return int(work.session.scalar(select(func.count()).select_from(Alert)
                                   .where(Alert.status == status)) or 0)


def decide(work: Work, *, alert_id: int, decision: str, actor: str,
           note: str | None) -> Alert:
    """Confirm or dismiss an alert (logged)."""
    alert = work.session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    if alert.status != "new":
        raise Conflict(f"alert {alert_id} was already {alert.status}")
    alert.status, alert.decided_by, alert.decided_at = decision, actor, work.now
    record(work.audit, now=work.now, actor=actor, action="match_decided", object_type="alert",
           object_id=str(alert_id), partner=None,
           detail={"decision": decision, "notice": alert.notice_id,
                   "note_given": bool(note)})
    return alert


def alert_json(alert: Alert) -> dict[str, Any]:
    """An alert as officers see it."""
    return {"id": alert.id, "created": to_rfc3339(alert.created), "notice": alert.notice_id,
            "notice_version": alert.notice_version, "record": alert.record_id,
            "source": alert.source, "kind": alert.kind, "score": alert.score,
            "measures": alert.measures, "explanation": alert.explanation,
            "status": alert.status, "decided_by": alert.decided_by,
            "decided_at": to_rfc3339(alert.decided_at) if alert.decided_at else None}


def watchlist_record(work: Work, record_id: str) -> dict[str, Any] | None:
    """What an officer sees of a local watchlist record (this node's own holdings)."""
    row = work.session.get(WatchlistEntry, record_id)
    if row is None:
        return None
    return {"id": row.id, "source": row.source, "regime": row.regime, "names": list(row.names),
            "dobs": list(row.dobs), "nationalities": list(row.nationalities),
            "documents": list(row.documents), "measures": list(row.measures),
            "active": row.active}


def with_records(work: Work, alerts: list[Alert]) -> list[dict[str, Any]]:
    """Each alert beside this node's record of the match."""
    return [{"alert": a, "record": watchlist_record(work, a.record_id)} for a in alerts]
