"""Partners' signed heads: consistency proofs, split views, findings."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from fts_share.audit import crosscheck, merkle
from fts_share.audit.errors import VerificationError
from fts_share.audit.heads import make_tree_head
from fts_share.storage.audit_store import audit_store
from fts_share.storage.audit_tables import AuditEntry, PeerTreeHead

LEAVES = [merkle.leaf_hash(bytes([i])) for i in range(40)]
FORK = LEAVES[:10] + [merkle.leaf_hash(b"rewritten")] + LEAVES[11:]


def head(key, clock, size, leaves=LEAVES):
    return make_tree_head(size=size, root=merkle.root(leaves[:size]), time=clock(size),
                          key_id="irq-1", sign=key.sign)


def fetcher(leaves=LEAVES):
    return lambda m, n: merkle.consistency_proof(m, n, merkle.list_range_hash(leaves))


def test_consistent_heads_give_no_finding(store, key, verifier, clock):
    with store.transaction() as s:
        for size in (4, 12, 12, 30, 7):
            assert crosscheck.observe_peer_head(audit_store(s), peer="IRQ", head=head(key, clock, size),
                                                proof_fetcher=fetcher(), verify_sig=verifier,
                                                now=clock(50)) is None
        assert len(s.scalars(select(PeerTreeHead)).all()) == 4  # the repeated head is not kept
        assert crosscheck.latest_peer_head(audit_store(s), "IRQ").size == 30
        assert crosscheck.list_findings(audit_store(s)) == []


def test_split_view_same_size(store, key, verifier, clock):
    with store.transaction() as s:
        crosscheck.observe_peer_head(audit_store(s), peer="IRQ", head=head(key, clock, 20), proof_fetcher=None,
                                     verify_sig=verifier, now=clock(50))
        finding = crosscheck.observe_peer_head(audit_store(s), peer="IRQ", head=head(key, clock, 20, FORK),
                                               proof_fetcher=None, verify_sig=verifier,
                                               now=clock(51))
        assert finding is not None and finding.kind == crosscheck.SPLIT_VIEW
        assert "two signed heads of size 20 with different roots" in finding.detail
        stored = crosscheck.list_findings(audit_store(s), peer="IRQ")
        assert len(stored) == 1 and stored[0].audit_seq == 0
        entry = s.get(AuditEntry, 0)
        assert (entry.action, entry.partner, entry.outcome) == ("split_view", "IRQ", "error")
        assert entry.detail["second"] == finding.second.to_json()


def test_inconsistent_history_detected_both_ways(store, key, verifier, clock):
    with store.transaction() as s:
        crosscheck.observe_peer_head(audit_store(s), peer="IRQ", head=head(key, clock, 16), proof_fetcher=fetcher(),
                                     verify_sig=verifier, now=clock(50))
        finding = crosscheck.observe_peer_head(audit_store(s), peer="IRQ", head=head(key, clock, 25, FORK),
                                               proof_fetcher=fetcher(FORK), verify_sig=verifier,
                                               now=clock(51))
        assert finding is not None and finding.kind == crosscheck.INCONSISTENT
        assert "does not extend the head of size 16" in finding.detail
        # An older head arriving late is checked against the larger one we hold.
        late = crosscheck.observe_peer_head(audit_store(s), peer="JOR", head=head(key, clock, 30),
                                            proof_fetcher=fetcher(), verify_sig=verifier,
                                            now=clock(52))
        assert late is None
        late = crosscheck.observe_peer_head(audit_store(s), peer="JOR", head=head(key, clock, 12, FORK),
                                            proof_fetcher=fetcher(FORK), verify_sig=verifier,
                                            now=clock(53))
        assert late is not None and late.peer == "JOR"


def test_bad_signature_is_refused_and_not_stored(store, key, verifier, clock):
    other = Ed25519PrivateKey.generate()
    forged = make_tree_head(size=5, root=merkle.root(LEAVES[:5]), time=clock(), key_id="irq-1",
                            sign=other.sign)
    with store.transaction() as s:
        with pytest.raises(VerificationError, match="expected a valid signature"):
            crosscheck.observe_peer_head(audit_store(s), peer="IRQ", head=forged, proof_fetcher=None,
                                         verify_sig=verifier, now=clock())
        assert s.scalars(select(PeerTreeHead)).all() == []


def test_check_heads_pure(key, clock):
    a, b = head(key, clock, 3), head(key, clock, 9)
    assert crosscheck.check_heads("IRQ", a, b, fetcher()(3, 9)) is None
    assert crosscheck.check_heads("IRQ", b, a, fetcher()(3, 9)) is None
    assert crosscheck.check_heads("IRQ", a, b, []).kind == crosscheck.INCONSISTENT
    assert crosscheck.check_heads("IRQ", a, b, []).to_json()["first"]["size"] == 3


def test_a_missing_proof_is_no_finding_and_later_heads_are_still_checked(
        store, key, verifier, clock):
    """A page whose proof starts from another size than the head we now hold (two
    polls crossing) proves nothing either way: no finding, the head is kept, and the
    next head is checked against it."""
    def no_proof(m: int, n: int) -> list[bytes]:
        raise VerificationError(f"no consistency proof from {m} to {n}")

    with store.transaction() as s:
        crosscheck.observe_peer_head(audit_store(s), peer="IRQ", head=head(key, clock, 10),
                                     proof_fetcher=fetcher(), verify_sig=verifier, now=clock(50))
        assert crosscheck.observe_peer_head(audit_store(s), peer="IRQ", head=head(key, clock, 12),
                                            proof_fetcher=no_proof, verify_sig=verifier,
                                            now=clock(51)) is None
        assert crosscheck.latest_peer_head(audit_store(s), "IRQ").size == 12
        assert crosscheck.list_findings(audit_store(s)) == []
        finding = crosscheck.observe_peer_head(audit_store(s), peer="IRQ", head=head(key, clock, 20, FORK),
                                               proof_fetcher=fetcher(FORK), verify_sig=verifier,
                                               now=clock(52))
        assert finding is not None and finding.kind == crosscheck.INCONSISTENT
        assert "does not extend the head of size 12" in finding.detail


def test_a_head_in_the_middle_of_a_long_history_is_checked_against_its_nearest_neighbours(
        store, key, verifier, clock):
    """A partner that rewrote its log after entry 10 is caught by the stored head just
    below the new one (size 20 here, not an early head that the fork still extends),
    and a head that rewrote everything by the nearest stored head above it."""
    rewrite_all = [merkle.leaf_hash(b"other")] + LEAVES[1:]
    with store.transaction() as s:
        for size in range(4, 40, 4):
            assert crosscheck.observe_peer_head(
                audit_store(s), peer="IRQ", head=head(key, clock, size), proof_fetcher=fetcher(),
                verify_sig=verifier, now=clock(50)) is None
        forked = crosscheck.observe_peer_head(
            audit_store(s), peer="IRQ", head=head(key, clock, 22, FORK),
            proof_fetcher=fetcher(FORK), verify_sig=verifier, now=clock(51))
        assert forked is not None and forked.kind == crosscheck.INCONSISTENT
        assert "the head of size 22 does not extend the head of size 20" in forked.detail
        early = crosscheck.observe_peer_head(
            audit_store(s), peer="IRQ", head=head(key, clock, 2, rewrite_all),
            proof_fetcher=fetcher(rewrite_all), verify_sig=verifier, now=clock(52))
        assert early is not None and early.kind == crosscheck.INCONSISTENT
        assert "the head of size 4 does not extend the head of size 2" in early.detail
