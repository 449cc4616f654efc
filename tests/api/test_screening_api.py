"""POST /api/v1/screen and the match alerts, as an officer sees them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from coalition import FIXTURES, Coalition, build, notice
from flask.testing import FlaskClient
from sqlalchemy import select

from fts_share.app import create_app
from fts_share.clock import utcnow
from fts_share.federation import wire
from fts_share.services.unit import Work
from fts_share.services.watchlist_import import import_un_file
from fts_share.storage.audit_tables import AuditEntry

BASE = {"purpose": "border_screening", "legal_basis": ["UNSCR-2178"]}


@pytest.fixture
def pair(tmp_path: Path, store_urls: Callable[[], str]) -> Iterator[Coalition]:
    c = build(tmp_path, store_urls, [("FRA", "member"), ("IRQ", "member")])
    with c["IRQ"].node.store.transaction() as s:
        import_un_file(Work(s, utcnow(), c["IRQ"].node), FIXTURES / "un-excerpt.xml",
                       actor="system")
    yield c
    c.close()


def client_for(member: Any) -> tuple[FlaskClient, dict[str, str]]:
    return (create_app(node=member.node).test_client(),
            {"Authorization": f"Bearer {member.tokens['officer']}"})


def test_single_name_in_arabic_script_finds_the_listed_person(pair: Coalition) -> None:
    client, auth = client_for(pair["IRQ"])
    resp = client.post("/api/v1/screen", headers=auth,
                       json={**BASE, "name": "أبو بكر البغدادي", "nationality": "Iraq"})
    assert resp.status_code == 200, resp.get_json()
    doc = resp.get_json()
    top = doc["hits"][0]
    assert doc["hit"] and top["reference"] == "QDi.299"
    assert top["measures"] == ["asset freeze", "travel ban", "arms embargo"]
    assert top["explanation"]["parts"] and 0.7 <= top["score"] <= 1
    assert wire.violation(top["explanation"], "explanation") is None
    matched = [r["params"] for r in top["explanation"]["reasons"] if r["code"] == "part_matched"]
    assert "kunya" in {p["role"] for p in matched}
    # the parts as the officer typed them and as the list writes them, not as read
    assert {p["query"] for p in matched} == {"أبو بكر", "البغدادي"}
    said = {str(v) for r in top["explanation"]["reasons"] for v in r["params"].values()}
    from fts_share.matching import analyze_name
    readings = {x for name in (top["explanation"]["query_name"],
                               top["explanation"]["record_name"])
                for p in analyze_name(name).parts for f in p.forms for x in (f.skel, f.full)}
    assert not said & (readings | {"ابو بكر", "abu bakr"}), said & readings
    assert 0.5 < top["expected_precision"] == top["explanation"]["expected_precision"] <= 1
    assert {"code": "nationality_agrees", "params": {"countries": ["IRQ"]}} in \
        top["explanation"]["reasons"]


def test_a_typed_alias_list_is_read_as_aliases(pair: Coalition) -> None:
    """Officers and partners type several names in one field; each is searched."""
    client, auth = client_for(pair["IRQ"])
    query = "Yaser Khalaf al-Rawi aka Jaber Taha Falah aka Abou Khattab"
    doc = client.post("/api/v1/screen", headers=auth, json={**BASE, "name": query}).get_json()
    assert doc["hits"][0]["reference"] == "QDi.325"
    assert doc["hits"][0]["explanation"]["query_name"] in {
        "Yaser Khalaf al-Rawi", "Jaber Taha Falah", "Abou Khattab"}


def test_batch_reports_each_row_and_bad_rows_by_field(pair: Coalition) -> None:
    client, auth = client_for(pair["IRQ"])
    resp = client.post("/api/v1/screen", headers=auth, json={**BASE, "batch": [
        {"ref": "PAX-1", "name": "Aiman al-Zawahiri", "dob": "1951"},
        {"ref": "PAX-2", "name": "Marie Curie", "nationality": "FRA"}]})
    assert resp.status_code == 200
    doc = resp.get_json()
    assert doc["screened"] == 2 and doc["with_hits"] == 1
    assert [r["ref"] for r in doc["results"]] == ["PAX-1", "PAX-2"]
    resp = client.post("/api/v1/screen", headers=auth, json={**BASE, "batch": [
        {"ref": "PAX-1", "name": "Omar"}, {"ref": "PAX-2", "name": "x", "dob": "1990-02-30"}]})
    assert resp.status_code == 422
    assert "batch.1.dob" in resp.get_json()["errors"]
    for body in ({**BASE}, {**BASE, "name": "al"}, {"name": "Omar"},
                 {**BASE, "name": "Omar", "purpose": "curiosity"},
                 {**BASE, "name": "Omar", "nationality": "Atlantis"},
                 {**BASE, "name": "A" * 10_000}):
        resp = client.post("/api/v1/screen", headers=auth, json=body)
        assert resp.status_code == 422, body
        assert resp.mimetype == "application/problem+json" and resp.get_json()["errors"]


def test_incoming_notice_raises_an_alert_that_is_decided_once(pair: Coalition) -> None:
    fra, irq = pair["FRA"], pair["IRQ"]
    body = notice(recipients=["IRQ"], names=[{"full": "Ayman al-Zawahiri", "kind": "primary"}],
                  dob={"value": "1951-06-19", "approximate": False}, nationalities=["EGY"])
    assert fra.api("POST", "/api/v1/notices", token="officer", body=body)[0] == 201
    irq.poll()
    client, auth = client_for(irq)
    alerts = client.get("/api/v1/alerts?status=new", headers=auth).get_json()["items"]
    assert [(a["record"], a["kind"]) for a in alerts] == [("QDi.006", "travel_ban_hit")]
    alert = alerts[0]
    assert alert["measures"] and alert["explanation"]["parts"]
    url = f"/api/v1/alerts/{alert['id']}/decision"
    resp = client.post(url, headers=auth, json={"decision": "confirmed"})
    assert resp.status_code == 422 and "reason" in resp.get_json()["errors"]
    resp = client.post(url, headers=auth, json={"decision": "confirmed", "reason": "same person"})
    assert resp.status_code == 200 and resp.get_json()["status"] == "confirmed"
    resp = client.post(url, headers=auth, json={"decision": "confirmed", "reason": "again"})
    assert resp.status_code == 409
    resp = client.post(url, headers=auth, json={"decision": "reopened", "reason": "dob differs"})
    assert resp.status_code == 200 and resp.get_json()["status"] == "new"
    resp = client.post(url, headers=auth, json={"decision": "dismissed", "reason": "checked"})
    assert resp.status_code == 200 and resp.get_json()["status"] == "dismissed"
    with irq.node.store.read() as db:
        decided = [e.detail for e in db.scalars(select(AuditEntry).where(
            AuditEntry.action == "match_decided").order_by(AuditEntry.seq))]
    assert [(d["decision"], d["previous"], d["revision"]) for d in decided] == [
        ("confirmed", "new", 1), ("reopened", "confirmed", 2), ("dismissed", "new", 3)]
    assert all("same person" not in str(d) for d in decided)
    resp = client.post("/api/v1/alerts/999/decision", headers=auth,
                       json={"decision": "confirmed", "reason": "x"})
    assert resp.status_code == 404
    resp = client.post(f"/api/v1/alerts/{alert['id']}/decision", headers=auth,
                       json={"decision": "maybe"})
    assert resp.status_code == 422 and "decision" in resp.get_json()["errors"]


def test_a_second_partners_notice_matches_the_first(pair: Coalition, tmp_path: Path) -> None:
    """Received notices' subjects are indexed: a later notice about the same person,
    spelled otherwise, matches the earlier one."""
    fra, irq = pair["FRA"], pair["IRQ"]
    first = notice(recipients=["IRQ"], names=[{"full": "Tarek Boukhelifa", "kind": "primary"}],
                   dob={"value": "1989", "approximate": False}, nationalities=["DZA"])
    assert fra.api("POST", "/api/v1/notices", token="officer", body=first)[0] == 201
    irq.poll()
    second = notice(recipients=["IRQ"], names=[{"full": "طارق بوخليفة", "kind": "primary"}],
                    dob={"value": "1989", "approximate": False}, nationalities=["DZA"])
    _status, out, _ = fra.api("POST", "/api/v1/notices", token="officer", body=second)
    irq.poll()
    client, auth = client_for(irq)
    alerts = client.get("/api/v1/alerts", headers=auth).get_json()["items"]
    assert any(a["notice"] == out["id"] and a["record"].startswith("notice:FRA:")
               and a["source"] == "notice" for a in alerts), alerts
