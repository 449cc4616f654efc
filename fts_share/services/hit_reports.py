"""Hit feedback, the origin's side: storing the ``hit`` envelopes partners send about
notices published here, and what the origin's officer sees of them (the hits reported
by partners on a notice, their count in the list of published notices) with the
notice's related notices (same subject, supersedes, hit).

A received hit is refused (recorded as rejected, with the reason, and audited by the
page's ingestion) unless: it was sealed to this node alone, the reporting node is the
envelope's origin, the notice is one this node published, and that version was sent
to the reporting node. A second message with an ``id`` already held from that partner
is refused too (a replay); a redelivery of the same envelope changes nothing (the feed's
chain skips it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select

from fts_share.audit.log import record
from fts_share.clock import parse_rfc3339
from fts_share.crypto.envelope import EnvelopeHeader
from fts_share.errors import NotFound
from fts_share.federation.envelopes import Rejected
from fts_share.services.hits import report_json
from fts_share.services.unit import Work
from fts_share.storage.alert_tables import AlertSighting
from fts_share.storage.hit_tables import RECEIVED, SENT, HitReport
from fts_share.storage.models import Notice


def apply_hit(work: Work, *, header: EnvelopeHeader, hit: Mapping[str, Any]) -> HitReport:
    """Check and store a partner's hit message (or :class:`Rejected`), and audit it."""
    partner, ref = header.origin, hit["notice"]
    if {r[0] for r in header.recipients} != {work.code}:
        raise Rejected("hit not sealed to this node alone")
    if hit["node"] != partner:
        raise Rejected(f"hit from {partner} names another reporting node")
    if ref["origin"] != work.code:
        raise Rejected(f"hit about a notice of {ref['origin']}, not of this node")
    sent = work.session.scalar(select(Notice).where(
        Notice.notice_id == str(ref["id"]), Notice.version == int(ref["version"]),
        Notice.authored.is_(True)))
    if sent is None or partner not in (sent.recipients or []):
        raise Rejected(f"hit for notice {ref['id']} v{ref['version']}, "
                       f"never sent to {partner}")
    held = work.session.scalar(select(HitReport.id).where(
        HitReport.direction == RECEIVED, HitReport.partner == partner,
        HitReport.message_id == str(hit["id"])))
    if held is not None:
        raise Rejected(f"hit message {hit['id']} already received (replay)")
    report = HitReport(direction=RECEIVED, message_id=str(hit["id"]), partner=partner,
                       notice_id=sent.notice_id, notice_version=sent.version, alert_id=None,
                       state=str(hit["state"]), decided=parse_rfc3339(hit["decided"]),
                       recorded=work.now, note=hit["note"], contact=str(hit["contact"]),
                       seq=header.seq)
    work.session.add(report)
    record(work.audit, now=work.now, actor=f"node:{partner}", action="receive",
           object_type="hit", object_id=sent.notice_id, object_version=sent.version,
           partner=partner, detail={"state": report.state, "message": report.message_id,
                                    "seq": header.seq})
    return report


def reported(work: Work, notice_id: str) -> list[dict[str, Any]]:
    """The hits partners reported on a notice published here: per partner, its
    current state (the newest message) with the history of its messages, oldest
    partner first."""
    rows = work.session.scalars(select(HitReport).where(
        HitReport.direction == RECEIVED, HitReport.notice_id == notice_id)
        .order_by(HitReport.id))
    by_partner: dict[str, list[HitReport]] = {}
    for r in rows:
        by_partner.setdefault(r.partner, []).append(r)
    return [{**report_json(msgs[-1]), "history": [report_json(m) for m in msgs]}
            for msgs in by_partner.values()]


def confirmed_counts(work: Work, notice_ids: Iterable[str]) -> dict[str, int]:
    """For each of ``notice_ids``, how many partners currently report a confirmed hit
    (notices without one are left out)."""
    wanted = sorted(set(notice_ids))
    if not wanted:
        return {}
    newest = (select(func.max(HitReport.id)).where(
        HitReport.direction == RECEIVED, HitReport.notice_id.in_(wanted))
        .group_by(HitReport.notice_id, HitReport.partner))
    rows = work.session.execute(select(HitReport.notice_id, func.count()).where(
        HitReport.id.in_(newest), HitReport.state == "confirmed")
        .group_by(HitReport.notice_id))
    return {str(nid): int(n) for nid, n in rows}


def feedback(work: Work, notice_id: str) -> dict[str, Any]:
    """A notice's hits reported by partners and its related notices (metadata only);
    :class:`NotFound` if this node holds no version of it."""
    held = work.session.scalar(select(func.count()).select_from(Notice)
                               .where(Notice.notice_id == notice_id))
    if not held:
        raise NotFound(f"no notice {notice_id}")
    return {"id": notice_id, "hits": reported(work, notice_id),
            "related": related(work, notice_id)}


def related(work: Work, notice_id: str) -> list[dict[str, Any]]:
    """The notices related to ``notice_id``: ``supersedes`` (each version and the one
    it replaces), ``same-subject`` (notices linked to it in an alert group) and ``hit``
    (partners that reported a hit on it here, or the origin this node reported one to)."""
    links: list[dict[str, Any]] = []
    versions = work.session.scalars(select(Notice.version).where(
        Notice.notice_id == notice_id).order_by(Notice.version)).all()
    links += [{"kind": "supersedes", "notice": notice_id, "version": v,
               "replaces": v - 1} for v in versions if v > 1]
    groups = select(AlertSighting.alert_id).where(AlertSighting.notice_id == notice_id)
    others = work.session.execute(
        select(AlertSighting.notice_id, AlertSighting.origin).where(
            AlertSighting.alert_id.in_(groups), AlertSighting.notice_id != notice_id)
        .group_by(AlertSighting.notice_id, AlertSighting.origin)
        .order_by(AlertSighting.notice_id)).all()
    links += [{"kind": "same-subject", "notice": str(n), "origin": str(o)} for n, o in others]
    partners = work.session.execute(select(HitReport.direction, HitReport.partner).where(
        HitReport.notice_id == notice_id).group_by(HitReport.direction, HitReport.partner)
        .order_by(HitReport.partner)).all()
    links += [{"kind": "hit", "partner": str(p), "direction": str(d)} for d, p in partners
              if d in (SENT, RECEIVED)]
    return links
