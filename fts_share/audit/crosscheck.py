"""Cross-checking partners' logs: consistency between their signed heads, split views.

A partner sends its signed tree heads with its feed. For each new head we:

1. verify its signature (the caller gives the verifier for the head's key id);
2. compare it with the stored heads of the same partner: the same size with another
   root is a *split view* (two validly signed, contradictory histories);
3. ask the partner for consistency proofs from the nearest stored head below and to the
   nearest stored head above, and verify them: a failing proof is an *inconsistent*
   history (the partner rewrote or forked its log).

A finding is stored (the store's findings) and recorded in this node's own audit log
(action ``split_view``), so reviewers on this side see it; the lead's feed code reports
it to the reviewers on the other side.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fts_share.audit import merkle
from fts_share.audit.errors import VerificationError
from fts_share.audit.heads import SignatureVerifier, SignedTreeHead, verify_tree_head
from fts_share.audit.log import head_from_record, record
from fts_share.audit.store import AuditStore, FindingRecord, HeadRecord

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


def observe_peer_head(store: AuditStore, *, peer: str, head: SignedTreeHead,
                      proof_fetcher: ProofFetcher | None, verify_sig: SignatureVerifier,
                      now: datetime) -> Finding | None:
    """Store a partner's new signed head and cross-check it with the ones we hold.

    Raises :class:`VerificationError` if the head's signature does not verify (nothing
    is stored). With ``proof_fetcher=None`` only same-size conflicts are detected; the
    head is stored and checked against later heads. A finding is stored, recorded in the
    audit log (in the caller's transaction) and returned; None means no conflict.
    """
    verify_tree_head(head, verify_sig)
    rows = store.peer_heads(peer)
    same = [r for r in rows if r.size == head.size]
    finding = _same_size_finding(peer, head, same)
    if finding is None and not any(r.root == head.root.hex() for r in same):
        finding = _neighbour_finding(peer, head, rows, proof_fetcher)
    if same and finding is None:
        return None  # a head we already hold
    store.add_peer_head(peer, head, received_at=now)
    if finding is not None:
        _store_finding(store, finding, now)
    return finding


def _same_size_finding(peer: str, head: SignedTreeHead,
                       same: Sequence[HeadRecord]) -> Finding | None:
    for row in same:
        finding = check_heads(peer, head_from_record(row), head, None)
        if finding:
            return finding
    return None


def _neighbour_finding(peer: str, head: SignedTreeHead, rows: Sequence[HeadRecord],
                       proof_fetcher: ProofFetcher | None) -> Finding | None:
    """Check ``head`` against the nearest stored head below and the nearest above."""
    if proof_fetcher is None:
        return None
    below = [r for r in rows if r.size < head.size]
    above = [r for r in rows if r.size > head.size]
    pairs = ([(head_from_record(below[-1]), head)] if below else []) + \
            ([(head, head_from_record(above[0]))] if above else [])
    for older, newer in pairs:
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
            return finding
    return None


def list_findings(store: AuditStore, *, peer: str | None = None,
                  limit: int = 100) -> list[FindingRecord]:
    """Stored findings, newest first (optionally for one partner)."""
    return store.findings(peer=peer, limit=limit)


def latest_peer_head(store: AuditStore, peer: str) -> SignedTreeHead | None:
    """The largest stored head of ``peer`` (the one to ask the next proof from)."""
    row = store.latest_peer_head(peer)
    return head_from_record(row) if row is not None else None


def _store_finding(store: AuditStore, finding: Finding, now: datetime) -> None:
    entry = record(store, now=now, actor="system", action="split_view", object_type="peer_log",
                   object_id=finding.peer, partner=finding.peer, outcome="error",
                   detail={"kind": finding.kind, "first": finding.first.to_json(),
                           "second": finding.second.to_json(), "reason": finding.detail[:500]})
    store.add_finding(peer=finding.peer, kind=finding.kind, detected_at=now,
                      first_head=finding.first.to_json(), second_head=finding.second.to_json(),
                      detail=finding.detail, audit_seq=entry.seq)
