"""A node that shows two partners different audit histories is caught, and the
reviewers on both sides see it."""

from __future__ import annotations

from coalition import Coalition
from sqlalchemy import select

from fts_share.audit.crosscheck import latest_peer_head, list_findings
from fts_share.audit.heads import make_tree_head
from fts_share.clock import utcnow
from fts_share.services import logcheck
from fts_share.storage.audit_store import audit_store
from fts_share.storage.audit_tables import AuditEntry


def test_split_view_is_detected_through_relayed_heads_and_reported_back(
        coalition: Coalition) -> None:
    fra, irq, mli = coalition["FRA"], coalition["IRQ"], coalition["MLI"]
    irq.poll()  # IRQ holds FRA's real head
    with irq.node.store.read() as s:
        real = latest_peer_head(audit_store(s), "FRA")
    assert real is not None
    # FRA shows MLI another history of the same size, signed with its real key.
    forged = make_tree_head(size=real.size, root=bytes(32), time=utcnow(),
                            key_id=fra.node.signing.kid, sign=fra.node.signing.sign)
    with mli.node.store.transaction() as s:
        assert logcheck.check_page_head(s, roster=mli.node.roster, peer="FRA",
                                        head_doc=forged.to_json(), proof_doc=None,
                                        now=utcnow()) is None
    # IRQ polls MLI, which passes on the head it holds of FRA: the split view shows.
    irq.poll()
    with irq.node.store.read() as s:
        findings = list_findings(audit_store(s), peer="FRA")
        # IRQ polls its partners in parallel: the conflict may be seen from both sides.
        assert 1 <= len(findings) <= 2 and "split_view" in {f.kind for f in findings}
        logged = s.scalars(select(AuditEntry).where(AuditEntry.action == "split_view")).all()
        assert len(logged) == len(findings) and {e.partner for e in logged} == {"FRA"}
    # FRA polls IRQ and learns what IRQ found: its reviewers see it too.
    fra.poll()
    status, body, _ = fra.api("GET", "/api/v1/audit/entries?action=split_view", token="reviewer")
    assert status == 200 and len(body["items"]) == len(findings)
    assert {e["detail"]["reported_by"] for e in body["items"]} == {"IRQ"}
    fra.poll()  # reported once, not once per poll
    status, body, _ = fra.api("GET", "/api/v1/audit/entries?action=split_view", token="reviewer")
    assert len(body["items"]) == len(findings)


def test_consistent_heads_raise_no_finding(coalition: Coalition) -> None:
    fra, irq = coalition["FRA"], coalition["IRQ"]
    from coalition import notice

    for _ in range(3):
        irq.poll()
        assert fra.api("POST", "/api/v1/notices", token="officer",
                       body=notice(recipients=["IRQ"]))[0] == 201
    irq.poll()
    with irq.node.store.read() as s:
        assert list_findings(audit_store(s)) == []
        assert latest_peer_head(audit_store(s), "FRA").size > 3  # type: ignore[union-attr]


def test_a_head_signed_by_another_key_is_refused(coalition: Coalition) -> None:
    irq, mli = coalition["IRQ"], coalition["MLI"]
    forged = make_tree_head(size=5, root=bytes(32), time=utcnow(),
                            key_id=mli.node.signing.kid, sign=mli.node.signing.sign)
    with irq.node.store.transaction() as s:
        assert logcheck.check_page_head(s, roster=irq.node.roster, peer="FRA",
                                        head_doc=forged.to_json(), proof_doc=None,
                                        now=utcnow()) == "rejected"
        assert latest_peer_head(audit_store(s), "FRA") is None
