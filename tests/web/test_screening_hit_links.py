"""Batch screening results lead somewhere, on both stores: each hit links to its
received notice's page or to its list entry's page (read-only, officers only), carries
the decision taken on it (the alert's status, or no alert), and the results filter by
decision, combined with score and measure, paged and exported the same way."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import coalition
import pytest
from flask.testing import FlaskClient
from page_tour import NOTICE, client_of, post
from sqlalchemy import select, update
from test_screening_jobs import SCREEN
from web_helpers import add_watchlist, csrf_of, shown

from fts_share.clock import utcnow
from fts_share.services.unit import unit_of_work
from fts_share.storage.audit_tables import AuditEntry
from fts_share.storage.models import WatchlistEntry
from fts_share.web import screening_results

ROWS = "ref,name\nR1,Karim Ben Ali\nR2,Jean Dupont\nR3,Omar Haddad\n"
W17, W18 = "national:national:W-17", "national:national:W-18"


@pytest.fixture
def irq(tmp_path: Path, store_urls: Callable[[], str]
        ) -> Iterator[tuple[coalition.Coalition, FlaskClient, str, str]]:
    """FRA's notice received at IRQ (an alert on W-17), W-18 under a travel ban, and
    IRQ's officer's batch: (coalition, officer, results url, notice id)."""
    c = coalition.build(tmp_path, store_urls, [("FRA", "member"), ("IRQ", "member")],
                        post_quantum={"FRA": False, "IRQ": False})
    add_watchlist(c["IRQ"])
    with unit_of_work(c["IRQ"].node, utcnow()) as work:
        work.session.execute(update(WatchlistEntry).where(WatchlistEntry.id == W18)
                             .values(measures=["travel_ban"]))
    fra = client_of(c["FRA"], "officer")
    assert post(fra, "/officer/publish", NOTICE, "/officer/publish").status_code == 302
    c["IRQ"].poll()
    notice = re.findall(r"/officer/notices/([0-9a-f-]{36})",
                        fra.get("/officer/?box=published").text)[0]
    officer = client_of(c["IRQ"], "officer")
    token = csrf_of(officer.get("/officer/screen/").text)
    resp = officer.post("/officer/screen/batch", content_type="multipart/form-data", data={
        **SCREEN, "csrf_token": token,
        "file": (io.BytesIO(ROWS.encode()), "l.csv", "text/csv")})
    assert resp.status_code == 302, resp.text
    yield c, officer, str(resp.headers["Location"]), notice
    c.close()


def refs(page: str) -> list[str]:
    return re.findall(r'<h2 id="row-\d+"><bdi>(R\d)</bdi>', page)


def test_each_hit_links_to_its_notice_or_list_entry(irq: tuple[coalition.Coalition,
                                                                FlaskClient, str, str]) -> None:
    c, officer, url, notice = irq
    page = officer.get(url).text
    entry_link = "/officer/screen/entries/" + W17
    notice_link = f"/officer/notices/{notice}"
    assert f'href="{entry_link}"' in page and f'href="{notice_link}"' in page
    entry = officer.get(entry_link)
    assert entry.status_code == 200
    assert "W-17" in entry.text and "Karim Ben Ali" in entry.text
    assert "Abou Souleymane al-Faransi" in entry.text and "National list" in entry.text
    w18 = officer.get("/officer/screen/entries/" + W18).text
    assert "Travel ban" in w18 and "Omar Haddad" in w18
    # each opening of a list entry is logged: who, which entry, which list, no names
    with c["IRQ"].node.store.read() as db:
        opened = list(db.scalars(select(AuditEntry).where(
            AuditEntry.action == "open", AuditEntry.object_type == "list_entry")))
    assert [(e.object_id, e.actor) for e in opened] == [(W17, "user:irq-officer"),
                                                        (W18, "user:irq-officer")]
    assert all("Karim" not in str(e.detail) for e in opened)
    assert officer.get(notice_link).status_code == 200
    # a received notice's subject is read on its notice's page (purpose first), not here
    assert officer.get(f"/officer/screen/entries/notice:FRA:{notice}").status_code == 404
    assert officer.get("/officer/screen/entries/national:national:W-99").status_code == 404
    for role in ("reviewer", "admin"):
        other = client_of(c["IRQ"], role)
        assert other.get(entry_link).status_code == 403
        assert other.get(notice_link).status_code == 403


def test_each_hit_shows_the_decision_taken_on_it(irq: tuple[coalition.Coalition,
                                                             FlaskClient, str, str]) -> None:
    _c, officer, url, _notice = irq
    alert = re.findall(r'id="alert-(\d+)"', officer.get("/officer/alerts").text)[0]
    assert refs(officer.get(url + "?decision=new").text) == ["R1"]
    assert refs(officer.get(url + "?decision=none").text) == ["R3"]
    assert refs(officer.get(url + "?decision=confirmed").text) == []
    page = officer.get(url + "?decision=new").text
    assert f'href="/officer/alerts/{alert}"' in page and "<td>No alert</td>" not in page
    assert "<td>No alert</td>" in officer.get(url + "?decision=none").text
    done = post(officer, f"/officer/alerts/{alert}/decision",
                {"decision": "confirmed", "reason": "Same passport.", "back": "alert"},
                f"/officer/alerts/{alert}")
    assert done.status_code == 302
    assert refs(officer.get(url + "?decision=confirmed").text) == ["R1"]
    assert refs(officer.get(url + "?decision=new").text) == []
    # an unknown decision is no filter
    assert refs(officer.get(url + "?decision=maybe").text) == ["R1", "R2", "R3"]


def test_measure_and_decision_filters_combine_and_page(
        irq: tuple[coalition.Coalition, FlaskClient, str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    _c, officer, url, _notice = irq
    assert refs(officer.get(url + "?measure=travel_ban").text) == ["R3"]
    assert refs(officer.get(url + "?measure=travel_ban&decision=none").text) == ["R3"]
    assert refs(officer.get(url + "?measure=travel_ban&decision=new").text) == []
    assert refs(officer.get(url + "?measure=travel_ban&min_score=0.999").text) in ([], ["R3"])
    assert refs(officer.get(url + "?decision=new&min_score=0.5").text) == ["R1"]
    monkeypatch.setattr(screening_results, "PAGE_ROWS", 1)
    first = officer.get(url + "?hits=1").text
    assert "Page 1 of 2" in shown(first) and refs(first) == ["R1"]
    nxt = re.search(r'rel="next" href="([^"]+)"', first)
    assert nxt and "hits=1" in nxt.group(1)
    second = officer.get(nxt.group(1).replace("&amp;", "&")).text
    assert "Page 2 of 2" in shown(second) and refs(second) == ["R3"]
    one = officer.get(url + "?decision=new").text
    assert "Page 1 of 1" not in one and refs(one) == ["R1"]
    linked = officer.get(url + "?measure=travel_ban&decision=none&hits=1").text
    assert 'name="decision"' in linked and 'value="none" selected' in linked


def test_exports_carry_the_links_and_decisions_and_honour_the_filters(
        irq: tuple[coalition.Coalition, FlaskClient, str, str]) -> None:
    _c, officer, url, notice = irq
    rows = list(csv.DictReader(io.StringIO(
        officer.get(url + "/results.csv?decision=new").text)))
    assert {r["ref"] for r in rows} == {"R1"} and {r["decision"] for r in rows} == {"new"}
    links = {r["reference"]: r["link"] for r in rows}
    assert links[W17] == "http://localhost/officer/screen/entries/" + W17
    assert links[f"notice:FRA:{notice}"] == f"http://localhost/officer/notices/{notice}"
    rows = list(csv.DictReader(io.StringIO(
        officer.get(url + "/results.csv?measure=travel_ban&decision=none").text)))
    assert [(r["ref"], r["reference"], r["decision"]) for r in rows] == [("R3", W18, "none")]
    doc = json.loads(officer.get(url + "/results.json?decision=none").text)
    assert doc["filters"] == {"decision": "none"}
    assert [r["ref"] for r in doc["results"]] == ["R3"]
    hit = doc["results"][0]["hits"][0]
    assert hit["decision"] == "none" and hit["alert"] is None
    assert hit["link"].endswith("/officer/screen/entries/" + W18)
    assert officer.get(url + "/results.json?decision=confirmed").json["results"] == []


def test_a_single_screening_links_its_hits_too(irq: tuple[coalition.Coalition, FlaskClient,
                                                           str, str]) -> None:
    _c, officer, _url, notice = irq
    page = post(officer, "/officer/screen/", {**SCREEN, "name": "Karim Ben Ali"},
                "/officer/screen/").text
    assert f'href="/officer/screen/entries/{W17}"' in page
    assert f'href="/officer/notices/{notice}"' in page
