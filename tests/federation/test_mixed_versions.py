"""Mixed versions (issue 15 item 7): a federation in which FRA runs the current protocol
and IRQ and JOR the next revision, whose notices carry a new optional member in ``ext``
(docs/protocol.md, "Versioning and extensions"). The test follows the document's
upgrade order for partners:

1. IRQ and JOR deploy software that reads the next revision and still sends the
   current one: nothing changes on the wire, notices flow both ways.
2. The secretariat lists the new version in IRQ's and JOR's ``members[].protocols``
   (FRA's entry has none: ``[1]``); every node installs that roster (an open object:
   the old node ignores nothing it needs, refuses nothing).
3. Senders seal at the highest version every recipient accepts: the node implements
   version 1 only, so every envelope to FRA stays at ``v`` 1. The next revision's
   notices carry ``ext.travel_companions``, which the rules allow within version 1 (an
   extension a receiver may ignore): the old node accepts the notice, keeps the
   extension inside the signed statement it holds (it shows in the export) and ignores
   it; the new node reads it. Nothing is refused, nothing is silently dropped, and
   notices from the old node keep arriving at the new ones.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from coalition import Coalition, Member, build, notice, sqlite_databases
from helpers import PURPOSE, audit, new_roster, notice_ids, publish, received_seqs
from sqlalchemy import select

from fts_share.clock import utcnow
from fts_share.services import publishing
from fts_share.services.unit import unit_of_work
from fts_share.storage.models import OutboxEnvelope

pytestmark = pytest.mark.timeout(240)

NEXT = ("IRQ", "JOR")
EXTENSION = {"travel_companions": 2}


@pytest.fixture
def federation(tmp_path: Path) -> Iterator[Coalition]:
    urls = sqlite_databases(tmp_path)
    c = build(tmp_path, urls, [("FRA", "member"), ("IRQ", "member"), ("JOR", "member")])
    yield c
    c.close()


def publish_next(member: Member, recipients: list[str]) -> str:
    """A notice of the next revision: the current notice plus a registered ``ext``
    member (the next node's edge accepts it; this node's API still refuses it)."""
    data = publishing.read_notice_input(member.node.config, notice(recipients=recipients))
    data["ext"] = dict(EXTENSION)
    with unit_of_work(member.node, utcnow()) as work:
        row = publishing.publish(work, data=data,
                                 actor=publishing.Actor(f"{member.code.lower()}-officer",
                                                        "officer"))
        return str(row.notice_id)


def poll_clean(member: Member) -> dict[str, int]:
    """Poll every partner; no page failed, no envelope refused; received per partner."""
    reports = member.poll()
    assert all(r.ok for r in reports), [(r.peer, r.error) for r in reports]
    assert all(r.result.rejected == 0 for r in reports), [(r.peer, r.result) for r in reports]
    return {r.peer: r.result.received for r in reports}


def statement_of(member: Member, notice_id: str) -> dict[str, Any]:
    """The origin's signed statement ``member`` keeps (from the officer's export)."""
    status, body, _ = member.api("GET", f"/api/v1/notices/{notice_id}/export{PURPOSE}",
                                 token="officer")
    assert status == 200, body
    signed = body["authorship"]["signed"]
    return dict(json.loads(base64.urlsafe_b64decode(signed + "=" * (-len(signed) % 4))))


def test_notices_flow_both_ways_across_versions(federation: Coalition) -> None:
    fra, irq, jor = federation["FRA"], federation["IRQ"], federation["JOR"]
    # The current API refuses an extension nobody registered (docs/protocol.md).
    status, body, _ = fra.api("POST", "/api/v1/notices", token="officer",
                              body={**notice(recipients=["IRQ"]), "ext": EXTENSION})
    assert status == 422, body

    # Step 1: the new nodes read the next revision and still send the current one.
    old_1 = publish(fra, ["IRQ", "JOR"])
    plain = publish(irq, ["FRA"])
    assert poll_clean(irq)["FRA"] == 1 and poll_clean(jor)["FRA"] == 1
    assert poll_clean(fra)["IRQ"] == 1

    # Step 2: the roster lists the new version for the upgraded partners only.
    def list_next(entries: dict[str, dict[str, Any]]) -> None:
        for code in NEXT:
            entries[code]["protocols"] = [1, 2]

    version = new_roster(federation, list_next)
    for member in (fra, irq, jor):
        status, doc, _ = member.api("GET", "/api/v1/roster")
        assert status == 200 and doc["version"] == version
        assert {m["code"]: m.get("protocols") for m in doc["members"]} == {
            "FRA": None, "IRQ": [1, 2], "JOR": [1, 2]}

    # Step 3: the new nodes send the new optional member, to old and new partners alike.
    new_to_all = publish_next(irq, ["FRA", "JOR"])
    old_2 = publish(fra, ["IRQ", "JOR"])
    assert poll_clean(fra)["IRQ"] == 1
    assert poll_clean(jor) == {"FRA": 1, "IRQ": 1}
    assert poll_clean(irq)["FRA"] == 1

    # The old node accepted the notice, kept the extension inside the signed statement
    # it holds, and ignores it: its officer's view has no ext and nothing was refused.
    kept = statement_of(fra, new_to_all)
    assert kept["payload"]["notice"]["ext"] == EXTENSION
    status, opened, _ = fra.api("GET", f"/api/v1/notices/{new_to_all}{PURPOSE}",
                                token="officer")
    assert status == 200, opened
    assert opened["notice"]["subject"]["names"][0]["full"] == "Karim Benali"
    assert not audit(fra, action="reject") and not audit(jor, action="reject")
    # The new node reads it.
    assert statement_of(jor, new_to_all)["payload"]["notice"]["ext"] == EXTENSION

    # Everything published arrived where it was sent, in both directions.
    assert {old_1, old_2} <= set(_ids(irq, "FRA")) and {old_1, old_2} <= set(_ids(jor, "FRA"))
    assert {plain, new_to_all} <= set(_ids(fra, "IRQ"))
    assert received_seqs(fra, "IRQ") == [1, 2]
    # Every envelope any node sealed is of version 1 (what every recipient accepts).
    assert _header_versions(fra) == _header_versions(irq) == {1}



def _ids(member: Member, origin: str) -> list[str]:
    return notice_ids(member, origin)


def _header_versions(member: Member) -> set[int]:
    """The header ``v`` of every envelope ``member`` sealed."""
    with member.node.store.read() as s:
        texts = s.scalars(select(OutboxEnvelope.envelope)).all()
    return {json.loads(t)["header"]["v"] for t in texts}
