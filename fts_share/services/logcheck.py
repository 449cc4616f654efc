"""Cross-checking partners' audit logs through the feed (split-view detection).

With each page a node sends its newest signed tree head and, when the caller says which
tree size it already holds (``tree_size``), a consistency proof from that size. The
caller verifies the head with the origin's roster key and checks consistency with the
heads it stored before (:mod:`fts_share.audit.crosscheck`). A node that shows two
partners different histories is caught when their heads meet: the same size with
another root, or a head that does not extend an earlier one.

Findings about a partner are sent back to it in the pages of its own link, so the
reviewers on both sides see them.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fts_share.audit.crosscheck import (
    RESTORE,
    already_held,
    latest_peer_head,
    list_findings,
    observe_peer_head,
    proof_base,
)
from fts_share.audit.epochs import Announcement, verify_announcement
from fts_share.audit.errors import VerificationError
from fts_share.audit.heads import SignedTreeHead
from fts_share.audit.log import consistency_proof, head_from_record, record
from fts_share.audit.store import PeerEpochRecord, PeerHeadRecord
from fts_share.clock import to_rfc3339
from fts_share.crypto.keys import verify_signature
from fts_share.errors import FtsError
from fts_share.federation.feed import VerifiedPage
from fts_share.federation.roster import Roster
from fts_share.services.unit import Work
from fts_share.storage.audit_store import SqlAuditStore, audit_store
from fts_share.storage.audit_tables import AuditEntry
from fts_share.storage.models import FederationEvent

MAX_FINDINGS_PER_PAGE = 10
MAX_RELAYED_HEADS = 8


def consistency_for(session: Session, *, have: int | None, head_size: int) -> dict[str, Any] | None:
    """The consistency proof from the caller's size ``have`` to ``head_size``."""
    if not have or have >= head_size:
        return None
    try:
        proof = consistency_proof(audit_store(session), have, head_size)
    except FtsError:
        return None
    return {"first": have, "second": head_size, "proof": [p.hex() for p in proof]}


def findings_about(session: Session, partner: str) -> list[dict[str, Any]]:
    """Recent findings this node made about ``partner``, to send it."""
    return [{"kind": f.kind, "detected_at": to_rfc3339(f.detected_at), "first": f.first_head,
             "second": f.second_head, "detail": f.detail}
            for f in list_findings(audit_store(session), peer=partner, limit=MAX_FINDINGS_PER_PAGE)
            if f.kind != RESTORE]  # a restore is the partner's own news, not a finding about it


def relayed_heads(session: Session, *, members: Collection[str],
                  exclude: set[str]) -> dict[str, dict[str, Any]]:
    """Newest heads this node holds of other partners, to pass on (at most
    ``MAX_RELAYED_HEADS``, chosen at random among the roster's ``members`` of whom a
    head is held, so that in a large coalition every head still travels within a few
    rounds): partners compare them with the heads they received themselves
    (split-view detection; a partner looks only at heads of roster members). Read in
    a few queries, not a few per head, and none that grows with the heads stored: the
    candidates come from the roster, in random order, a few more than are sent, and
    those without a stored head make way for the next ones. A partner that restored
    (has epochs) is read as :func:`~fts_share.audit.crosscheck.latest_peer_head`
    reads it."""
    candidates = sorted(set(members) - exclude)
    random.shuffle(candidates)  # gossip: a random few each time, all over time
    store, out = audit_store(session), dict[str, dict[str, Any]]()
    for start in range(0, len(candidates), 2 * MAX_RELAYED_HEADS):
        out.update(_latest_heads(store, candidates[start:start + 2 * MAX_RELAYED_HEADS],
                                 MAX_RELAYED_HEADS - len(out)))
        if len(out) >= MAX_RELAYED_HEADS:
            break
    return out


def _latest_heads(store: SqlAuditStore, peers: list[str],
                  wanted: int) -> dict[str, dict[str, Any]]:
    """The newest held heads of the first ``wanted`` of ``peers`` with one."""
    restored = store.peers_epochs(peers)
    latest = store.latest_peer_heads([p for p in peers if p not in restored])
    out: dict[str, dict[str, Any]] = {}
    for peer in peers:
        head = (latest_peer_head(store, peer) if peer in restored
                else head_from_record(latest[peer]) if peer in latest else None)
        if head is not None:
            out[peer] = head.to_json()
            if len(out) >= wanted:
                break
    return out


def held_size(session: Session, peer: str) -> int | None:
    """The size to ask ``peer``'s next consistency proof from (``tree_size``): its
    largest head this node holds, or after a restore the largest head the restored log
    must still extend, until that is checked."""
    return proof_base(audit_store(session), peer)


@dataclass(frozen=True)
class HeldHeads:
    """What this node holds about the heads on one page, read in two queries: the
    stored heads of each (partner, size) on the page, and the partners' epochs."""

    same: dict[tuple[str, int], list[PeerHeadRecord]]
    epochs: dict[str, list[PeerEpochRecord]]
    peers: frozenset[str]

    @classmethod
    def read(cls, session: Session, docs: Mapping[str, Any]) -> HeldHeads:
        """For the heads ``docs`` (partner -> head document as received)."""
        wanted = {(peer, doc["size"]) for peer, doc in docs.items()
                  if isinstance(doc, Mapping) and type(doc.get("size")) is int}
        store, peers = audit_store(session), frozenset(peer for peer, _ in wanted)
        return cls(same=store.peer_heads_sized(wanted), epochs=store.peers_epochs(peers),
                   peers=peers)

    def epochs_of(self, peer: str) -> list[PeerEpochRecord] | None:
        """``peer``'s epochs, or None if they were not read."""
        return self.epochs.get(peer, []) if peer in self.peers else None

    def holds(self, peer: str, head: SignedTreeHead) -> bool:
        """See :func:`~fts_share.audit.crosscheck.already_held`."""
        epochs = self.epochs_of(peer)
        return epochs is not None and already_held(head, self.same.get((peer, head.size), ()),
                                                   epochs)


def check_page_head(session: Session, *, roster: Roster, peer: str,
                    head_doc: Mapping[str, Any] | None, proof_doc: Any,
                    now: datetime, relayed_by: str | None = None,
                    restore_doc: Any = None, held: HeldHeads | None = None) -> str | None:
    """Verify and store a tree head of ``peer`` (from its own page, or relayed by
    another partner, without a proof), with the restore announcement of its page if
    any; return a finding's kind, if any. With ``held`` (read before the page's heads
    are checked), a head this node already holds byte for byte, signed by a key the
    roster lists as valid now, is not verified or compared again: that would find and
    store nothing."""
    if not head_doc:
        return None
    try:
        head = SignedTreeHead.from_json(dict(head_doc))
        key = roster.signing_key(peer, head.key_id, at=now)
        announcement = _announcement(roster, peer, restore_doc, now) if restore_doc else None
    except (VerificationError, FtsError) as exc:
        record(audit_store(session), now=now, actor=f"node:{relayed_by or peer}", action="reject",
               object_type="tree_head", object_id=peer, partner=peer, outcome="refused",
               detail={"reason": str(exc)[:300]})
        return "rejected"
    if announcement is None and held is not None and held.holds(peer, head):
        return None

    def fetch(first: int, second: int) -> list[bytes]:
        if (isinstance(proof_doc, Mapping) and proof_doc.get("first") == first
                and proof_doc.get("second") == second
                and isinstance(proof_doc.get("proof"), list)):
            try:
                return [bytes.fromhex(p) for p in proof_doc["proof"]]
            except (TypeError, ValueError):
                pass
        raise VerificationError(f"no consistency proof from {first} to {second}")

    try:
        finding = observe_peer_head(audit_store(session), peer=peer, head=head,
                                    proof_fetcher=None if relayed_by else fetch,
                                    verify_sig=lambda sig, data: verify_signature(key, sig, data),
                                    now=now, announcement=announcement,
                                    epochs=held.epochs_of(peer) if held else None)
    except (VerificationError, FtsError) as exc:
        record(audit_store(session), now=now, actor=f"node:{relayed_by or peer}", action="reject",
               object_type="tree_head", object_id=peer, partner=peer, outcome="refused",
               detail={"reason": str(exc)[:300]})
        return "rejected"
    if finding is not None and finding.kind == RESTORE:
        session.add(FederationEvent(at=now, peer=peer, kind="restore", seq=None,
                                    detail=finding.detail[:2000]))
    return finding.kind if finding else None


def _announcement(roster: Roster, peer: str, doc: Any, now: datetime) -> Announcement:
    """``peer``'s restore announcement, its signature checked with its roster key."""
    def key_for(kid: str) -> Any:
        key = roster.signing_key(peer, kid, at=now)
        return lambda sig, data: verify_signature(key, sig, data)
    return verify_announcement(doc, node=peer, key_for=key_for)


def _relayed(heads: Any, *, roster: Roster, relayed_by: str, me: str) -> dict[str, Any]:
    """The relayed heads a page's checks look at (third partners of the roster)."""
    if not isinstance(heads, Mapping):
        return {}
    return {str(peer): doc for peer, doc in list(heads.items())[:MAX_RELAYED_HEADS]
            if peer not in (me, relayed_by) and isinstance(doc, Mapping)
            and peer in roster.members}


def check_relayed_heads(session: Session, *, roster: Roster, relayed_by: str, me: str,
                        heads: Any, now: datetime, held: HeldHeads | None = None) -> list[str]:
    """Check the heads of third partners that ``relayed_by`` passed on."""
    kinds = []
    for peer, doc in _relayed(heads, roster=roster, relayed_by=relayed_by, me=me).items():
        kind = check_page_head(session, roster=roster, peer=peer, head_doc=doc,
                               proof_doc=None, now=now, relayed_by=relayed_by, held=held)
        if kind:
            kinds.append(kind)
    return kinds


def record_reported_findings(session: Session, *, peer: str, findings: Any,
                             now: datetime) -> int:
    """Log findings a partner reports about this node (once each)."""
    if not isinstance(findings, list):
        return 0
    logged = 0
    for f in findings[:MAX_FINDINGS_PER_PAGE]:
        if not isinstance(f, Mapping):
            continue
        digest = hashlib.sha256(json.dumps(f, sort_keys=True, default=str).encode()).hexdigest()
        seen = session.scalar(select(AuditEntry.seq).where(
            AuditEntry.action == "split_view", AuditEntry.object_id == digest).limit(1))
        if seen is not None:
            continue
        record(audit_store(session), now=now, actor=f"node:{peer}", action="split_view",
               object_type="reported_finding", object_id=digest, partner=peer, outcome="error",
               detail={"reported_by": peer, "kind": str(f.get("kind"))[:32],
                       "reason": str(f.get("detail"))[:500]})
        logged += 1
    return logged


def check_page(work: Work, page: VerifiedPage) -> None:
    """Check what a page of ``page.origin`` says about the logs: its own tree head
    (with the consistency proof), the heads it relays of third partners, and the
    findings it reports about this node."""
    session, roster, origin, me = work.session, work.node.roster, page.origin, work.node.code
    relayed = _relayed(page.peer_heads, roster=roster, relayed_by=origin, me=me)
    held = HeldHeads.read(session, {**relayed, origin: page.tree_head})
    check_page_head(session, roster=roster, peer=origin, head_doc=page.tree_head,
                    proof_doc=page.tree_consistency, now=work.now, restore_doc=page.restore,
                    held=held)
    check_relayed_heads(session, roster=roster, relayed_by=origin, me=me, heads=relayed,
                        now=work.now, held=held)
    record_reported_findings(session, peer=origin, findings=page.findings, now=work.now)
