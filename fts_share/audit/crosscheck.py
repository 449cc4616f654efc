"""Cross-checking partners' logs: consistency between their signed heads, split views.

A partner sends its signed tree heads with its feed. For each new head we:

1. verify its signature (the caller gives the verifier for the head's key id);
2. compare it with the stored heads of the same partner: the same size with another
   root is a *split view* (two validly signed, contradictory histories);
3. ask the partner for consistency proofs from the nearest stored head below and to the
   nearest stored head above, and verify them: a failing proof is an *inconsistent*
   history (the partner rewrote or forked its log).

A finding is stored in ``audit_findings`` and recorded in this node's own audit log
(action ``split_view``), so reviewers on this side see it; the lead's feed code reports
it to the reviewers on the other side.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from fts_share.audit import merkle
from fts_share.audit.errors import VerificationError
from fts_share.audit.heads import (SignatureVerifier, SignedTreeHead, decode_signature,
                                   verify_tree_head)
from fts_share.audit.log import record
from fts_share.crypto.canonical import b64u
from fts_share.audit.models import AuditFinding, PeerTreeHead

#: ``proof_fetcher(first, second)`` -> the partner's consistency proof between sizes.
ProofFetcher = Callable[[int, int], Sequence[bytes]]

SPLIT_VIEW = "split_view"
INCONSISTENT = "inconsistent"


@dataclass(frozen=True)
class Finding:
    """Evidence that a partner shows different histories: two signed heads and why."""

    kind: str  # SPLIT_VIEW or INCONSISTENT
    peer: str
    first: SignedTreeHead
    second: SignedTreeHead
    detail: str

    def to_json(self) -> dict[str, Any]:
        """The finding as a JSON-ready dict (both heads in their wire format)."""
        return {"kind": self.kind, "peer": self.peer, "first": self.first.to_json(),
                "second": self.second.to_json(), "detail": self.detail}


def check_heads(peer: str, older: SignedTreeHead, newer: SignedTreeHead,
                proof: Sequence[bytes] | None) -> Finding | None:
    """Compare two validly signed heads of ``peer`` (signatures already checked).

    Returns a :class:`Finding` for a split view (same size, different roots) or for a
    consistency proof that does not verify; None when they agree. ``proof`` is the
    consistency proof from the smaller to the larger head (ignored for equal sizes).
    """
    a, b = (older, newer) if older.size <= newer.size else (newer, older)
    if a.size == b.size:
        if a.root == b.root:
            return None
        return Finding(SPLIT_VIEW, peer, a, b, f"two signed heads of size {a.size} with different "
                                               f"roots: expected {a.root.hex()}, got {b.root.hex()}")
    try:
        merkle.verify_consistency(first=a.size, second=b.size, first_root=a.root,
                                  second_root=b.root, proof=list(proof or []))
    except VerificationError as exc:
        return Finding(INCONSISTENT, peer, a, b,
                       f"the head of size {b.size} does not extend the head of size {a.size}: {exc}")
    return None


def observe_peer_head(session: Session, *, peer: str, head: SignedTreeHead,
                      proof_fetcher: ProofFetcher | None, verify_sig: SignatureVerifier,
                      now: datetime) -> Finding | None:
    """Store a partner's new signed head and cross-check it with the ones we hold.

    Raises :class:`VerificationError` if the head's signature does not verify (nothing
    is stored). With ``proof_fetcher=None`` only same-size conflicts are detected; the
    head is stored and checked against later heads. A finding is stored, recorded in the
    audit log (in the caller's transaction) and returned; None means no conflict.
    """
    verify_tree_head(head, verify_sig)
    rows = session.scalars(select(PeerTreeHead).where(PeerTreeHead.peer == peer)
                           .order_by(PeerTreeHead.size, PeerTreeHead.id)).all()
    finding: Finding | None = None
    same = [r for r in rows if r.size == head.size]
    for row in same:
        finding = check_heads(peer, _head(row), head, None)
        if finding:
            break
    if finding is None and not any(r.root == head.root.hex() for r in same):
        below = [r for r in rows if r.size < head.size]
        above = [r for r in rows if r.size > head.size]
        pairs = ([(_head(below[-1]), head)] if below else []) + \
                ([(head, _head(above[0]))] if above else [])
        for older, newer in pairs:
            if proof_fetcher is None:
                break
            try:
                proof = list(proof_fetcher(older.size, newer.size))
            except VerificationError:
                # No proof for this pair (the page's proof starts from the size the
                # poller held when it asked, and another poll may have stored a newer
                # head since): not evidence of anything. The pair stays unchecked; the
                # head is stored, and the next head is checked against it.
                continue
            finding = check_heads(peer, older, newer, proof)
            if finding:
                break
    if same and finding is None:
        return None  # a head we already hold
    session.add(PeerTreeHead(peer=peer, size=head.size, root=head.root.hex(), time=head.time,
                             key_id=head.key_id, signature=b64u(head.signature),
                             received_at=now))
    if finding is not None:
        _store_finding(session, finding, now)
    return finding


def list_findings(session: Session, *, peer: str | None = None, limit: int = 100
                  ) -> list[AuditFinding]:
    """Stored findings, newest first (optionally for one partner)."""
    stmt = select(AuditFinding).order_by(AuditFinding.id.desc()).limit(limit)
    if peer is not None:
        stmt = stmt.where(AuditFinding.peer == peer)
    return list(session.scalars(stmt))


def latest_peer_head(session: Session, peer: str) -> SignedTreeHead | None:
    """The largest stored head of ``peer`` (the one to ask the next proof from)."""
    row = session.scalar(select(PeerTreeHead).where(PeerTreeHead.peer == peer)
                         .order_by(PeerTreeHead.size.desc(), PeerTreeHead.id.desc()).limit(1))
    return _head(row) if row is not None else None


def _store_finding(session: Session, finding: Finding, now: datetime) -> None:
    entry = record(session, now=now, actor="system", action="split_view", object_type="peer_log",
                   object_id=finding.peer, partner=finding.peer, outcome="error",
                   detail={"kind": finding.kind, "first": finding.first.to_json(),
                           "second": finding.second.to_json(), "reason": finding.detail[:500]})
    session.add(AuditFinding(peer=finding.peer, kind=finding.kind, detected_at=now,
                             first_head=finding.first.to_json(),
                             second_head=finding.second.to_json(), detail=finding.detail,
                             audit_seq=entry.seq))


def _head(row: PeerTreeHead) -> SignedTreeHead:
    return SignedTreeHead(size=row.size, root=bytes.fromhex(row.root), time=row.time,
                          key_id=row.key_id, signature=decode_signature(row.signature))
