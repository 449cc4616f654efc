"""Screening names and batches, and screening every received notice on arrival.

Hit / no-hit first: a partner node that screens here learns only whether and how
strongly someone matches, with the reference of the record, never its content (the
Prüm model). Every screening is logged with its purpose and legal basis.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from fts_share.audit.log import record
from fts_share.storage.audit_store import audit_store
from fts_share.errors import FtsError
from fts_share.services.receiving import NoticeHook
from fts_share.node import Node
from fts_share.notices.schemas import load_received
from fts_share.screening.index import WatchlistIndex
from fts_share.storage.models import Alert, Notice, WatchlistEntry
from fts_share.watchlist.un_xml import TRAVEL_BAN

BORDER_MOVEMENTS = ("departure", "transit", "arrival", "attempted_crossing", "return",
                    "relocation")
Progress = Callable[[int, int], None]


def watchlist_index(node: Node) -> WatchlistIndex:
    """The node's watchlist index (one per process)."""
    idx = node.caches.get("watchlist_index")
    if idx is None:
        idx = node.caches["watchlist_index"] = WatchlistIndex()
    return idx


def _explanation(hit: Any) -> dict[str, Any]:
    exp = hit.explanation
    for attr in ("to_dict", "as_dict"):
        if hasattr(exp, attr):
            return dict(getattr(exp, attr)())
    return {"text": str(exp)}


@dataclass(frozen=True)
class Query:
    """One name to screen, with optional evidence."""

    name: str
    dob: Any = None
    nationality: Any = None
    documents: Sequence[str] | None = None
    ref: str | None = None


def _search(index: WatchlistIndex, q: Query, *, limit: int, exclude: str | None = None
            ) -> list[Any]:
    hits = index.search(q.name, dob=q.dob, nationality=q.nationality,
                        documents=list(q.documents) if q.documents else None, limit=limit + 1)
    return [h for h in hits if h.record_id != exclude][:limit]


def _hit_doc(session: Session, hit: Any, *, disclose: bool) -> dict[str, Any]:
    entry = session.get(WatchlistEntry, hit.record_id)
    doc: dict[str, Any] = {"reference": hit.record_id, "score": round(float(hit.score), 4),
                           "source": entry.source if entry else None,
                           "measures": list(entry.measures) if entry else []}
    if disclose:
        doc["matched_name"] = hit.name
        doc["explanation"] = _explanation(hit)
        if entry is not None:
            doc["regime"] = entry.regime
    return doc


def screen(session: Session, node: Node, *, queries: Sequence[Query], purpose: str,
           legal_basis: Sequence[str], actor: str, now: datetime, partner: str | None = None,
           limit: int = 10, progress: Progress | None = None,
           batch: bool = False) -> list[dict[str, Any]]:
    """Screen one or many names; partners (``partner`` set) get hit/no-hit only.

    A bad single name raises its ``ValidationError``; in a ``batch`` a bad row gets an
    ``error`` (problem document) and the other rows are screened."""
    index = watchlist_index(node)
    index.refresh(session)
    results: list[dict[str, Any]] = []
    total_hits = 0
    for i, q in enumerate(queries):
        try:
            hits = _search(index, q, limit=limit)
            docs = [_hit_doc(session, h, disclose=partner is None) for h in hits]
            results.append({"ref": q.ref, "hit": bool(docs), "hits": docs})
            total_hits += bool(docs)
        except FtsError as exc:
            if not batch:
                raise
            results.append({"ref": q.ref, "hit": False, "hits": [],
                            "error": exc.to_problem()})
        if progress is not None:
            progress(i + 1, len(queries))
    record(audit_store(session), now=now, actor=actor, action="screen_batch" if batch else "screen",
           object_type="screening", partner=partner, purpose=purpose,
           legal_basis=list(legal_basis),
           detail={"queries": len(queries), "with_hits": total_hits})
    return results


def _alert_kind(entry: WatchlistEntry | None, movement: str | None) -> str:
    if entry is None or entry.source != "un":
        return "match"
    if TRAVEL_BAN in entry.measures and movement in BORDER_MOVEMENTS:
        return "travel_ban_hit"
    return "sanctions_hit"


def notice_record_id(origin: str, notice_id: str) -> str:
    """The watchlist id of a received notice's subject."""
    return f"notice:{origin}:{notice_id}"


def screen_notice(session: Session, node: Node, row: Notice, notice: Mapping[str, Any], *,
                  now: datetime) -> list[Alert]:
    """Screen a received notice's subject; raise alerts; index the subject. A subject
    or movement of the wrong shape raises ``ValidationError`` (the envelope is refused)."""
    subject, movement_doc = load_received(notice)
    names = [n["full"] for n in subject.get("names", []) if n.get("full")]
    dob = (subject.get("dob") or {}).get("value")
    nats = subject.get("nationalities") or None
    docs = [d["number"] for d in subject.get("documents", []) if d.get("number")] or None
    own_id = notice_record_id(row.origin, row.notice_id)
    index = watchlist_index(node)
    index.refresh(session)
    best: dict[str, Any] = {}
    for name in names:
        try:
            for h in _search(index, Query(name=name, dob=dob, nationality=nats, documents=docs),
                             limit=10, exclude=own_id):
                if h.record_id not in best or h.score > best[h.record_id].score:
                    best[h.record_id] = h
        except FtsError:
            continue
    alerts = []
    movement = movement_doc["kind"] if movement_doc else None
    for rid, hit in sorted(best.items(), key=lambda kv: -kv[1].score):
        entry = session.get(WatchlistEntry, rid)
        alert = Alert(created=now, notice_id=row.notice_id, notice_version=row.version,
                      record_id=rid, source=entry.source if entry else "unknown",
                      kind=_alert_kind(entry, movement), score=round(float(hit.score), 4),
                      explanation=_explanation(hit),
                      measures=list(entry.measures) if entry else [], status="new")
        session.add(alert)
        session.flush()
        alerts.append(alert)
        record(audit_store(session), now=now, actor="system", action="match_created", object_type="alert",
               object_id=str(alert.id), object_version=None, partner=row.origin,
               legal_basis=row.legal_basis,
               detail={"notice": row.notice_id, "notice_version": row.version,
                       "record": rid, "score": alert.score, "kind": alert.kind})
    _index_subject(session, row, subject, own_id, now=now)
    return alerts


def _index_subject(session: Session, row: Notice, subject: Mapping[str, Any], rid: str, *,
                   now: datetime) -> None:
    entry = session.get(WatchlistEntry, rid) or WatchlistEntry(id=rid, source="notice")
    entry.kind = "individual"
    entry.names = [n["full"] for n in subject.get("names", []) if n.get("full")]
    entry.dobs = [subject["dob"]["value"]] if subject.get("dob") else []
    entry.nationalities = list(subject.get("nationalities") or [])
    entry.documents = [d["number"] for d in subject.get("documents", []) if d.get("number")]
    entry.measures, entry.active, entry.updated = [], True, now
    entry.data = {"notice": row.notice_id, "version": row.version, "origin": row.origin}
    session.add(entry)


def screening_hook(node: Node) -> NoticeHook:
    """The ``on_notice`` hook the poller calls for every received notice version."""

    def hook(session: Session, row: Notice, notice: dict[str, Any], now: datetime) -> None:
        screen_notice(session, node, row, notice, now=now)

    return hook


def decide(session: Session, *, alert_id: int, decision: str, actor: str, note: str | None,
           now: datetime) -> Alert:
    """Confirm or dismiss an alert (logged)."""
    from fts_share.errors import Conflict, NotFound

    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    if alert.status != "new":
        raise Conflict(f"alert {alert_id} was already {alert.status}")
    alert.status, alert.decided_by, alert.decided_at = decision, actor, now
    record(audit_store(session), now=now, actor=actor, action="match_decided", object_type="alert",
           object_id=str(alert_id), partner=None,
           detail={"decision": decision, "notice": alert.notice_id,
                   "note_given": bool(note)})
    return alert


def list_alerts(session: Session, *, status: str | None = None, after_id: int = 0,
                limit: int = 50) -> list[Alert]:
    """Alerts, oldest first after ``after_id``."""
    q = select(Alert).where(Alert.id > after_id)
    if status:
        q = q.where(Alert.status == status)
    return list(session.scalars(q.order_by(Alert.id).limit(limit)))


def iter_queries(rows: Iterable[Mapping[str, Any]]) -> list[Query]:
    """Queries from validated request rows."""
    return [Query(name=r["name"], dob=r.get("dob"), nationality=r.get("nationality"),
                  documents=r.get("documents"), ref=r.get("ref")) for r in rows]
