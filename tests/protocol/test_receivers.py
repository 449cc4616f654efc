"""What a receiving node does with objects that break the closed-object rule of
docs/protocol.md ("Versioning and extensions"), and with the notice's extension point.

A partner (here FRA, sealing by hand what its software would never write) sends
notices whose content is signed and well-formed as an envelope but not as a notice.
The protocol says such a notice is refused, recorded, and nothing of it stored: the
receiver validates it against schemas/ (fts_share.federation.wire) after the
cryptographic checks and before anything is stored."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import flows
import pytest
import wire_schemas
from coalition import Coalition, Member
from sqlalchemy import select

from fts_share.audit.heads import make_tree_head
from fts_share.clock import to_rfc3339, utcnow
from fts_share.services import dissemination, logcheck
from fts_share.services.unit import unit_of_work
from fts_share.storage.models import FederationEvent, Notice


def wire_notice(origin: Member, recipients: list[str]) -> dict[str, Any]:
    """A notice as ``origin`` would seal it (valid against notice.schema.json#/$defs/wire)."""
    notice = flows.notice_body(recipients)
    notice["handling"]["review_date"] = "2031-01-01"
    notice["subject"].update(place_of_birth=None)
    notice["provenance"] = {"id": str(uuid.uuid4()), "version": 1, "supersedes": None,
                            "origin": origin.code, "officer": "fra-officer",
                            "created": to_rfc3339(utcnow()), "recipients": recipients}
    wire_schemas.check(notice, "notice", "/$defs/wire")
    return notice


def send(origin: Member, notice: dict[str, Any], recipients: list[str] | None = None) -> None:
    """Seal ``notice`` in ``origin``'s outbox for its recipients, as its software does."""
    with unit_of_work(origin.node, utcnow()) as work:
        dissemination.append(work, payload={"notice": notice}, kind="notice", label="AMBER",
                             recipients=recipients or notice["provenance"]["recipients"],
                             notice_id=notice["provenance"]["id"], notice_version=1)


def held(member: Member, notice_id: str) -> list[Notice]:
    with member.node.store.read() as s:
        return list(s.scalars(select(Notice).where(Notice.notice_id == notice_id)).all())


def rejected(member: Member, origin: str) -> list[str]:
    with member.node.store.read() as s:
        return list(s.scalars(select(FederationEvent.detail).where(
            FederationEvent.peer == origin, FederationEvent.kind == "rejected")).all())


def test_a_conforming_notice_is_received(coalition: Coalition) -> None:
    fra, irq = coalition["FRA"], coalition["IRQ"]
    notice = wire_notice(fra, ["IRQ"])
    send(fra, notice)
    irq.poll()
    assert len(held(irq, notice["provenance"]["id"])) == 1 and rejected(irq, "FRA") == []


def test_a_notice_extension_is_kept_and_the_notice_flows(coalition: Coalition) -> None:
    """``ext`` is the notice's extension point: a receiver that does not know a member
    keeps it (in the signed statement) and handles the notice as usual."""
    fra, irq = coalition["FRA"], coalition["IRQ"]
    notice = wire_notice(fra, ["IRQ"])
    notice["ext"] = {"hit_feedback": {"wanted": True}}
    wire_schemas.check(notice, "notice", "/$defs/wire")
    send(fra, notice)
    irq.poll()
    notice_id = notice["provenance"]["id"]
    assert len(held(irq, notice_id)) == 1
    status, opened, _ = irq.api("GET", f"/api/v1/notices/{notice_id}{flows.OPEN}",
                                token="officer")
    assert status == 200 and opened["notice"]["ext"] == notice["ext"]


def _break(notice: dict[str, Any], change: str) -> None:
    prov = notice["provenance"]
    if change == "unknown-provenance-member":
        prov["relayed_by"] = "MLI"
    elif change == "unknown-notice-member":
        notice["feedback"] = True
    elif change == "string-supersedes":
        prov["version"], prov["supersedes"] = 2, "1"
    elif change == "no-provenance-recipients":
        del prov["recipients"]
    elif change == "unknown-handling-member":
        notice["handling"]["retention"] = "forever"
    elif change == "photo-of-another-type":  # a registered extension member, misshapen
        notice["ext"] = {"photo": {"media_type": "image/gif", "data": "R0lGODlh",
                                   "width": 20, "height": 20, "legal_basis": ["UNSCR-2396"]}}
    elif change == "photo-without-legal-basis":
        notice["ext"] = {"photo": {"media_type": "image/png", "data": "iVBORw0K",
                                   "width": 20, "height": 20}}
    elif change == "contact-with-a-person":
        notice["ext"] = {"contact": {"unit": "Desk", "email": "desk@example.org",
                                     "officer": "Jean Dupont"}}


@pytest.mark.parametrize("change", ["unknown-provenance-member", "unknown-notice-member",
                                    "string-supersedes", "no-provenance-recipients",
                                    "unknown-handling-member", "photo-of-another-type",
                                    "photo-without-legal-basis", "contact-with-a-person"])
def test_a_notice_that_breaks_its_schema_is_refused(coalition: Coalition,
                                                    change: str) -> None:
    fra, irq = coalition["FRA"], coalition["IRQ"]
    notice = copy.deepcopy(wire_notice(fra, ["IRQ"]))
    _break(notice, change)
    assert not wire_schemas.validator("notice", "/$defs/wire").is_valid(notice)
    send(fra, notice, ["IRQ"])
    irq.poll()
    assert held(irq, notice["provenance"]["id"]) == []
    [reason] = rejected(irq, "FRA")
    assert "notice.schema.json#/$defs/wire" in reason
    later = wire_notice(fra, ["IRQ"])  # the rest of the link still flows
    send(fra, later)
    irq.poll()
    assert len(held(irq, later["provenance"]["id"])) == 1


def test_findings_sent_in_pages_follow_the_schema(coalition: Coalition) -> None:
    fra, irq, mli = coalition["FRA"], coalition["IRQ"], coalition["MLI"]
    irq.poll()
    _, head, _ = fra.api("GET", "/api/v1/audit/tree-head", token="reviewer")
    forged = make_tree_head(size=head["size"], root=bytes(32), time=utcnow(),
                            key_id=fra.node.signing.kid, sign=fra.node.signing.sign)
    with irq.node.store.transaction() as s:  # IRQ is shown another history of FRA's log
        logcheck.check_page_head(s, roster=irq.node.roster, peer="FRA",
                                 head_doc=forged.to_json(), proof_doc=None, now=utcnow())
    with mli.node.store.transaction() as s:
        logcheck.check_page_head(s, roster=mli.node.roster, peer="FRA",
                                 head_doc=head, proof_doc=None, now=utcnow())
    irq.poll()  # MLI relays FRA's real head: IRQ finds the split view
    out = flows.Collected()
    page = flows.fetch_page(out, fra, irq)  # IRQ reports it to FRA in FRA's page
    assert page["findings"]
    wire_schemas.check(page, "feed-page")
