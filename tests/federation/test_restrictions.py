"""The source's restrictions, enforced at every node: onward dissemination, TLP labels,
named users for RED, purposes, and recall of re-shared copies."""

from __future__ import annotations

from typing import Any

import pytest
from coalition import Coalition, notice
from sqlalchemy import select

from fts_share.storage.audit_tables import AuditEntry
from fts_share.storage.models import Notice, ReceivedEnvelope

Q = "purpose=investigation&legal_basis=UNSCR-2178"
SHARE = {"purpose": "investigation", "legal_basis": ["UNSCR-2178"]}


def publish(member: Any, **kwargs: Any) -> str:
    status, body, _ = member.api("POST", "/api/v1/notices", token="officer", body=notice(**kwargs))
    assert status == 201, body
    return str(body["id"])


def with_handling(body: dict[str, Any], **handling: Any) -> dict[str, Any]:
    body["handling"].update(handling)
    return body


def refusals(member: Any) -> list[AuditEntry]:
    with member.node.store.read() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == "access_refused")))


def test_no_onward_dissemination_blocks_share_and_export(coalition: Coalition) -> None:
    fra, irq = coalition["FRA"], coalition["IRQ"]
    body = with_handling(notice(recipients=["IRQ"]), caveats=["ct-only", "no-onward-dissemination"])
    status, out, _ = fra.api("POST", "/api/v1/notices", token="officer", body=body)
    assert status == 201
    nid = out["id"]
    irq.poll()
    status, problem, _ = irq.api("GET", f"/api/v1/notices/{nid}/export?{Q}", token="officer")
    assert status == 403 and "onward" in problem["detail"]
    status, problem, _ = irq.api("POST", f"/api/v1/notices/{nid}/share", token="officer",
                                 body={**SHARE, "recipients": ["MLI"]})
    assert status == 403
    assert [e.detail["attempted"] for e in refusals(irq)] == ["export", "share"]
    # The author itself may export its own notice.
    status, doc, _ = fra.api("GET", f"/api/v1/notices/{nid}/export?{Q}", token="officer")
    assert status == 200 and doc["notice"]["provenance"]["id"] == nid


@pytest.mark.parametrize("tlp", ["RED", "AMBER+STRICT"])
def test_strict_labels_are_never_reshared(coalition: Coalition, tlp: str) -> None:
    fra, irq = coalition["FRA"], coalition["IRQ"]
    body = notice(recipients=["IRQ"], tlp=tlp)
    if tlp == "RED":
        body["handling"]["named_users"] = ["irq-officer"]
    status, out, _ = fra.api("POST", "/api/v1/notices", token="officer", body=body)
    assert status == 201, out
    irq.poll()
    status, _, _ = irq.api("POST", f"/api/v1/notices/{out['id']}/share", token="officer",
                           body={**SHARE, "recipients": ["MLI"]})
    assert status == 403


def test_reshared_notice_keeps_origin_signature_and_is_recalled(coalition: Coalition) -> None:
    fra, irq, mli = coalition["FRA"], coalition["IRQ"], coalition["MLI"]
    nid = publish(fra, recipients=["IRQ"])
    irq.poll()
    status, out, _ = irq.api("POST", f"/api/v1/notices/{nid}/share", token="officer",
                             body={**SHARE, "recipients": ["MLI"]})
    assert status == 200 and out["shared_with"] == ["MLI"]
    mli.poll()
    status, opened, _ = mli.api("GET", f"/api/v1/notices/{nid}?{Q}", token="officer")
    assert status == 200, opened
    assert opened["origin"] == "FRA" and opened["notice"]["handling"]["tlp"] == "AMBER"
    assert opened["verified_author"] == fra.node.signing.kid
    # The source withdraws: IRQ purges and recalls the copy it gave MLI.
    assert fra.api("POST", f"/api/v1/notices/{nid}/withdraw", token="officer",
                   body={"reason": "mistaken identity"})[0] == 200
    irq.poll()
    mli.poll()
    status, _, _ = mli.api("GET", f"/api/v1/notices/{nid}?{Q}", token="officer")
    assert status == 410
    with mli.node.store.read() as s:
        assert all(r.ciphertext is None for r in s.scalars(select(Notice)))


def test_sharing_is_only_for_officers_and_received_notices(coalition: Coalition) -> None:
    fra, irq = coalition["FRA"], coalition["IRQ"]
    nid = publish(fra, recipients=["IRQ"])
    irq.poll()
    status, _, _ = irq.api("POST", f"/api/v1/notices/{nid}/share", token="reviewer",
                           body={**SHARE, "recipients": ["MLI"]})
    assert status == 403
    status, _, _ = fra.api("POST", f"/api/v1/notices/{nid}/share", token="officer",
                           body={**SHARE, "recipients": ["MLI"]})
    assert status == 409  # the author publishes a new version instead
    status, problem, _ = irq.api("POST", f"/api/v1/notices/{nid}/share", token="officer",
                                 body={**SHARE, "recipients": ["ZZZ"]})
    assert status == 422 and "recipients" in problem["errors"]


def test_red_is_shown_only_to_named_users(coalition: Coalition) -> None:
    fra, irq = coalition["FRA"], coalition["IRQ"]
    from fts_share.clock import utcnow
    from fts_share.services import accounts
    from fts_share.services.unit import Work

    body = notice(recipients=["IRQ"], tlp="RED")
    body["handling"]["named_users"] = ["irq-officer"]
    status, out, _ = fra.api("POST", "/api/v1/notices", token="officer", body=body)
    assert status == 201, out
    irq.poll()
    with irq.node.store.transaction() as s:
        other = accounts.create_user(Work(s, utcnow(), irq.node), name="irq-other",
                                     role="officer")
        token = accounts.issue_token(Work(s, utcnow(), irq.node), other)
    assert irq.api("GET", f"/api/v1/notices/{out['id']}?{Q}", token="officer")[0] == 200
    status, problem, _ = irq.api("GET", f"/api/v1/notices/{out['id']}?{Q}", token=token)
    assert status == 403 and "RED" in problem["detail"]


def test_opening_needs_a_purpose_the_source_allows(coalition: Coalition) -> None:
    fra, irq = coalition["FRA"], coalition["IRQ"]
    body = with_handling(notice(recipients=["IRQ"]), purposes=["border_screening"])
    status, out, _ = fra.api("POST", "/api/v1/notices", token="officer", body=body)
    assert status == 201
    irq.poll()
    nid = out["id"]
    status, problem, _ = irq.api("GET", f"/api/v1/notices/{nid}", token="officer")
    assert status == 422 and "purpose" in problem["errors"]
    status, problem, _ = irq.api("GET", f"/api/v1/notices/{nid}?{Q}", token="officer")
    assert status == 403 and "border_screening" in problem["detail"]
    ok = "purpose=border_screening&legal_basis=UNSCR-2178"
    assert irq.api("GET", f"/api/v1/notices/{nid}?{ok}", token="officer")[0] == 200
    with irq.node.store.read() as s:
        opened = s.scalars(select(AuditEntry).where(AuditEntry.action == "open")).all()
        assert [(e.purpose, e.legal_basis) for e in opened] == [("border_screening",
                                                                 ["UNSCR-2178"])]


def test_a_forged_reshare_by_a_non_recipient_is_refused(coalition: Coalition) -> None:
    """MLI forwards a statement it never received (it copies IRQ's content): refused."""
    fra, irq, mli = coalition["FRA"], coalition["IRQ"], coalition["MLI"]
    nid = publish(fra, recipients=["IRQ"])
    irq.poll()
    from fts_share.clock import utcnow
    from fts_share.services import dissemination
    from fts_share.services.unit import Work
    from fts_share.storage import notices as store

    with irq.node.store.read() as s:
        row = store.latest(s, nid)
        content = store.read_content(s, irq.node.storage_key, row)
    with mli.node.store.transaction() as s:
        dissemination.append(Work(session=s, now=utcnow(), node=mli.node), kind="notice",
                             label="AMBER",
                      payload={"forwarded": {"origin": "FRA", **content}}, recipients=["IRQ"],
                      notice_id=nid, notice_version=1)
    [report] = [r for r in irq.poll() if r.peer == "MLI"]
    assert report.result.rejected == 1
    with irq.node.store.read() as s:
        assert s.scalars(select(ReceivedEnvelope).where(ReceivedEnvelope.origin == "MLI")).all() == []
