"""Receiving: what a node does with each envelope of a verified feed page, and with a
roster a partner or the secretariat hands it.

All of a page is processed in the unit of work's transaction, together with the peer's
new cursor, so a crash between fetching and committing loses and duplicates nothing.

Per envelope, in order: the checks of :mod:`fts_share.federation.envelopes` (signature
first, before anything is decrypted or parsed; the chain; the addressee), then its
contents against their schema in ``schemas/`` (:mod:`fts_share.federation.wire`), and
only then is it stored. A redelivered envelope changes nothing. Refusals are logged
and recorded as federation events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from fts_share.audit.log import record
from fts_share.crypto.canonical import b64u
from fts_share.crypto.envelope import EnvelopeHeader
from fts_share.errors import FtsError
from fts_share.federation.envelopes import (
    Receiver,
    Rejected,
    check_chain,
    check_forwarded,
    notice_id_of,
)
from fts_share.federation.feed import PageItem, VerifiedPage
from fts_share.federation.ingest import IngestResult, PageContext
from fts_share.federation.opening import Opened, open_items
from fts_share.notices.received import load_received
from fts_share.services import purgelog
from fts_share.services.dissemination import recall_shares
from fts_share.services.hit_reports import apply_hit
from fts_share.services.unit import Work
from fts_share.storage import notices as notice_store
from fts_share.storage.inbox import PageRows, SqlInbox
from fts_share.storage.models import Notice
from fts_share.storage.notices import SealedVersion

NoticeHook = Callable[[Session, Notice, dict[str, Any], datetime], None]
"""Called with every received notice version as stored, and the time of ingestion."""


@dataclass(frozen=True)
class Arrival:
    """A received notice version, stored, waiting to be screened with its page."""

    notice_id: str
    version: int
    origin: str
    legal_basis: list[str]
    notice: dict[str, Any]
    subject: dict[str, Any]
    """the notice's subject as :func:`~fts_share.notices.received.load_received` read it"""
    movement: dict[str, Any] | None


PageHook = Callable[[Work, list[Arrival]], object]
"""Called with a page's received notice versions, in page order, once they are stored
and before anything later in the page reads or changes what is held (so a batch gives
what one call per version would)."""


@dataclass(frozen=True)
class Receipt:
    """A received notice version, checked and sealed for storage (nothing written)."""

    version: SealedVersion | None  # None: a re-shared copy of a version already held
    notice: dict[str, Any]
    origin: str  # the notice's author
    via: str | None  # the partner that re-shared it, if it was re-shared
    read: tuple[dict[str, Any], dict[str, Any] | None]  # subject and movement, loaded


Opener = Callable[..., Iterable[Sequence[Opened]]]
"""How a page's items are opened, a chunk at a time in page order: :func:`in_process`
(the default) or :meth:`ReceivePool.open_chunks
<fts_share.services.receive_pool.ReceivePool.open_chunks>`; keyword arguments as
:func:`~fts_share.federation.opening.open_items` takes them."""


def in_process(items: Sequence[PageItem], **kwargs: Any) -> Iterator[list[Opened]]:
    """Open every item of a page in this process (one chunk)."""
    yield open_items(items, **kwargs)


@dataclass
class PageState:
    """What processing one page works with."""

    work: Work
    inbox: SqlInbox
    origin: str
    context: PageContext
    held: dict[int, str]
    on_notice: NoticeHook | None
    rows: PageRows
    result: IngestResult
    on_page: PageHook | None = None
    arrivals: list[Arrival] = field(default_factory=list)
    #: the origin's chain as accepted so far (written to its ``Peer`` row at the end)
    last_seq: int = 0
    last_digest: str | None = None

    def flush(self) -> None:
        """Write the staged rows, then hand the stored arrivals to the page hook."""
        self.rows.write(self.inbox)
        if self.on_page is not None and self.arrivals:
            arrivals, self.arrivals = self.arrivals, []
            self.on_page(self.work, arrivals)


def ingest_page(work: Work, *, page: VerifiedPage, on_notice: NoticeHook | None = None,
                on_page: PageHook | None = None, opener: Opener = in_process) -> IngestResult:
    """Process every item of ``page`` and move the peer's cursor past it.

    1. Cryptography first, without the database: each envelope's signatures are checked
       and it is decrypted (signatures before anything else, as always), its statement
       checked against its schema and a notice's subject read; by ``opener``, in this
       process or in worker processes (:mod:`fts_share.services.receive_pool`).
    2. One statement finds which of the page's sequence numbers this node already
       holds and which versions of the page's notices, and on PostgreSQL draws the
       row ids of its new versions (per chunk, when worker processes open the page: a
       chunk is stored while the next one is opened).
    3. In link order: redeliveries are skipped, forks and breaks in the chain refused,
       and each accepted envelope is checked whole before anything of it is written
       (nothing half-stored); every refusal is recorded. A new notice version that
       changes nothing held is staged, and the page's staged rows are inserted with one
       statement per table. An envelope that reads or changes what is held (a newer
       version, a notice this node re-shared, a tombstone, a recall, screening on
       arrival one by one with ``on_notice``) is stored after the staged rows, in a
       savepoint of its own.
    4. With ``on_page`` (screening a page as a batch), the stored versions are handed
       to it together: before an envelope that reads or changes what is held, and at
       the end of the page. All of it is in the page's transaction: a crash mid-page
       leaves nothing of the page stored.
    """
    node, roster = work.node, work.node.roster
    me = Receiver(code=node.code, keys=node.encryption)
    inbox = SqlInbox(work.session)
    peer = inbox.peer(page.origin)
    state = PageState(
        work=work, inbox=inbox, origin=page.origin, context=PageContext(),
        held={}, on_notice=on_notice, rows=PageRows(), result=IngestResult(),
        on_page=on_page, last_seq=peer.last_seq, last_digest=peer.last_digest)
    items = iter(page.items)
    for chunk in opener(page.items, roster=roster, origin=page.origin, me=me, now=work.now):
        _learn(state, chunk)
        for o, item in zip(chunk, items):  # (chunk first: no item is drawn past its end)
            try:
                _accept(state, item, o)
            except (Rejected, FtsError, KeyError, TypeError, ValueError) as exc:
                _refuse(state, item, exc)
    if next(items, None) is not None:
        raise RuntimeError("the page was not opened whole")
    state.flush()
    peer.last_seq, peer.last_digest = state.last_seq, state.last_digest
    peer.cursor = max(peer.cursor, page.next)
    work.session.flush()
    return state.result


def _learn(state: PageState, chunk: Sequence[Opened]) -> None:
    """Load what this node holds of a chunk's notices and sequence numbers (what the
    page stored before it is known already), in one statement."""
    ids = state.context.unknown({i for o in chunk if o.opened
                                 if (i := notice_id_of(o.opened.payload))})
    held = state.inbox.held_of_page(
        ids, state.origin, [o.header.seq for o in chunk if o.header],
        reserve=sum(1 for o in chunk if o.opened and o.header and o.header.kind == "notice"))
    state.rows.row_ids += held.row_ids  # (PostgreSQL: the row ids of its new versions)
    if ids:
        state.context.learned(ids, versions=held.versions, shared=held.shared)
    for seq, digest in held.digests.items():
        state.held.setdefault(seq, digest)


def _refuse(state: PageState, item: PageItem, exc: Exception) -> None:
    reason = exc.reason if isinstance(exc, Rejected) else f"bad content: {exc}"
    kind = exc.kind if isinstance(exc, Rejected) else "rejected"
    state.result.rejected += 1
    now, origin = state.work.now, state.origin
    state.inbox.event(peer=origin, kind=kind, seq=item.seq, detail=reason, now=now)
    record(state.work.audit, now=now, actor=f"node:{origin}", action="reject",
           object_type="envelope", object_id=item.digest, partner=origin,
           outcome="refused", detail={"reason": reason, "seq": item.seq, "n": item.n})


def _accept(state: PageState, item: PageItem, o: Opened) -> None:
    """Store one checked envelope, ``item`` after the cryptography (``o``: its header and
    contents, or the refusal), or skip a redelivery; or raise why not."""
    if o.error is not None:
        raise o.error
    header, opened = o.header, o.opened
    assert header is not None and opened is not None
    if not check_chain(header, held=state.held.get(header.seq), last_seq=state.last_seq,
                       last_digest=state.last_digest):
        state.result.duplicates += 1
        return
    if o.invalid is not None:  # checked against its schema before anything is stored
        raise o.invalid
    work = state.work
    received = {"origin": state.origin, "seq": header.seq, "link_n": item.n,
                "digest": header.digest, "prev": header.prev, "kind": header.kind,
                "label": header.label, "created": header.created, "received_at": work.now,
                "decrypted": True, "envelope": None}
    content = {"signed": b64u(opened.signed), "signature": b64u(opened.signature),
               "signer": opened.signer_kid}
    receipt = (_receipt(state, header=header, opened=o, content=content)
               if header.kind == "notice" else None)
    if receipt is not None and _only_inserts(receipt, state.context, state.on_notice):
        _stage(state, header=header, receipt=receipt)
        state.rows.received.append(received)
    else:
        state.flush()  # what this envelope reads or changes comes first
        with work.session.begin_nested():  # nothing half-stored
            state.inbox.insert_received([received])
            _apply(state, header=header, payload=opened.payload, receipt=receipt)
    state.held[header.seq] = header.digest
    state.last_seq, state.last_digest = header.seq, header.digest
    state.result.received += 1
    state.result.decrypted += 1


def _receipt(state: PageState, *, header: EnvelopeHeader, opened: Opened,
             content: dict[str, Any]) -> Receipt:
    """Check a received notice (a re-shared one: its origin's signature and
    restrictions) and seal it for storage; nothing is written."""
    assert opened.opened is not None
    payload = opened.opened.payload
    origin, via = header.origin, None
    forwarded = payload.get("forwarded")
    if isinstance(forwarded, dict):
        notice, content, origin = check_forwarded(state.work.node.roster, header, forwarded)
        via = header.origin
    else:
        notice = payload["notice"]
    if opened.unread is not None:
        raise opened.unread
    # what this node will read of it has the notice's shapes (read when it was opened)
    read = opened.read if opened.read is not None else load_received(notice)
    prov = notice["provenance"]
    if prov["origin"] != origin:
        raise Rejected("notice provenance names another origin")
    key = (str(prov["id"]), int(prov["version"]))
    state.context.learn(state.inbox, {key[0]})  # a re-shared notice: not known from its payload
    if state.context.holds(key):
        if via is not None:  # a re-shared copy of a version already held
            return Receipt(version=None, notice=notice, origin=origin, via=via, read=read)
        raise Rejected(f"notice {prov['id']} v{prov['version']} already received", "fork")
    version = notice_store.seal_version(state.work.node.storage_key, notice=notice,
                                        origin=origin, authored=False, content=content,
                                        envelope_digest=header.digest, now=state.work.now)
    return Receipt(version=version, notice=notice, origin=origin, via=via, read=read)


def _only_inserts(receipt: Receipt, context: PageContext, on_notice: NoticeHook | None) -> bool:
    """True if storing a received notice only inserts rows: a re-shared copy of a
    version already held, or a new version of which nothing older is held, with no
    re-shared copies to recall and no hook to call."""
    if receipt.version is None:
        return True
    return on_notice is None and not context.changes_held(receipt.version.key)


def _record_receipt(work: Work, *, header: EnvelopeHeader, receipt: Receipt) -> None:
    assert receipt.version is not None
    values = receipt.version.values
    detail: dict[str, Any] = {"seq": header.seq, "label": header.label}
    if receipt.via is not None:
        detail["shared_by"] = receipt.via
    record(work.audit, now=work.now, actor=f"node:{header.origin}", action="receive",
           object_type="notice", object_id=values["notice_id"],
           object_version=values["version"], partner=receipt.origin,
           legal_basis=values["legal_basis"], detail=detail)


def _stage(state: PageState, *, header: EnvelopeHeader, receipt: Receipt) -> None:
    """Stage a notice version that changes nothing held, for the page's bulk insert
    (its audit entry is appended now; it is written with the rows)."""
    if receipt.version is None:
        state.result.duplicates += 1
        return
    _record_receipt(state.work, header=header, receipt=receipt)
    state.rows.versions.append(receipt.version)
    state.result.notices.append(receipt.version.key)
    state.context.hold(receipt.version.key)
    _arrived(state, receipt)


def _arrived(state: PageState, receipt: Receipt) -> None:
    """Queue a stored version for the page hook (if there is one)."""
    if state.on_page is None or receipt.version is None:
        return
    values = receipt.version.values
    state.arrivals.append(Arrival(
        notice_id=str(values["notice_id"]), version=int(values["version"]),
        origin=str(values["origin"]), legal_basis=list(values["legal_basis"]),
        notice=receipt.notice, subject=receipt.read[0], movement=receipt.read[1]))


def _apply(state: PageState, *, header: EnvelopeHeader, payload: dict[str, Any],
           receipt: Receipt | None) -> None:
    """Store a received notice version (``receipt``) with what follows from it, or
    carry out a tombstone, or store a partner's hit feedback."""
    if receipt is not None:
        _store_version(state, header=header, receipt=receipt)
    elif header.kind == "tombstone" and isinstance(payload.get("recall"), dict):
        _apply_recall(state.work, state.inbox, header=header, recall=payload["recall"])
    elif header.kind == "tombstone":
        _apply_tombstone(state, header=header, tomb=payload["tombstone"])
    elif header.kind == "hit":
        apply_hit(state.work, header=header, hit=payload["hit"])
    else:
        raise Rejected(f"unknown envelope kind {header.kind!r}")


def _store_version(state: PageState, *, header: EnvelopeHeader, receipt: Receipt) -> None:
    if receipt.version is None:
        state.result.duplicates += 1
        return
    work = state.work
    row, older = notice_store.add_version(work.session, receipt.version)
    for old in older:  # a received version replaces the older ones: their content goes
        purge_version(work, old, reason="superseded", actor="system")
    _record_receipt(work, header=header, receipt=receipt)
    state.result.notices.append(receipt.version.key)
    state.context.hold(receipt.version.key)
    if row.notice_id in state.context.shared:
        recall_shares(work, notice_id=row.notice_id, origin=receipt.origin,
                      reason="superseded by the source")
    if state.on_notice is not None:
        state.on_notice(work.session, row, receipt.notice, work.now)
    _arrived(state, receipt)


def _apply_tombstone(state: PageState, *, header: EnvelopeHeader,
                     tomb: Mapping[str, Any]) -> None:
    """Purge every version of a notice its source withdrew (recalling re-shared copies)."""
    work = state.work
    if str(tomb["id"]) in state.context.shared:
        recall_shares(work, notice_id=str(tomb["id"]), origin=header.origin,
                      reason="withdrawn by the source")
    for row in state.inbox.versions_from(tomb["id"], header.origin):
        purge_version(work, row, reason="withdrawn by the source",
                      actor=f"node:{header.origin}")
        row.status = "withdrawn"
    record(work.audit, now=work.now, actor=f"node:{header.origin}", action="withdraw",
           object_type="notice", object_id=str(tomb["id"]),
           object_version=tomb.get("version"), partner=header.origin,
           detail={"seq": header.seq, "reason": str(tomb.get("reason", ""))[:500]})


def _apply_recall(work: Work, inbox: SqlInbox, *, header: EnvelopeHeader,
                  recall: Mapping[str, Any]) -> None:
    """Purge the copy of a notice that ``header.origin`` re-shared with this node."""
    rows = inbox.copies_via(str(recall["id"]), header.origin)
    for row in rows:
        purge_version(work, row, reason=f"recalled by {header.origin}",
                      actor=f"node:{header.origin}")
        row.status = "withdrawn"
    record(work.audit, now=work.now, actor=f"node:{header.origin}", action="withdraw",
           object_type="shared_copy", object_id=str(recall["id"]), partner=header.origin,
           detail={"seq": header.seq, "reason": str(recall.get("reason", ""))[:500],
                   "purged_versions": len(rows)})


def purge_version(work: Work, row: Notice, *, reason: str, actor: str) -> None:
    """Destroy a version's content (its data key and ciphertext, and what screening
    derived from it) and log the purge; a version purged before is left as it is."""
    if notice_store.destroy_content(work.session, row, now=work.now):
        purgelog.note(work.session, row, reason=reason)
        record(work.audit, now=work.now, actor=actor, action="purge", object_type="notice",
               object_id=row.notice_id, object_version=row.version, partner=row.origin,
               detail={"reason": reason})
