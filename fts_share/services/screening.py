"""Screening names and batches, here or at a partner, and screening every received
notice on arrival.

Hit / no-hit first: a partner node that screens here learns only whether and how
strongly someone matches, with the reference of the record, never its content (the
Prüm model). Every screening is logged with its purpose and legal basis.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from fts_share.audit.log import record
from fts_share.errors import FtsError, ProtocolError
from fts_share.federation.http import PartnerClient
from fts_share.matching import Hit, NameAnalysis, analyze_name
from fts_share.matching.query import search_typed
from fts_share.notices.received import load_received
from fts_share.screening.index import IndexedEntry, WatchlistIndex
from fts_share.screening.snapshots import SnapshotDir
from fts_share.services import metrics
from fts_share.services.alert_groups import Sighting, explanation_of, raise_alerts
from fts_share.services.node import WATCHLIST_INDEX, Node
from fts_share.services.receiving import NoticeHook
from fts_share.services.unit import Work, unit_of_work
from fts_share.storage.models import Notice, WatchlistEntry
from fts_share.storage.watchlist import SqlWatchlist, on_rollback

Progress = Callable[[int, int], None]
#: the folder of the home that holds the index snapshots
SNAPSHOT_FOLDER = "index"


def watchlist_index(node: Node) -> WatchlistIndex:
    """The node's watchlist index (one per process), started from the newest snapshot
    in the home's ``index/`` folder when there is a valid one, under the node's match
    configuration (``Node.match_config``: its default threshold is the alerts' and
    screenings')."""
    idx = node.caches.get(WATCHLIST_INDEX)
    if idx is None:
        idx = node.caches[WATCHLIST_INDEX] = WatchlistIndex(
            snapshots=SnapshotDir(node.config.home / SNAPSHOT_FOLDER),
            config=node.match_config)
        on_rollback(node.store.engine, idx.read_again)  # what it saw was not committed
    return idx


#: the attributes of an entry the index reads (``screening.index.IndexedEntry``)
_INDEXED = frozenset({"id", "names", "dobs", "nationalities", "documents", "active",
                      "updated"})


@dataclass(frozen=True)
class NewEntry:
    """A watchlist entry inserted in this transaction by a statement, as the index
    reads it (:class:`~fts_share.screening.index.IndexedEntry`)."""

    id: str
    names: Sequence[str]
    dobs: Sequence[str]
    nationalities: Sequence[str]
    documents: Sequence[str]
    active: bool
    updated: datetime


class _SessionWatchlist(SqlWatchlist):
    """The watchlist as the unit's session sees it, with entries the caller holds
    taken as they are instead of selected again: a received page's subjects, inserted
    in this transaction (:class:`NewEntry`) or just added to the session and flushed
    by the catch-up's first query (the query would return those very objects)."""

    def __init__(self, session: Session, held: Sequence[IndexedEntry]) -> None:
        super().__init__(session)
        self.held = {e.id: e for e in held}

    def entries(self, ids: Sequence[str]) -> list[IndexedEntry]:  # type: ignore[override]
        """The entries of ``ids`` that exist (see the class docstring)."""
        session = self.session
        found: list[IndexedEntry] = []
        rest: list[str] = []
        for rid in ids:
            entry = self.held.get(rid)
            if isinstance(entry, NewEntry) or (
                    isinstance(entry, WatchlistEntry) and entry in session
                    and entry not in session.deleted
                    and not inspect(entry).expired_attributes & _INDEXED):
                found.append(entry)
            else:
                rest.append(rid)
        return found + (super().entries(rest) if rest else [])


def current_index(work: Work, *, held: Sequence[IndexedEntry] = ()) -> WatchlistIndex:
    """The node's watchlist index, caught up with the store's change sequence
    (``held``: entries the caller just inserted or added to the session, read as they
    are).

    The unit's transaction begins before the index is locked: on SQLite a writing
    transaction takes the store's one write lock when it begins, and a poll committing
    a page holds that lock while it screens on arrival, so the write lock always comes
    first (else each waits for the other until the busy timeout)."""
    work.session.connection()
    index = watchlist_index(work.node)
    index.refresh(_SessionWatchlist(work.session, held), now=work.now)
    return index


@dataclass(frozen=True)
class Query:
    """One name to screen, with optional evidence."""

    name: str
    dob: Any = None
    nationality: Any = None
    documents: Sequence[str] | None = None
    ref: str | None = None


def iter_queries(rows: Iterable[Mapping[str, Any]]) -> list[Query]:
    """Queries from validated request rows."""
    return [Query(name=r["name"], dob=r.get("dob"), nationality=r.get("nationality"),
                  documents=r.get("documents"), ref=r.get("ref")) for r in rows]


def _search(index: WatchlistIndex, q: Query, *, limit: int, exclude: str | None = None
            ) -> list[Hit]:
    """The query's hits; its name is read as people type it (aliases, epithets, ...:
    ``matching.query.read_query``), each record's best hit kept."""
    docs = list(q.documents) if q.documents else None

    def one(name: str) -> list[Hit]:
        return index.search(name, dob=q.dob, nationality=q.nationality, documents=docs,
                            limit=limit + 1)

    hits = search_typed(one, q.name, limit=limit + 1)
    return [h for h in hits if h.record_id != exclude][:limit]


def _hit_doc(session: Session, hit: Hit, *, disclose: bool) -> dict[str, Any]:
    entry = session.get(WatchlistEntry, hit.record_id)
    doc: dict[str, Any] = {"reference": hit.record_id, "score": round(float(hit.score), 4),
                           "source": entry.source if entry else None,
                           "measures": list(entry.measures) if entry else []}
    if disclose:
        doc["matched_name"] = hit.name
        doc["explanation"] = explanation_of(hit)
        doc["expected_precision"] = doc["explanation"].get("expected_precision")
        if entry is not None:
            doc["regime"] = entry.regime
    return doc


def _screen_one(work: Work, index: WatchlistIndex, q: Query, *, limit: int, disclose: bool,
                batch: bool) -> dict[str, Any]:
    try:
        docs = [_hit_doc(work.session, h, disclose=disclose)
                for h in _search(index, q, limit=limit)]
    except FtsError as exc:
        if not batch:
            raise
        return {"ref": q.ref, "hit": False, "hits": [], "error": exc.to_problem()}
    return {"ref": q.ref, "hit": bool(docs), "hits": docs}


def screen(work: Work, *, queries: Sequence[Query], purpose: str, legal_basis: Sequence[str],
           actor: str, partner: str | None = None, limit: int = 10,
           progress: Progress | None = None, batch: bool = False) -> list[dict[str, Any]]:
    """Screen one or many names; partners (``partner`` set) get hit/no-hit only.

    A bad single name raises its ``ValidationError``; in a ``batch`` a bad row gets an
    ``error`` (problem document) and the other rows are screened."""
    started = time.perf_counter()
    index = current_index(work)
    results: list[dict[str, Any]] = []
    for i, q in enumerate(queries):
        results.append(_screen_one(work, index, q, limit=limit, disclose=partner is None,
                                   batch=batch))
        if progress is not None:
            progress(i + 1, len(queries))
    metrics.observe_screening(work.code, "batch" if batch else "query",
                              time.perf_counter() - started)
    record(work.audit, now=work.now, actor=actor,
           action="screen_batch" if batch else "screen", object_type="screening",
           partner=partner, purpose=purpose, legal_basis=list(legal_basis),
           detail={"queries": len(queries), "with_hits": sum(1 for r in results if r["hit"])})
    return results


def _answer_detail(answer: Mapping[str, Any]) -> dict[str, Any]:
    """The log detail of a partner's answer: how many queries, how many with hits."""
    results: Sequence[Any] = answer.get("results", [answer])
    return {"queries": len(results),
            "with_hits": sum(1 for r in results if isinstance(r, dict) and r.get("hit"))}


def screen_at(node: Node, partner: str, *, body: dict[str, Any], actor: str,
              now: datetime) -> dict[str, Any]:
    """Send a screening (``body`` as for ``POST /api/v1/screen``) to ``partner``,
    signed as this node; log it here with its purpose and legal basis.

    The request is made outside any transaction and logged in one of its own, whatever
    the answer (so it takes the node and the time, not a unit of work)."""
    member = node.roster.member(partner, now=now)
    client = PartnerClient(key=node.signing, timeout=node.config.federation.request_timeout,
                           ttl=node.config.federation.signature_ttl)
    outcome: str = "ok"
    detail: dict[str, Any] = {}
    try:
        resp = client.request("POST", f"{member.url}/api/v1/screen", now=now, body=body)
        answer = resp.json()
        if resp.status != 200 or not isinstance(answer, dict):
            outcome = "refused" if 400 <= resp.status < 500 else "error"
            raise ProtocolError(f"{partner} answered HTTP {resp.status}: "
                                f"{answer.get('detail') if isinstance(answer, dict) else ''}")
        detail = _answer_detail(answer)
        return answer
    except FtsError as exc:
        outcome = outcome if outcome != "ok" else "error"
        detail = {"error": str(exc)[:300]}
        raise
    finally:
        with unit_of_work(node, now) as work:
            record(work.audit, now=now, actor=actor, action="screen",
                   object_type="remote_screening", object_id=partner, partner=partner,
                   purpose=str(body.get("purpose", ""))[:64],
                   legal_basis=list(body.get("legal_basis", [])), outcome=outcome,
                   detail=detail)


def notice_record_id(origin: str, notice_id: str) -> str:
    """The watchlist id of a received notice's subject."""
    return f"notice:{origin}:{notice_id}"


def subject_names(subject: Mapping[str, Any]) -> list[str]:
    return [n["full"] for n in subject.get("names", []) if n.get("full")]


def subject_documents(subject: Mapping[str, Any]) -> list[str]:
    return [d["number"] for d in subject.get("documents", []) if d.get("number")]


def _best_hits(index: WatchlistIndex, subject: Mapping[str, Any], own_id: str) -> dict[str, Hit]:
    """The best hit per record over every name of the subject (unreadable names skipped)."""
    dob = (subject.get("dob") or {}).get("value")
    nats = subject.get("nationalities") or None
    docs = subject_documents(subject) or None
    best: dict[str, Hit] = {}
    for name in subject_names(subject):
        query = Query(name=name, dob=dob, nationality=nats, documents=docs)
        try:
            hits = _search(index, query, limit=10, exclude=own_id)
        except FtsError:
            continue
        for h in hits:
            if h.record_id not in best or h.score > best[h.record_id].score:
                best[h.record_id] = h
    return best


def screen_notice(work: Work, row: Notice, notice: Mapping[str, Any]) -> list[int]:
    """Screen a received notice's subject; raise (or add to) alerts; index the subject.
    The ids of the alerts raised or added to. A subject or movement of the wrong shape
    raises ``ValidationError`` (the envelope is refused)."""
    subject, movement_doc = load_received(notice)
    own_id = notice_record_id(row.origin, row.notice_id)
    best = _best_hits(current_index(work), subject, own_id)
    sighting = Sighting(notice_id=row.notice_id, version=row.version, origin=row.origin,
                        legal_basis=list(row.legal_basis),
                        movement=movement_doc["kind"] if movement_doc else None,
                        documents=subject_documents(subject), own_id=own_id, hits=best)
    ids = raise_alerts(work, [sighting])
    _index_subject(work, row, subject, own_id)
    return ids


def _index_subject(work: Work, row: Notice, subject: Mapping[str, Any], rid: str) -> None:
    entry = work.session.get(WatchlistEntry, rid)
    work.session.add(subject_entry(entry, rid=rid, notice_id=row.notice_id,
                                   version=row.version, origin=row.origin,
                                   subject=subject, now=work.now))


def subject_fields(*, rid: str, notice_id: str, version: int, origin: str,
                   subject: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """The columns of the watchlist entry ``rid`` that holds a received notice's
    subject, so that later notices are screened against it."""
    return {"id": rid, "source": "notice", "kind": "individual",
            "names": subject_names(subject),
            "dobs": [subject["dob"]["value"]] if subject.get("dob") else [],
            "nationalities": list(subject.get("nationalities") or []),
            "documents": subject_documents(subject), "measures": [], "active": True,
            "updated": now, "data": {"notice": notice_id, "version": version,
                                     "origin": origin}}


def new_entry(fields: Mapping[str, Any]) -> NewEntry:
    """An entry inserted with ``fields`` (:func:`subject_fields`), as the index reads it."""
    return NewEntry(id=fields["id"], names=fields["names"], dobs=fields["dobs"],
                    nationalities=fields["nationalities"], documents=fields["documents"],
                    active=fields["active"], updated=fields["updated"])


def subject_entry(entry: WatchlistEntry | None, *, rid: str, notice_id: str, version: int,
                  origin: str, subject: Mapping[str, Any], now: datetime) -> WatchlistEntry:
    """The watchlist entry ``rid`` (``entry``, or a new one) holding a received notice's
    subject (:func:`subject_fields`)."""
    entry = entry or WatchlistEntry(id=rid, source="notice")
    for key, value in subject_fields(rid=rid, notice_id=notice_id, version=version,
                                     origin=origin, subject=subject, now=now).items():
        if key != "id":
            setattr(entry, key, value)
    return entry


def screening_hook(node: Node) -> NoticeHook:
    """The ``on_notice`` hook the poller calls for every received notice version."""

    def hook(session: Session, row: Notice, notice: dict[str, Any], now: datetime) -> None:
        screen_notice(Work(session=session, now=now, node=node), row, notice)

    return hook


def analyze(name: str) -> NameAnalysis:
    """How the engine reads a name (parts, roles, romanisations); ValidationError for a
    name it cannot read."""
    return analyze_name(name)


def read_name(text: str) -> dict[str, Any]:
    """How the matching engine reads a name: its parts with their roles, scripts and
    first romanisations (:class:`~fts_share.errors.ValidationError` if unreadable)."""
    analysis = analyze_name(text)
    return {"text": analysis.text, "particles": list(analysis.particles),
            "parts": [{"text": p.text, "role": p.role, "script": p.script,
                       "romanisations": list(p.romanisations)[:6]} for p in analysis.parts]}
