"""Match alerts: listing them, and an officer's decisions (confirm, dismiss, reopen),
each with its reason, kept as a history and logged.

Alerts are raised when a received notice's subject matches a watchlist record (see
:mod:`fts_share.services.screening` and :mod:`fts_share.services.alert_groups`); an
officer sees the alert beside this node's own record of its best match, with its
matches ranked and the sightings of its subject.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from fts_share.audit.log import record
from fts_share.clock import to_rfc3339
from fts_share.errors import Conflict, NotFound
from fts_share.services import hits
from fts_share.services.screening import notice_record_id
from fts_share.services.unit import Work
from fts_share.storage.alert_tables import AlertMatch, AlertSighting
from fts_share.storage.alerts import matches_of, sightings_of
from fts_share.storage.models import Alert, AlertDecision, Notice, WatchlistEntry

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


#: The status an alert takes on each decision ("reopened" undoes the last one).
STATUS_AFTER = {"confirmed": "confirmed", "dismissed": "dismissed", "reopened": "new"}


def decide(work: Work, *, alert_id: int, decision: str, actor: str, reason: str,
           note: str | None = None) -> Alert:
    """Confirm, dismiss or reopen an alert, with a reason. Every decision is kept (a
    revision adds to the history) and logged; a decision that would not change the
    alert's status is a :class:`Conflict`. Confirming a match on a received notice, or
    taking a confirmation back, tells the notice's origin (:func:`hits.on_decision`,
    with the officer's ``note``)."""
    alert = work.session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    status = STATUS_AFTER[decision]
    if alert.status == status:
        raise Conflict(f"alert {alert_id} is already {alert.status}")
    previous = alert.status
    work.session.add(AlertDecision(alert_id=alert_id, at=work.now, actor=actor,
                                   decision=decision, previous=previous, reason=reason))
    alert.status, alert.decided_by, alert.decided_at = status, actor, work.now
    revision = int(work.session.scalar(  # the new row included (the session autoflushes)
        select(func.count()).select_from(AlertDecision)
        .where(AlertDecision.alert_id == alert_id)) or 0)
    record(work.audit, now=work.now, actor=actor, action="match_decided", object_type="alert",
           object_id=str(alert_id), partner=None,
           detail={"decision": decision, "previous": previous, "notice": alert.notice_id,
                   "revision": revision, "reason_given": True})
    hits.on_decision(work, alert, previous=previous, actor=actor, note=note)
    return alert


def history(work: Work, alert_id: int) -> list[dict[str, Any]]:
    """The decisions on an alert, oldest first, with their reasons."""
    rows = work.session.scalars(select(AlertDecision).where(AlertDecision.alert_id == alert_id)
                                .order_by(AlertDecision.id))
    return [{"decision": r.decision, "previous": r.previous, "actor": r.actor,
             "at": r.at, "reason": r.reason} for r in rows]


def match_json(m: AlertMatch) -> dict[str, Any]:
    """One match an alert holds."""
    return {"notice": m.notice_id, "notice_version": m.notice_version,
            "record": m.record_id, "source": m.source, "kind": m.kind, "score": m.score,
            "measures": list(m.measures), "explanation": m.explanation}


def sighting_json(g: AlertSighting) -> dict[str, Any]:
    """One sighting of an alert's subject."""
    return {"notice": g.notice_id, "notice_version": g.notice_version, "origin": g.origin,
            "linked_by": g.linked_by, "at": to_rfc3339(g.created)}


def groups(work: Work, alerts: list[Alert]) -> list[dict[str, Any]]:
    """Each alert's group: its matches ranked, best first (at most ``[alerts]
    max_matches``), how many it holds in all, and the sightings of its subject."""
    cap = work.node.config.alerts.max_matches
    ids = [a.id for a in alerts]
    matches, sightings = matches_of(work.session, ids), sightings_of(work.session, ids)
    return [{"matches": [match_json(m) for m in matches.get(a.id, [])[:cap]],
             "match_count": len(matches.get(a.id, [])),
             "sightings": [sighting_json(g) for g in sightings.get(a.id, [])]}
            for a in alerts]


def alerts_json(work: Work, alerts: list[Alert]) -> list[dict[str, Any]]:
    """Alerts as officers see them, each with its group (see :func:`groups`)."""
    return [{**alert_json(a), **g} for a, g in zip(alerts, groups(work, alerts), strict=True)]


def alert_json(alert: Alert) -> dict[str, Any]:
    """An alert as officers see it (its best match; :func:`alerts_json` adds the
    group)."""
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


def notice_side(work: Work, alert: Alert) -> dict[str, Any] | None:
    """The notice's subject as this node indexed it for screening (names, dates of
    birth, nationalities, documents) and the notice's origin; None if not indexed."""
    origin = work.session.scalar(select(Notice.origin).where(Notice.notice_id == alert.notice_id)
                                 .order_by(Notice.version.desc()).limit(1))
    if origin is None:
        return None
    side = watchlist_record(work, notice_record_id(origin, alert.notice_id))
    return {**side, "origin": origin} if side else {"origin": origin}


def with_records(work: Work, alerts: list[Alert]) -> list[dict[str, Any]]:
    """Each alert beside this node's record of its best match, the notice's subject,
    and its group (ranked matches, sightings)."""
    return [{"alert": a, "record": watchlist_record(work, a.record_id),
             "subject": notice_side(work, a), "group": g}
            for a, g in zip(alerts, groups(work, alerts), strict=True)]


def get(work: Work, alert_id: int) -> dict[str, Any]:
    """One alert with both sides and its decisions (:class:`NotFound` if none)."""
    alert = work.session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    return {**with_records(work, [alert])[0], "history": history(work, alert_id),
            "hit_feedback": hits.feedback_for_alert(work, alert)}
