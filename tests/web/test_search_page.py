"""The officer's search page for received notices, and the count of new alerts that
every officer page shows in its menu. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import coalition
import pytest
from page_tour import PURPOSE, client_of, post, prepare
from sqlalchemy import select
from web_helpers import shown

from fts_share.storage.audit_tables import AuditEntry
from fts_share.web import search

PAGE = "/officer/search/"


@pytest.fixture
def started(tmp_path: Path, store_urls: Callable[[], str]) -> Iterator[tuple[coalition.Coalition,
                                                                            dict[str, str]]]:
    c = coalition.build(tmp_path, store_urls, [("FRA", "member"), ("IRQ", "member")],
                        post_quantum={"FRA": False, "IRQ": False})
    ids = prepare(c)
    yield c, ids
    c.close()


def rows(html: str) -> list[str]:
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    return [re.sub(r"<[^>]+>", " ", r) for r in body.split("<tr>")[1:]]


def test_search_by_arabic_or_latin_name_links_to_the_notice(
        started: tuple[coalition.Coalition, dict[str, str]]) -> None:
    c, _ids = started
    officer = client_of(c["IRQ"], "officer")
    for name in ("صدام حسين", "Saddam Hussein"):
        page = post(officer, PAGE, {**PURPOSE, "name": name}, PAGE)
        assert page.status_code == 200
        assert "1 notice found" in shown(page.text)
        [row] = rows(page.text)
        assert "Saddam Hussein al-Tikriti" in row and "1937-04-28" in row and "Iraq" in row
        notice = re.findall(r'href="/officer/notices/([0-9a-f-]{36})"', page.text)
        assert len(notice) == 1
    filtered = post(officer, PAGE, {**PURPOSE, "nationality": "FRA", "dob_from": "1990"}, PAGE)
    [row] = rows(filtered.text)
    assert "Karim Benali" in row and "Saddam" not in filtered.text
    none = post(officer, PAGE, {**PURPOSE, "origin": "FRA", "dob_to": "1900"}, PAGE)
    assert "No received notice meets these criteria." in none.text
    with c["IRQ"].node.store.read() as db:
        logged = list(db.scalars(select(AuditEntry).where(
            AuditEntry.object_type == "notice_search")))
    assert len(logged) == 4 and all(e.purpose == "border_screening" for e in logged)


def test_bad_input_is_shown_next_to_its_field(
        started: tuple[coalition.Coalition, dict[str, str]]) -> None:
    c, _ids = started
    officer = client_of(c["IRQ"], "officer")
    page = post(officer, PAGE, {"name": "Saddam\x01", "dob_from": "19x0", "page": "9" * 400},
                PAGE)
    assert page.status_code == 422
    for field in ("name", "dob_from", "purpose", "legal_basis"):
        assert f'id="err-{field}"' in page.text, field
    backwards = post(officer, PAGE, {**PURPOSE, "dob_from": "1990", "dob_to": "1980"}, PAGE)
    assert backwards.status_code == 422 and 'id="err-dob_to"' in backwards.text
    empty = post(officer, PAGE, PURPOSE, PAGE)
    assert empty.status_code == 422 and "Give a name or at least one other criterion." in empty.text
    french = client_of(c["IRQ"], "officer", lang="fr")
    assert "Indiquez un nom" in post(french, PAGE, PURPOSE, PAGE).text


def test_pages_of_results_keep_the_criteria(
        started: tuple[coalition.Coalition, dict[str, str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    c, _ids = started
    officer = client_of(c["IRQ"], "officer")
    first = post(officer, PAGE, {**PURPOSE, "dated_from": "2000-01-01"}, PAGE)
    assert "2 notices found" in shown(first.text) and "Next page" not in first.text
    monkeypatch.setattr(search, "PER_PAGE", 1)
    first = post(officer, PAGE, {**PURPOSE, "dated_from": "2000-01-01"}, PAGE)
    assert "Page 1 of 2" in shown(first.text) and len(rows(first.text)) == 1
    pager = first.text[first.text.index('class="pager"'):]
    form = pager[:pager.index("</form>")]
    fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', form))
    assert fields["dated_from"] == "2000-01-01" and fields["purpose"] == "border_screening"
    assert fields["legal_basis"] == "UNSCR-2178"
    second = officer.post(PAGE, data={**fields, "page": "2"})
    assert "Page 2 of 2" in shown(second.text) and len(rows(second.text)) == 1
    assert rows(second.text) != rows(first.text)


def test_only_officers_reach_the_search(
        started: tuple[coalition.Coalition, dict[str, str]]) -> None:
    c, _ids = started
    reviewer = client_of(c["IRQ"], "reviewer")
    assert reviewer.get(PAGE).status_code == 403


def test_every_officer_page_counts_the_new_alerts_without_names(
        started: tuple[coalition.Coalition, dict[str, str]]) -> None:
    c, _ids = started
    officer = client_of(c["IRQ"], "officer")
    for url in ("/officer/", "/officer/publish", PAGE, "/officer/screen/"):
        html = officer.get(url).text
        menu = html[html.index("<nav"):html.index("</nav>")]
        badge = re.search(r'<a href="/officer/alerts"[^>]*>Match alerts <span class="count" '
                          r'id="new-alerts"><bdi dir="ltr">(\d+)</bdi> new</span></a>', menu)
        assert badge and int(badge.group(1)) >= 1, url
        assert "Saddam" not in menu and "Karim" not in menu
    quiet = client_of(c["FRA"], "officer")  # FRA raised no alert
    assert 'id="new-alerts"' not in quiet.get("/officer/").text
