"""POST /api/v1/notices/search: an officer searches the notices received here by name
(any script, through the matching engine), nationality, date of birth, origin and
date; each search states its purpose and is logged without its values. On SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from coalition import Coalition, build, notice
from flask.testing import FlaskClient
from sqlalchemy import select

from fts_share.app import create_app
from fts_share.federation import wire
from fts_share.storage.audit_tables import AuditEntry

BASE = {"purpose": "investigation", "legal_basis": ["UNSCR-2178"]}
URL = "/api/v1/notices/search"


@pytest.fixture
def pair(tmp_path: Path, store_urls: Callable[[], str]) -> Iterator[tuple[Coalition, dict[str, str]]]:
    """FRA and MLI each publish to IRQ, which polls: three received notices at IRQ."""
    c = build(tmp_path, store_urls, [("FRA", "member"), ("IRQ", "member"), ("MLI", "member")],
              post_quantum={"FRA": False, "IRQ": False, "MLI": False})
    ids: dict[str, str] = {}
    for key, origin, body in [
            ("karim", "FRA", notice(recipients=["IRQ"])),
            ("omar", "FRA", notice(recipients=["IRQ"], names=[{"full": "Omar Haddad"}],
                                   dob={"value": "1980-05-02"}, nationalities=["SYR"])),
            ("karim_mli", "MLI", notice(recipients=["IRQ"], dob={"value": "2001"},
                                        nationalities=["MLI"]))]:
        status, out, _ = c[origin].api("POST", "/api/v1/notices", token="officer", body=body)
        assert status == 201, out
        ids[key] = out["id"]
    c["IRQ"].poll()
    yield c, ids
    c.close()


def officer(member: Any) -> tuple[FlaskClient, dict[str, str]]:
    return (create_app(node=member.node).test_client(),
            {"Authorization": f"Bearer {member.tokens['officer']}"})


def search(client: FlaskClient, auth: dict[str, str], **criteria: Any) -> Any:
    resp = client.post(URL, headers=auth, json={**BASE, **criteria})
    assert resp.status_code == 200, resp.get_json()
    doc = resp.get_json()
    assert wire.violation(doc, "notice-search") is None
    assert wire.violation({**BASE, **criteria}, "notice-search", "/$defs/query") is None
    return doc


def found(doc: Any) -> list[str]:
    return [i["notice"] for i in doc["items"]]


def test_a_name_finds_the_notice_in_latin_and_arabic_script(
        pair: tuple[Coalition, dict[str, str]]) -> None:
    c, ids = pair
    client, auth = officer(c["IRQ"])
    for name in ("Karim Benali", "كريم بن علي", "Kareem Ben Ali"):
        doc = search(client, auth, name=name)
        assert set(found(doc)) == {ids["karim"], ids["karim_mli"]}, name
        top = doc["items"][0]
        assert 0.5 <= top["score"] <= 1 and top["matched_name"] in top["names"]
        assert top["link"] == f"/api/v1/notices/{top['notice']}"
    assert found(search(client, auth, name="Omar Haddad")) == [ids["omar"]]
    assert search(client, auth, name="Jean Dupont")["total"] == 0


def test_filters_combine(pair: tuple[Coalition, dict[str, str]]) -> None:
    c, ids = pair
    client, auth = officer(c["IRQ"])
    assert found(search(client, auth, name="كريم بن علي", origin="MLI")) == [ids["karim_mli"]]
    assert found(search(client, auth, nationality="Syria")) == [ids["omar"]]
    assert found(search(client, auth, name="Karim Benali", nationality="FRA")) == [ids["karim"]]
    assert found(search(client, auth, dob_from="1980", dob_to="1980-05")) == [ids["omar"]]
    assert set(found(search(client, auth, dob_from="1990"))) == {ids["karim"], ids["karim_mli"]}
    assert search(client, auth, origin="FRA", dob_to="1979")["total"] == 0
    everything = search(client, auth, dated_from="2000-01-01")
    assert everything["total"] == 3 and len(everything["items"]) == 3
    assert search(client, auth, dated_to="2000-01-01")["total"] == 0
    item = next(i for i in everything["items"] if i["notice"] == ids["omar"])
    assert item["origin"] == "FRA" and item["dobs"] == ["1980-05-02"]
    assert item["nationalities"] == ["SYR"] and item["score"] is None


def test_results_are_paged(pair: tuple[Coalition, dict[str, str]]) -> None:
    c, _ids = pair
    client, auth = officer(c["IRQ"])
    pages = [search(client, auth, dated_from="2000-01-01", per_page=2, page=p) for p in (1, 2)]
    assert [len(p["items"]) for p in pages] == [2, 1]
    assert pages[0]["total"] == 3 and pages[0]["pages"] == 2
    assert not set(found(pages[0])) & set(found(pages[1]))


BAD = [
    ({"name": "Karim"}, "purpose"),
    ({**BASE, "purpose": "curiosity", "name": "Karim"}, "purpose"),
    ({**BASE}, "name"),
    ({**BASE, "name": "x" * 100_000}, "name"),
    ({**BASE, "name": "Karim\x00Benali"}, "name"),
    ({**BASE, "name": "Karim", "page": 10**30}, "page"),
    ({**BASE, "name": "Karim", "page": "2"}, "page"),
    ({**BASE, "name": "Karim", "per_page": 101}, "per_page"),
    ({**BASE, "dob_from": "1994-02-30"}, "dob_from"),
    ({**BASE, "dob_from": "1995", "dob_to": "1994"}, "dob_to"),
    ({**BASE, "dated_from": "2026"}, "dated_from"),
    ({**BASE, "dated_from": "2026-02-02", "dated_to": "2026-02-01"}, "dated_to"),
    ({**BASE, "nationality": "Atlantis"}, "nationality"),
    ({**BASE, "origin": "F1"}, "origin"),
    ({**BASE, "origin": "FRA", "extra": 1}, "extra"),
]


def test_bad_input_is_a_problem_naming_the_field(pair: tuple[Coalition, dict[str, str]]) -> None:
    c, _ids = pair
    client, auth = officer(c["IRQ"])
    for body, field in BAD:
        resp = client.post(URL, headers=auth, data=json.dumps(body),
                           content_type="application/json")
        assert resp.status_code == 422, (field, resp.get_json())
        assert resp.mimetype == "application/problem+json"
        assert field in resp.get_json()["errors"], field
    huge = client.post(URL, headers=auth, data='{"page": 1' + "0" * 5000 + "}",
                       content_type="application/json")
    assert huge.status_code == 400 and huge.mimetype == "application/problem+json"
    assert client.post(URL, headers=auth, data="[]",
                       content_type="application/json").status_code in (400, 422)


def test_a_name_the_engine_cannot_read_is_a_problem(
        pair: tuple[Coalition, dict[str, str]]) -> None:
    c, _ids = pair
    client, auth = officer(c["IRQ"])
    resp = client.post(URL, headers=auth, json={**BASE, "name": "al"})
    assert resp.status_code == 422 and "name" in resp.get_json()["errors"]


def test_only_officers_search(pair: tuple[Coalition, dict[str, str]]) -> None:
    c, _ids = pair
    client = create_app(node=c["IRQ"].node).test_client()
    for role in ("reviewer", "admin"):
        resp = client.post(URL, json={**BASE, "name": "Karim"},
                           headers={"Authorization": f"Bearer {c['IRQ'].tokens[role]}"})
        assert resp.status_code == 403
    assert client.post(URL, json={**BASE, "name": "Karim"}).status_code == 401


def test_every_search_is_logged_with_its_purpose_but_not_its_values(
        pair: tuple[Coalition, dict[str, str]]) -> None:
    c, _ids = pair
    client, auth = officer(c["IRQ"])
    search(client, auth, name="كريم بن علي", nationality="FRA", dob_from="1990")
    with c["IRQ"].node.store.read() as db:
        entries = list(db.scalars(select(AuditEntry).where(
            AuditEntry.object_type == "notice_search")))
    assert len(entries) == 1
    entry = entries[0]
    assert entry.action == "screen" and entry.purpose == "investigation"
    assert entry.legal_basis == ["UNSCR-2178"] and entry.actor == "user:irq-officer"
    assert entry.detail == {"criteria": ["name", "nationality", "dob_from"], "results": 1,
                            "page": 1}
    assert "كريم" not in json.dumps(entry.detail, ensure_ascii=False)
    assert "1990" not in json.dumps(entry.detail)


def test_searches_and_screenings_take_the_node_thresholds(
        pair: tuple[Coalition, dict[str, str]]) -> None:
    """An officer's search of received notices shows what scores at least the node's
    ``search_threshold``; a screening, ``threshold`` (``[matching]``, docs/matching.md)."""
    c, ids = pair
    irq = c["IRQ"]
    client, auth = officer(irq)
    name = "Kareem Ben Ali"
    score = max(i["score"] for i in search(client, auth, name=name)["items"])
    screened = irq.api("POST", "/api/v1/screen", token="officer",
                       body={**BASE, "name": name})[1]
    assert screened["hit"] and max(h["score"] for h in screened["hits"]) == score
    default = irq.node.match_config
    irq.node.match_config = replace(default, search_threshold=min(1.0, score + 0.01))
    assert search(client, auth, name=name)["total"] == 0
    irq.node.match_config = replace(default, threshold=min(1.0, score + 0.01))
    irq.node.caches.pop("watchlist_index")  # the node's index is made under its config
    assert set(found(search(client, auth, name=name))) == {ids["karim"], ids["karim_mli"]}
    assert irq.api("POST", "/api/v1/screen", token="officer",
                   body={**BASE, "name": name})[1]["hit"] is False
