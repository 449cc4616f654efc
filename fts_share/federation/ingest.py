"""Ingestion: what a node does with each envelope of a verified feed page.

All of a page is processed in the caller's transaction, together with the peer's new
cursor, so a crash between fetching and committing loses and duplicates nothing.

Per envelope, in order: the outer signature is checked with the origin's roster key
(before anything is decrypted or parsed), the key must be valid and unrevoked at the
envelope's creation time, the envelope must be addressed to this node, its sequence
must continue the origin's chain (a second envelope with a known sequence number and
another digest is a *fork*), and only then is it decrypted and stored. A redelivered
envelope changes nothing. Refusals are logged and recorded as federation events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from fts_share.audit.log import record
from fts_share.storage.audit_store import audit_store
from fts_share.clock import parse_rfc3339
from fts_share.crypto.canonical import b64u, unb64u
from fts_share.crypto.envelope import (EnvelopeHeader, OpenedNotice, open_envelope,
                                       verify_authorship, verify_envelope)
from fts_share.errors import CryptoError, FtsError, RosterError
from fts_share.federation.feed import PageItem, VerifiedPage
from fts_share.federation.roster import Roster
from fts_share.node import Node
from fts_share.notices import store as notice_store
from fts_share.notices.schemas import load_received
from fts_share.notices.store import SealedVersion
from fts_share.storage.models import (FederationEvent, Notice, OutboxEnvelope, Peer,
                                      ReceivedEnvelope)

MAX_FUTURE_SKEW = timedelta(minutes=5)
_INSERT_RECEIVED = insert(cast(Table, ReceivedEnvelope.__table__))

NoticeHook = Callable[[Session, Notice, dict[str, Any], datetime], None]
"""Called with every received notice version as stored, and the time of ingestion."""


@dataclass
class IngestResult:
    """What one page brought."""

    received: int = 0
    decrypted: int = 0
    duplicates: int = 0
    rejected: int = 0
    notices: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class PageContext:
    """What a few queries per page found out, so envelopes need no lookups of their
    own: the versions held of the page's notices (kept up to date as the page is
    stored), and which of them this node has re-shared."""

    held: dict[str, set[int]] = field(default_factory=dict)
    shared: set[str] = field(default_factory=set)
    known: set[str] = field(default_factory=set)  # the notices loaded

    @classmethod
    def load(cls, session: Session, opened: list[OpenedNotice]) -> "PageContext":
        """The context of the notices that ``opened`` (a page's contents) are about."""
        context = cls()
        context.learn(session, {i for o in opened if (i := _notice_id(o.payload))})
        return context

    def learn(self, session: Session, ids: set[str]) -> None:
        """Load what this node holds of notices ``ids`` (those not loaded yet)."""
        ids = ids - self.known
        if not ids:
            return
        self.known |= ids
        for notice_id, version in session.execute(select(Notice.notice_id, Notice.version)
                                                  .where(Notice.notice_id.in_(ids))):
            self.hold((str(notice_id), int(version)))
        self.shared |= set(session.scalars(select(OutboxEnvelope.notice_id).distinct()
                                           .where(OutboxEnvelope.notice_id.in_(ids))))

    def holds(self, key: tuple[str, int]) -> bool:
        """True if version ``key`` = ``(notice_id, version)`` is held."""
        return key[1] in self.held.get(key[0], ())

    def hold(self, key: tuple[str, int]) -> None:
        """Note that version ``key`` is now held."""
        self.held.setdefault(key[0], set()).add(key[1])

    def changes_held(self, key: tuple[str, int]) -> bool:
        """True if storing version ``key`` changes what is held besides adding it: an
        older version to supersede, or copies this node re-shared to recall."""
        return key[0] in self.shared or any(v < key[1] for v in self.held.get(key[0], ()))


@dataclass
class PageRows:
    """Rows of a page staged for one bulk insert per table."""

    received: list[dict[str, Any]] = field(default_factory=list)
    versions: list[SealedVersion] = field(default_factory=list)

    def write(self, session: Session) -> None:
        """Insert what is staged: notice versions with their data keys, then the
        received envelopes."""
        notice_store.insert_versions(session, self.versions)
        if self.received:
            session.execute(_INSERT_RECEIVED, self.received)
        self.versions, self.received = [], []


@dataclass(frozen=True)
class Receipt:
    """A received notice version, checked and sealed for storage (nothing written)."""

    version: SealedVersion | None  # None: a re-shared copy of a version already held
    notice: dict[str, Any]
    origin: str  # the notice's author
    via: str | None  # the partner that re-shared it, if it was re-shared


def _notice_id(payload: Any) -> str | None:
    """The notice a payload is about (None when it cannot be told cheaply)."""
    try:
        if "notice" in payload:
            return str(payload["notice"]["provenance"]["id"])
        if "tombstone" in payload:
            return str(payload["tombstone"]["id"])
    except (KeyError, TypeError):
        return None
    return None


class Rejected(Exception):
    """An envelope refused for ``reason`` (kind: rejected, fork)."""

    def __init__(self, reason: str, kind: str = "rejected") -> None:
        super().__init__(reason)
        self.reason, self.kind = reason, kind


def _event(session: Session, *, peer: str, kind: str, seq: int | None, detail: str,
           now: datetime) -> None:
    session.add(FederationEvent(at=now, peer=peer, kind=kind, seq=seq, detail=detail[:2000]))


def _verify(item: PageItem, *, roster: Roster, origin: str, me: str,
            now: datetime) -> EnvelopeHeader:
    def key_for(who: str, kid: str) -> Any:
        return roster.key(who, kid, use="sign").key

    try:
        header = verify_envelope(item.envelope, key_for=key_for)
    except (CryptoError, RosterError) as exc:
        raise Rejected(f"envelope signature: {exc}") from exc
    if header.origin != origin:
        raise Rejected(f"envelope from {header.origin} relayed by {origin}")
    try:
        roster.signing_key(origin, header.signer_kid, at=header.created)
    except RosterError as exc:
        raise Rejected(f"signing key not valid when the envelope was made: {exc}") from exc
    if header.created > now + MAX_FUTURE_SKEW:
        raise Rejected("envelope created in the future")
    if header.seq != item.seq:
        raise Rejected("envelope sequence differs from the page index")
    if not header.addressed_to(me):
        raise Rejected(f"envelope not addressed to {me}")
    return header


def _open(item: PageItem, header: EnvelopeHeader, node: Node, roster: Roster) -> OpenedNotice:
    try:
        return open_envelope(item.envelope, header, node=node.code, private_keys=node.encryption,
                             key_for=lambda who, kid: roster.key(who, kid, use="sign").key)
    except (CryptoError, RosterError) as exc:
        raise Rejected(f"cannot open: {exc}") from exc


def ingest_page(session: Session, node: Node, *, page: VerifiedPage, now: datetime,
                on_notice: NoticeHook | None = None) -> IngestResult:
    """Process every item of ``page`` and move the peer's cursor past it.

    1. Cryptography first, without the database: each envelope's signatures are checked
       and it is decrypted (signatures before anything else, as always).
    2. One query finds which of the page's sequence numbers this node already holds,
       one more which versions of the page's notices.
    3. In link order: redeliveries are skipped, forks and breaks in the chain refused,
       and each accepted envelope is checked whole before anything of it is written
       (nothing half-stored); every refusal is recorded. A new notice version that
       changes nothing held is staged, and the page's staged rows are inserted with one
       statement per table. An envelope that reads or changes what is held (a newer
       version, a notice this node re-shared, a tombstone, a recall, screening on
       arrival) is stored after the staged rows, in a savepoint of its own.
    """
    roster = node.roster
    origin = page.origin
    peer = session.get(Peer, origin) or Peer(code=origin, cursor=0, last_seq=0, failures=0)
    session.add(peer)
    result = IngestResult()
    prepared: list[tuple[PageItem, EnvelopeHeader | None, OpenedNotice | None,
                         Rejected | None]] = []
    for item in page.items:
        try:
            checked = _verify(item, roster=roster, origin=origin, me=node.code, now=now)
            prepared.append((item, checked, _open(item, checked, node, roster), None))
        except Rejected as exc:
            prepared.append((item, None, None, exc))
    seqs = [h.seq for _, h, _, _ in prepared if h is not None]
    context = PageContext.load(session, [o for _, _, o, _ in prepared if o is not None])
    held: dict[int, str] = dict((int(q), str(d)) for q, d in session.execute(
        select(ReceivedEnvelope.seq, ReceivedEnvelope.digest).where(
            ReceivedEnvelope.origin == origin, ReceivedEnvelope.seq.in_(seqs))).all()
    ) if seqs else {}
    rows = PageRows()
    for item, header, opened, error in prepared:
        try:
            if error is not None:
                raise error
            assert header is not None and opened is not None
            if header.seq in held:
                if held[header.seq] == header.digest:
                    result.duplicates += 1
                    continue
                raise Rejected(f"fork: sequence {header.seq} seen with digest "
                               f"{held[header.seq][:16]}, now {header.digest[:16]}", "fork")
            if header.seq <= peer.last_seq:
                raise Rejected(f"sequence {header.seq} not after {peer.last_seq}", "reorder")
            if (header.seq == peer.last_seq + 1 and peer.last_digest is not None
                    and header.prev != peer.last_digest):
                raise Rejected(f"fork: sequence {header.seq} does not chain to the "
                               "previous envelope", "fork")
            received = dict(origin=origin, seq=header.seq, link_n=item.n, digest=header.digest,
                            prev=header.prev, kind=header.kind, label=header.label,
                            created=header.created, received_at=now, decrypted=True,
                            envelope=None)
            content = {"signed": b64u(opened.signed), "signature": b64u(opened.signature),
                       "signer": opened.signer_kid}
            receipt = (_receipt(session, node, header=header, payload=opened.payload,
                                content=content, now=now, context=context)
                       if header.kind == "notice" else None)
            if receipt is not None and _only_inserts(receipt, context, on_notice):
                _stage(session, header=header, receipt=receipt, rows=rows, now=now,
                       result=result, context=context)
                rows.received.append(received)
            else:
                rows.write(session)  # what this envelope reads or changes comes first
                with session.begin_nested():  # nothing half-stored
                    session.execute(_INSERT_RECEIVED, [received])
                    _apply(session, node, header=header, payload=opened.payload,
                           receipt=receipt, now=now, result=result, on_notice=on_notice,
                           context=context)
            held[header.seq] = header.digest
            peer.last_seq, peer.last_digest = header.seq, header.digest
            result.received += 1
            result.decrypted += 1
        except (Rejected, FtsError, KeyError, TypeError, ValueError) as exc:
            reason = exc.reason if isinstance(exc, Rejected) else f"bad content: {exc}"
            kind = exc.kind if isinstance(exc, Rejected) else "rejected"
            result.rejected += 1
            _event(session, peer=origin, kind=kind, seq=item.seq, detail=reason, now=now)
            record(audit_store(session), now=now, actor=f"node:{origin}", action="reject",
                   object_type="envelope", object_id=item.digest, partner=origin,
                   outcome="refused", detail={"reason": reason, "seq": item.seq, "n": item.n})
    rows.write(session)
    peer.cursor = max(peer.cursor, page.next)
    session.flush()
    return result


def _forwarded(node: Node, header: EnvelopeHeader,
               fwd: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Check a re-shared notice: the origin's own signature, a sharer that was one of
    its recipients, and restrictions that allow re-sharing (never widened)."""
    origin = str(fwd["origin"])
    signed, signature = unb64u(fwd["signed"]), unb64u(fwd["signature"])
    signer = str(fwd["signer"])
    roster = node.roster
    try:
        key = roster.key(origin, signer, use="sign").key
        statement = verify_authorship(signed, signature, key)
        roster.signing_key(origin, signer, at=parse_rfc3339(statement["created"]))
    except (CryptoError, RosterError, ValueError) as exc:
        raise Rejected(f"re-shared notice: origin signature not valid ({exc})") from exc
    if statement["origin"] != origin or statement["kind"] != "notice":
        raise Rejected("re-shared notice: statement does not match")
    notice = statement["payload"]["notice"]
    handling, prov = notice["handling"], notice["provenance"]
    if header.origin not in prov.get("recipients", []):
        raise Rejected(f"re-shared by {header.origin}, which was not a recipient")
    if "no-onward-dissemination" in handling.get("caveats", []) or \
            statement["label"] in ("RED", "AMBER+STRICT"):
        raise Rejected("re-shared although the source forbids onward dissemination")
    if header.label != statement["label"]:
        raise Rejected("re-shared under another label")
    content = {"signed": fwd["signed"], "signature": fwd["signature"], "signer": signer}
    return notice, content, origin


def recall_shares(session: Session, node: Node, *, notice_id: str, origin: str, reason: str,
                  now: datetime) -> list[str]:
    """When a notice this node re-shared is superseded or withdrawn at its source,
    recall the copies: a signed ``recall`` to every partner it was shared with, who
    then purge the copy they got from this node."""
    from fts_share.clock import to_rfc3339
    from fts_share.federation import outbox
    from fts_share.storage.models import OutboxLink

    shared = session.execute(select(OutboxEnvelope.label, OutboxLink.recipient)
                             .join(OutboxLink, OutboxLink.seq == OutboxEnvelope.seq)
                             .where(OutboxEnvelope.notice_id == notice_id,
                                    OutboxEnvelope.kind == "notice")).all()
    recipients = sorted({r for _, r in shared})
    if not recipients:
        return []
    payload = {"recall": {"id": notice_id, "origin": origin, "reason": reason,
                          "created": to_rfc3339(now)}}
    outbox.append(session, node, roster=node.roster, payload=payload, kind="tombstone",
                  label=shared[0][0], recipients=recipients, notice_id=notice_id,
                  notice_version=0, now=now)
    record(audit_store(session), now=now, actor="system", action="withdraw", object_type="shared_copy",
           object_id=notice_id, partner=origin, detail={"recalled_from": recipients,
                                                        "reason": reason})
    return recipients


def _apply_recall(session: Session, *, header: EnvelopeHeader, recall: dict[str, Any],
                  now: datetime) -> None:
    """Purge the copy of a notice that ``header.origin`` re-shared with this node."""
    via = select(ReceivedEnvelope.digest).where(ReceivedEnvelope.origin == header.origin)
    rows = session.scalars(select(Notice).where(Notice.notice_id == str(recall["id"]),
                                                Notice.envelope_digest.in_(via))).all()
    for row in rows:
        notice_store.purge(session, row, now=now, reason=f"recalled by {header.origin}",
                           actor=f"node:{header.origin}")
        row.status = "withdrawn"
    record(audit_store(session), now=now, actor=f"node:{header.origin}", action="withdraw",
           object_type="shared_copy", object_id=str(recall["id"]), partner=header.origin,
           detail={"seq": header.seq, "reason": str(recall.get("reason", ""))[:500],
                   "purged_versions": len(rows)})


def _receipt(session: Session, node: Node, *, header: EnvelopeHeader,
             payload: dict[str, Any], content: dict[str, Any], now: datetime,
             context: PageContext) -> Receipt:
    """Check a received notice (a re-shared one: its origin's signature and
    restrictions) and seal it for storage; nothing is written."""
    origin, via = header.origin, None
    forwarded = payload.get("forwarded")
    if isinstance(forwarded, dict):
        notice, content, origin = _forwarded(node, header, forwarded)
        via = header.origin
    else:
        notice = payload["notice"]
    load_received(notice)  # what this node will read of it has the notice's shapes
    prov = notice["provenance"]
    if prov["origin"] != origin:
        raise Rejected("notice provenance names another origin")
    key = (str(prov["id"]), int(prov["version"]))
    context.learn(session, {key[0]})  # a re-shared notice is not known from its payload
    if context.holds(key):
        if via is not None:  # a re-shared copy of a version already held
            return Receipt(version=None, notice=notice, origin=origin, via=via)
        raise Rejected(f"notice {prov['id']} v{prov['version']} already received", "fork")
    version = notice_store.seal_version(node.storage_key, notice=notice, origin=origin,
                                        authored=False, content=content,
                                        envelope_digest=header.digest, now=now)
    return Receipt(version=version, notice=notice, origin=origin, via=via)


def _only_inserts(receipt: Receipt, context: PageContext, on_notice: NoticeHook | None) -> bool:
    """True if storing a received notice only inserts rows: a re-shared copy of a
    version already held, or a new version of which nothing older is held, with no
    re-shared copies to recall and no hook to call."""
    if receipt.version is None:
        return True
    return on_notice is None and not context.changes_held(receipt.version.key)


def _record_receipt(session: Session, *, header: EnvelopeHeader, receipt: Receipt,
                    now: datetime) -> None:
    assert receipt.version is not None
    values = receipt.version.values
    detail: dict[str, Any] = {"seq": header.seq, "label": header.label}
    if receipt.via is not None:
        detail["shared_by"] = receipt.via
    record(audit_store(session), now=now, actor=f"node:{header.origin}", action="receive",
           object_type="notice", object_id=values["notice_id"],
           object_version=values["version"], partner=receipt.origin,
           legal_basis=values["legal_basis"], detail=detail)


def _stage(session: Session, *, header: EnvelopeHeader, receipt: Receipt, rows: PageRows,
           now: datetime, result: IngestResult, context: PageContext) -> None:
    """Stage a notice version that changes nothing held, for the page's bulk insert
    (its audit entry is appended now; it is written with the rows)."""
    if receipt.version is None:
        result.duplicates += 1
        return
    _record_receipt(session, header=header, receipt=receipt, now=now)
    rows.versions.append(receipt.version)
    result.notices.append(receipt.version.key)
    context.hold(receipt.version.key)


def _apply(session: Session, node: Node, *, header: EnvelopeHeader, payload: dict[str, Any],
           receipt: Receipt | None, now: datetime, result: IngestResult,
           on_notice: NoticeHook | None, context: PageContext) -> None:
    """Store a received notice version (``receipt``) with what follows from it, or
    carry out a tombstone."""
    if receipt is not None:
        if receipt.version is None:
            result.duplicates += 1
            return
        row = notice_store.add_version(session, receipt.version, now=now)
        _record_receipt(session, header=header, receipt=receipt, now=now)
        result.notices.append(receipt.version.key)
        context.hold(receipt.version.key)
        if row.notice_id in context.shared:
            recall_shares(session, node, notice_id=row.notice_id, origin=receipt.origin,
                          reason="superseded by the source", now=now)
        if on_notice is not None:
            on_notice(session, row, receipt.notice, now)
    elif header.kind == "tombstone" and isinstance(payload.get("recall"), dict):
        _apply_recall(session, header=header, recall=payload["recall"], now=now)
    elif header.kind == "tombstone":
        tomb = payload["tombstone"]
        if str(tomb["id"]) in context.shared:
            recall_shares(session, node, notice_id=str(tomb["id"]), origin=header.origin,
                          reason="withdrawn by the source", now=now)
        rows = session.scalars(select(Notice).where(Notice.notice_id == tomb["id"],
                                                    Notice.origin == header.origin)).all()
        for row in rows:
            notice_store.purge(session, row, now=now, reason="withdrawn by the source",
                               actor=f"node:{header.origin}")
            row.status = "withdrawn"
        record(audit_store(session), now=now, actor=f"node:{header.origin}", action="withdraw",
               object_type="notice", object_id=str(tomb["id"]),
               object_version=tomb.get("version"), partner=header.origin,
               detail={"seq": header.seq, "reason": str(tomb.get("reason", ""))[:500]})
    else:
        raise Rejected(f"unknown envelope kind {header.kind!r}")
