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

A partner restored from a snapshot announces its restore epoch
(:mod:`fts_share.audit.epochs`). A new epoch is recorded as a finding of kind
``restore`` (audit action ``restore``), not a split view: the heads of the earlier
epoch beyond the snapshot become *history* (kept, listed, no longer compared), and the
restored log must extend every other head held (the largest of them is checked with a
consistency proof before the epoch counts as checked). The same epoch announced again
with other numbers is a finding of kind ``epoch_conflict``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fts_share.audit import merkle
from fts_share.audit.epochs import Announcement
from fts_share.audit.errors import VerificationError
from fts_share.audit.heads import SignatureVerifier, SignedTreeHead, verify_tree_head
from fts_share.audit.log import head_from_record, record
from fts_share.audit.store import (
    AuditStore,
    FindingRecord,
    HeadRecord,
    PeerEpochRecord,
    PeerHeadRecord,
)

#: ``proof_fetcher(first, second)`` -> the partner's consistency proof between sizes.
ProofFetcher = Callable[[int, int], Sequence[bytes]]

SPLIT_VIEW = "split_view"
INCONSISTENT = "inconsistent"
RESTORE = "restore"
EPOCH_CONFLICT = "epoch_conflict"


@dataclass(frozen=True)
class Finding:
    """Evidence that a partner shows different histories: two signed heads and why."""

    kind: str  # SPLIT_VIEW, INCONSISTENT, RESTORE or EPOCH_CONFLICT
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
                      now: datetime, announcement: Announcement | None = None,
                      epochs: Sequence[PeerEpochRecord] | None = None) -> Finding | None:
    """Store a partner's new signed head and cross-check it with the ones we hold.

    Raises :class:`VerificationError` if the head's signature does not verify (nothing
    is stored). With ``proof_fetcher=None`` only same-size conflicts are detected; the
    head is stored and checked against later heads. ``announcement`` is the partner's
    (verified) restore announcement sent with the head. A finding is stored, recorded
    in the audit log (in the caller's transaction) and returned; None means no
    conflict and no new epoch. ``epochs``: the partner's epochs if the caller read them
    already (ignored with an announcement, which may add one).
    """
    verify_tree_head(head, verify_sig)
    noted = _note_announcement(store, peer, head, announcement, now) if announcement else None
    if epochs is None or announcement is not None:
        epochs = store.peer_epochs(peer)
    rows = _compared_heads(store, peer, head.size, epochs)
    same = [r for r in rows if r.size == head.size]
    finding = _same_size_finding(peer, head, same)
    if finding is None:
        finding = _carried_finding(store, peer, head, rows, epochs, proof_fetcher, now)
    if finding is None and not any(r.root == head.root.hex() for r in same):
        finding = _neighbour_finding(peer, head, rows, proof_fetcher)
    if same and finding is None:
        return noted  # a head we already hold
    store.add_peer_head(peer, head, received_at=now)
    if finding is not None:
        _store_finding(store, finding, now)
    return finding or noted


def _compared_heads(store: AuditStore, peer: str, size: int,
                    epochs: Sequence[PeerEpochRecord]) -> Sequence[PeerHeadRecord]:
    """The stored heads a head of ``size`` is compared with. Without a restore epoch
    only those beside its size count (``AuditStore.peer_heads_near``): they are read
    alone, so that the cost of a head does not grow with the partner's history."""
    if epochs:
        return current_heads(store.peer_heads(peer), epochs)
    return store.peer_heads_near(peer, size)


def already_held(head: SignedTreeHead, same: Sequence[HeadRecord],
                 epochs: Sequence[PeerEpochRecord]) -> bool:
    """Whether :func:`observe_peer_head` of ``head`` (without a restore announcement)
    would find nothing and store nothing: every stored head of its size is this very
    head, byte for byte (root, time, key id, signature: its signature was verified
    with that key when it was stored), and no restore epoch of the partner awaits its
    check. The caller still checks that the head's key is valid now (a revoked key
    takes effect at once); then the signature need not be verified again."""
    return (bool(same) and all(head_from_record(r) == head for r in same)
            and all(e.checked_at is not None for e in epochs))


def in_history(row: PeerHeadRecord, epochs: Sequence[PeerEpochRecord]) -> bool:
    """Whether ``row`` is a head of an earlier epoch beyond that restore's snapshot."""
    return any(row.id <= e.before_head and row.size > e.snapshot_size for e in epochs)


def current_heads(rows: Sequence[PeerHeadRecord],
                  epochs: Sequence[PeerEpochRecord]) -> list[PeerHeadRecord]:
    """The heads the partner's current log must extend (history left out)."""
    return [r for r in rows if not in_history(r, epochs)]


def _carried(rows: Sequence[PeerHeadRecord], epoch: PeerEpochRecord) -> list[PeerHeadRecord]:
    return [r for r in rows if r.id <= epoch.before_head and r.size <= epoch.snapshot_size]


def proof_base(store: AuditStore, peer: str) -> int | None:
    """The size the next consistency proof of ``peer`` should start from: the largest
    head carried over a restore until the restored log is checked against it, else
    the largest current head."""
    epochs = store.peer_epochs(peer)
    if not epochs:
        row = store.latest_peer_head(peer)
        return row.size if row else None
    rows = current_heads(store.peer_heads(peer), epochs)
    if epochs[-1].checked_at is None:
        carried = _carried(rows, epochs[-1])
        if carried:
            return carried[-1].size
    return rows[-1].size if rows else None


def _carried_finding(store: AuditStore, peer: str, head: SignedTreeHead,
                     rows: Sequence[PeerHeadRecord], epochs: Sequence[PeerEpochRecord],
                     proof_fetcher: ProofFetcher | None, now: datetime) -> Finding | None:
    """Check the restored log (``head``) against the largest head carried over the
    latest restore, once, with the page's proof; mark the epoch checked."""
    if not epochs or epochs[-1].checked_at is not None:
        return None
    last = epochs[-1]
    carried = _carried(rows, last)
    if not carried:
        store.check_peer_epoch(peer, last.epoch, at=now)
        return None
    top = head_from_record(carried[-1])
    if head.size < top.size or (head.size > top.size and proof_fetcher is None):
        return None
    proof: Sequence[bytes] = ()
    if head.size > top.size:
        assert proof_fetcher is not None
        try:
            proof = list(proof_fetcher(top.size, head.size))
        except VerificationError:
            return None  # not this page's proof: the next request asks for it
    finding = check_heads(peer, top, head, proof)
    if finding is None:
        store.check_peer_epoch(peer, last.epoch, at=now)
    return finding


def _note_announcement(store: AuditStore, peer: str, head: SignedTreeHead,
                       ann: Announcement, now: datetime) -> Finding | None:
    """Record a new epoch (a ``restore`` finding) or a conflicting announcement."""
    epochs = {e.epoch: e for e in store.peer_epochs(peer)}
    known = epochs.get(ann.epoch)
    if known is not None:
        numbers = {"epoch": known.epoch, "audit_seq": known.audit_seq,
                   "snapshot_size": known.snapshot_size}
        if numbers == ann.numbers():
            return None
        return _conflict(store, peer, head, f"epoch {ann.epoch} announced again with other "
                                            f"numbers: expected {numbers}, got {ann.numbers()}",
                         now)
    if epochs and ann.epoch < max(epochs):
        return _conflict(store, peer, head, f"epoch {ann.epoch} announced after epoch "
                                            f"{max(epochs)}: expected {max(epochs)} or more",
                         now)
    if head.size <= ann.audit_seq:
        return None  # a head that does not hold the restore entry: not this epoch's
    rows = store.peer_heads(peer)
    history = [r for r in rows if r.size > ann.snapshot_size]
    store.add_peer_epoch(peer, epoch=ann.epoch, audit_seq=ann.audit_seq,
                         snapshot_size=ann.snapshot_size, recorded_at=now)
    largest = max(rows, key=lambda r: (r.size, r.id)) if rows else None
    detail = (f"restored from a snapshot of {ann.snapshot_size} entries (restore entry "
              f"{ann.audit_seq}, epoch {ann.epoch}); {len(history)} head(s) of the earlier "
              f"epoch beyond the snapshot kept as history")
    if history:
        detail += f", the largest of size {max(r.size for r in history)}"
    finding = Finding(RESTORE, peer, head_from_record(largest) if largest else head, head,
                      detail)
    _store_finding(store, finding, now)
    return finding


def _conflict(store: AuditStore, peer: str, head: SignedTreeHead, detail: str,
              now: datetime) -> Finding | None:
    """An ``epoch_conflict`` finding, stored once for the same detail."""
    if any(f.kind == EPOCH_CONFLICT and f.detail == detail
           for f in store.findings(peer=peer, limit=100)):
        return None
    latest = store.latest_peer_head(peer)
    finding = Finding(EPOCH_CONFLICT, peer, head_from_record(latest) if latest else head,
                      head, detail)
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
    """The largest stored head of ``peer`` of its current log (history left out)."""
    epochs = store.peer_epochs(peer)
    if not epochs:
        row = store.latest_peer_head(peer)
        return head_from_record(row) if row is not None else None
    rows = current_heads(store.peer_heads(peer), epochs)
    return head_from_record(rows[-1]) if rows else None


def _store_finding(store: AuditStore, finding: Finding, now: datetime) -> None:
    restored = finding.kind == RESTORE
    entry = record(store, now=now, actor="system",
                   action="restore" if restored else "split_view", object_type="peer_log",
                   object_id=finding.peer, partner=finding.peer,
                   outcome="ok" if restored else "error",
                   detail={"kind": finding.kind, "first": finding.first.to_json(),
                           "second": finding.second.to_json(), "reason": finding.detail[:500]})
    store.add_finding(peer=finding.peer, kind=finding.kind, detected_at=now,
                      first_head=finding.first.to_json(), second_head=finding.second.to_json(),
                      detail=finding.detail, audit_seq=entry.seq)
