"""Hit feedback, the recipient's side: when an officer here confirms a match on a
received notice, the notice's origin is told, by a ``hit`` envelope signed by this node,
sealed to the origin alone and carried on the origin's link (docs/protocol.md, "Hit
feedback"); taking the confirmation back (reopen, dismiss) sends the state
``withdrawn``.

Only an origin whose roster entry lists protocol version 2 (:data:`HIT_PROTOCOL`)
receives hit envelopes; for any other, nothing is sent and the alert page says that
the origin cannot receive hit feedback. Nothing of this node's own record travels: the
message names the origin's notice (id and version), the state, the time of the
decision, this node, the officer's optional note and the officer as point of contact.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from fts_share.audit.log import record
from fts_share.clock import to_rfc3339
from fts_share.errors import RosterError
from fts_share.services import dissemination
from fts_share.services.unit import Work
from fts_share.storage.hit_tables import SENT, HitReport
from fts_share.storage.models import Alert, Notice

#: the protocol version that adds the ``hit`` envelope kind
HIT_PROTOCOL = 2
CONFIRMED, WITHDRAWN = "confirmed", "withdrawn"
#: how long the officer's note and the point of contact may be on the wire
NOTE_MAX, CONTACT_MAX = 500, 200


def received_notice(work: Work, alert: Alert) -> Notice | None:
    """The received notice version an alert matched (None: authored here, or gone)."""
    row = work.session.scalar(select(Notice).where(Notice.notice_id == alert.notice_id,
                                                   Notice.version == alert.notice_version))
    if row is None or row.authored or row.origin == work.code:
        return None
    return row


def accepts_hits(work: Work, origin: str) -> bool:
    """Whether ``origin`` announces protocol version 2 (hit feedback) on the roster in
    force, as an active partner."""
    try:
        return work.node.roster.member(origin, now=work.now).accepts(HIT_PROTOCOL)
    except RosterError:
        return False


def _last_sent(work: Work, alert_id: int) -> HitReport | None:
    return work.session.scalar(select(HitReport).where(
        HitReport.direction == SENT, HitReport.alert_id == alert_id)
        .order_by(HitReport.id.desc()).limit(1))


def on_decision(work: Work, alert: Alert, *, previous: str, actor: str,
                note: str | None) -> HitReport | None:
    """After a decision on ``alert``: send ``confirmed`` when it became confirmed,
    ``withdrawn`` when a confirmation that was reported is taken back; the message sent
    (None when nothing is sent: not a received notice, or an origin that cannot
    receive hit feedback)."""
    if alert.status == CONFIRMED:
        state = CONFIRMED
    elif previous == CONFIRMED:
        last = _last_sent(work, alert.id)
        if last is None or last.state != CONFIRMED:
            return None
        state = WITHDRAWN
    else:
        return None
    row = received_notice(work, alert)
    if row is None or not accepts_hits(work, row.origin):
        return None
    return _send(work, alert=alert, notice=row, state=state, actor=actor,
                 note=note if state == CONFIRMED else None)


def _send(work: Work, *, alert: Alert, notice: Notice, state: str, actor: str,
          note: str | None) -> HitReport:
    message_id = str(uuid.uuid4())
    contact = actor.removeprefix("user:")[:CONTACT_MAX]
    hit = {"id": message_id, "state": state, "decided": to_rfc3339(work.now),
           "node": work.code, "note": note[:NOTE_MAX] if note else None, "contact": contact,
           "notice": {"origin": notice.origin, "id": notice.notice_id,
                      "version": notice.version}}
    entry = dissemination.append(work, payload={"hit": hit}, kind="hit", label=notice.label,
                                 recipients=[notice.origin], notice_id=notice.notice_id,
                                 notice_version=notice.version)
    report = HitReport(direction=SENT, message_id=message_id, partner=notice.origin,
                       notice_id=notice.notice_id, notice_version=notice.version,
                       alert_id=alert.id, state=state, decided=work.now, recorded=work.now,
                       note=hit["note"], contact=contact, seq=entry.seq)
    work.session.add(report)
    record(work.audit, now=work.now, actor=actor, action="share", object_type="hit",
           object_id=notice.notice_id, object_version=notice.version, partner=notice.origin,
           detail={"state": state, "message": message_id, "seq": entry.seq,
                   "alert": alert.id})
    return report


def feedback_for_alert(work: Work, alert: Alert) -> dict[str, Any] | None:
    """What the alert page says about hit feedback: the origin, whether it can receive
    it, and the messages sent for this alert (oldest first); None when the alert's
    notice was not received from a partner."""
    row = received_notice(work, alert)
    if row is None:
        return None
    sent = work.session.scalars(select(HitReport).where(
        HitReport.direction == SENT, HitReport.alert_id == alert.id).order_by(HitReport.id))
    return {"origin": row.origin, "supported": accepts_hits(work, row.origin),
            "sent": [report_json(r) for r in sent]}


def report_json(r: HitReport) -> dict[str, Any]:
    """One hit message as officers see it."""
    return {"partner": r.partner, "notice": r.notice_id, "notice_version": r.notice_version,
            "state": r.state, "decided": to_rfc3339(r.decided),
            "recorded": to_rfc3339(r.recorded), "note": r.note, "contact": r.contact,
            "direction": r.direction}
