"""A tree head a node already holds, byte for byte, is not verified and compared again
on every page (issue 18, the soak's fixed cost per poll), but a revoked key still
takes effect at once, and any other head goes through every check."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from coalition import Coalition
from helpers import new_roster
from sqlalchemy import select

from fts_share.audit.crosscheck import already_held, latest_peer_head, list_findings
from fts_share.audit.heads import SignedTreeHead, make_tree_head
from fts_share.clock import to_rfc3339, utcnow
from fts_share.crypto.keys import KeyKind, generate
from fts_share.federation.roster import roster_key_entry
from fts_share.services import logcheck
from fts_share.storage.audit_store import audit_store
from fts_share.storage.audit_tables import AuditEntry


def _held_head(coalition: Coalition) -> SignedTreeHead:
    """IRQ polls and so holds FRA's newest head; that head."""
    coalition["IRQ"].poll()
    with coalition["IRQ"].node.store.read() as s:
        head = latest_peer_head(audit_store(s), "FRA")
    assert head is not None
    return head


def _rejections(coalition: Coalition) -> int:
    with coalition["IRQ"].node.store.read() as s:
        return len(s.scalars(select(AuditEntry).where(AuditEntry.action == "reject",
                                                      AuditEntry.object_type == "tree_head"))
                   .all())


def test_a_held_head_is_recognised_and_changes_nothing(coalition: Coalition) -> None:
    irq = coalition["IRQ"]
    head = _held_head(coalition)
    with irq.node.store.transaction() as s:
        held = logcheck.HeldHeads.read(s, {"FRA": head.to_json()})
        assert held.holds("FRA", head)
        assert logcheck.check_page_head(s, roster=irq.node.roster, peer="FRA",
                                        head_doc=head.to_json(), proof_doc=None,
                                        now=utcnow(), held=held) is None
    with irq.node.store.read() as s:
        assert latest_peer_head(audit_store(s), "FRA") == head
        assert list_findings(audit_store(s)) == []


def test_a_revoked_key_refuses_a_held_head_at_once(coalition: Coalition) -> None:
    irq = coalition["IRQ"]
    head = _held_head(coalition)
    revoked_at = utcnow()

    def revoke(entries: dict[str, dict[str, Any]]) -> None:
        keys = entries["FRA"]["keys"]
        [old] = [k for k in keys if k["use"] == "sign"]
        old["revoked_at"] = to_rfc3339(revoked_at - timedelta(minutes=5))
        keys.append(roster_key_entry(generate(KeyKind.ED25519).public(), use="sign",
                                     valid_from=revoked_at - timedelta(days=1)))

    new_roster(coalition, revoke)
    irq.node.refresh_roster()
    before = _rejections(coalition)
    with irq.node.store.transaction() as s:
        held = logcheck.HeldHeads.read(s, {"FRA": head.to_json()})
        assert held.holds("FRA", head)  # the bytes are held; the key decides
        assert logcheck.check_page_head(s, roster=irq.node.roster, peer="FRA",
                                        head_doc=head.to_json(), proof_doc=None,
                                        now=utcnow(), held=held) == "rejected"
    assert _rejections(coalition) == before + 1


def test_a_held_head_with_another_signature_is_verified(coalition: Coalition) -> None:
    irq = coalition["IRQ"]
    head = _held_head(coalition)
    tampered = replace(head, signature=bytes(len(head.signature)))
    with irq.node.store.transaction() as s:
        held = logcheck.HeldHeads.read(s, {"FRA": tampered.to_json()})
        assert not held.holds("FRA", tampered)
        assert logcheck.check_page_head(s, roster=irq.node.roster, peer="FRA",
                                        head_doc=tampered.to_json(), proof_doc=None,
                                        now=utcnow(), held=held) == "rejected"


def test_another_root_of_a_held_size_is_a_split_view(coalition: Coalition) -> None:
    fra, irq = coalition["FRA"], coalition["IRQ"]
    head = _held_head(coalition)
    forged = make_tree_head(size=head.size, root=bytes(32), time=utcnow(),
                            key_id=fra.node.signing.kid, sign=fra.node.signing.sign)
    with irq.node.store.transaction() as s:
        held = logcheck.HeldHeads.read(s, {"FRA": forged.to_json()})
        assert not held.holds("FRA", forged)
        assert logcheck.check_page_head(s, roster=irq.node.roster, peer="FRA",
                                        head_doc=forged.to_json(), proof_doc=None,
                                        now=utcnow(), held=held) == "split_view"
        # Once both are stored, neither is "held" any more: every check runs again.
        again = logcheck.HeldHeads.read(s, {"FRA": head.to_json()})
        assert not again.holds("FRA", head)


def test_a_restore_epoch_awaiting_its_check_is_not_skipped() -> None:
    head = make_tree_head(size=3, root=bytes(32), time=utcnow(), key_id="k",
                          sign=lambda data: b"s")
    row = SimpleNamespace(id=1, size=3, root=bytes(32).hex(), time=head.time, key_id="k",
                          signature=head.to_json()["signature"])
    assert already_held(head, [row], [])
    assert not already_held(head, [], [])
    assert not already_held(head, [row], [SimpleNamespace(checked_at=None)])
    assert already_held(head, [row], [SimpleNamespace(checked_at=utcnow())])


def test_relayed_heads_are_the_newest_held_of_each_partner(coalition: Coalition) -> None:
    mli = coalition["MLI"]
    coalition["IRQ"].poll()
    mli.poll()
    coalition["FRA"].poll()
    mli.poll()
    with mli.node.store.read() as s:
        relayed = logcheck.relayed_heads(s, members=mli.node.roster.members, exclude=set())
        one_by_one = {p: latest_peer_head(audit_store(s), p) for p in ("FRA", "IRQ")}
    assert relayed == {p: h.to_json() for p, h in one_by_one.items() if h is not None}
    assert set(relayed) == {"FRA", "IRQ"}


def test_relayed_heads_are_those_of_roster_members_held_here(coalition: Coalition) -> None:
    """The heads a page relays are drawn from the roster's members (not from every
    head ever stored): members of whom nothing is held make way for those who are,
    however many there are, and a code that is not a member is never relayed."""
    mli = coalition["MLI"]
    coalition["IRQ"].poll()
    coalition["FRA"].poll()
    mli.poll()
    many = [f"Z{i:03d}" for i in range(100)] + ["FRA", "IRQ"]
    with mli.node.store.read() as s:
        assert set(logcheck.relayed_heads(s, members=many, exclude=set())) == {"FRA", "IRQ"}
        assert set(logcheck.relayed_heads(s, members=["FRA", "MLI"],
                                          exclude={"MLI"})) == {"FRA"}


def test_the_newest_heads_of_many_partners_are_those_read_one_by_one(
        coalition: Coalition) -> None:
    """Read together (16 partners a statement), each partner's newest head is its
    largest, the last stored of equal ones, as :func:`latest_peer_head` reads it."""
    session = coalition["MLI"].node.store.sessions()
    try:
        store = audit_store(session)
        peers = [f"P{i:02d}" for i in range(21)]
        for i, peer in enumerate(peers):
            for size in (3, 7 + i % 3, 7 + i % 3, 5):
                head = make_tree_head(size=size, root=bytes([i]) * 32, time=utcnow(),
                                      key_id=f"k{size}", sign=lambda data: b"s")
                store.add_peer_head(peer, head, received_at=utcnow())
        session.flush()
        newest = store.latest_peer_heads([*peers, "NOBODY"])
        assert set(newest) == set(peers)
        for peer in peers:
            one = store.latest_peer_head(peer)
            assert one is not None and newest[peer].id == one.id
            assert newest[peer].size == max(7 + peers.index(peer) % 3, 5)
    finally:
        session.rollback()
        session.close()
