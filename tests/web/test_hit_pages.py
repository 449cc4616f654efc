"""Hit feedback in the pages, on both stores: IRQ's officer confirms a match on FRA's
notice with a note; after FRA polls, FRA's officer sees the hit on the notice's page and
its count in the list of published notices, with the notice's related notices; IRQ's
alert page shows what was sent, or that the origin cannot receive hit feedback. Every
page in English, French and Arabic."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import coalition
import pytest
from page_tour import NOTICE, client_of, post
from test_every_word import english_messages, leaks
from web_helpers import add_watchlist

from fts_share.clock import utcnow

UPDATE = {k: v for k, v in NOTICE.items() if k != "action"}


@pytest.fixture
def started(tmp_path: Path, store_urls: Callable[[], str]
            ) -> Iterator[coalition.Coalition]:
    c = coalition.build(tmp_path, store_urls, [("FRA", "member"), ("IRQ", "member")],
                        post_quantum={"FRA": False, "IRQ": False})
    add_watchlist(c["IRQ"])
    yield c
    c.close()


def accept_hits(c: coalition.Coalition) -> None:
    c.version += 1

    def edit(entries: list[dict[str, object]]) -> None:
        for e in entries:
            if e["code"] == "FRA":
                e["protocols"] = [1, 2]

    c.publish_roster(c.roster_document(version=c.version, now=utcnow(), edit=edit))


def published_and_alert(c: coalition.Coalition) -> tuple[str, str]:
    """FRA publishes the test notice to IRQ; IRQ polls; the notice and IRQ's alert."""
    fra = client_of(c["FRA"], "officer")
    assert post(fra, "/officer/publish", NOTICE, "/officer/publish").status_code == 302
    c["IRQ"].poll()
    notice = re.findall(r"/officer/notices/([0-9a-f-]{36})",
                        fra.get("/officer/?box=published").text)[0]
    irq = client_of(c["IRQ"], "officer")
    alert = re.findall(r'id="alert-(\d+)"', irq.get("/officer/alerts").text)[0]
    return notice, alert


def confirm(c: coalition.Coalition, alert: str, note: str | None = None) -> str:
    irq = client_of(c["IRQ"], "officer")
    page = f"/officer/alerts/{alert}"
    data = {"decision": "confirmed", "reason": "Same passport.", "back": "alert"}
    if note:
        data["note"] = note
    done = post(irq, f"/officer/alerts/{alert}/decision", data, page, follow_redirects=True)
    assert done.status_code == 200
    return str(done.text)


def section(html: str, cls: str) -> str:
    start = html.index(f'<section class="{cls}"')
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start:html.index("</section>",
                                                                            start)]))


def test_the_origin_sees_the_hit_on_its_notice_and_in_its_list(
        started: coalition.Coalition) -> None:
    c = started
    accept_hits(c)
    notice, alert = published_and_alert(c)
    form = client_of(c["IRQ"], "officer").get(f"/officer/alerts/{alert}").text
    assert 'name="note"' in form
    irq_page = confirm(c, alert, note="Crossed at Trebil on 2 December.")
    sent = section(irq_page, "hit-feedback")
    assert "Hit confirmed" in sent and "France" in sent
    fra = client_of(c["FRA"], "officer")
    before = fra.get(f"/officer/notices/{notice}").text
    assert "No partner has reported a hit on this notice." in before
    c["FRA"].poll()
    page = fra.get(f"/officer/notices/{notice}").text
    hits = section(page, "hits")
    assert "Iraq" in hits and "Hit confirmed" in hits
    assert "Crossed at Trebil on 2 December." in hits and "irq-officer" in hits
    assert "Hit: reported by Iraq" in section(page, "related")
    listing = fra.get("/officer/?box=published").text
    assert re.search(r'<td class="hits">\s*(<bdi[^>]*>)?1(</bdi>)?\s*</td>', listing)
    # A new version supersedes the first: the notice page links them.
    opened = post(fra, f"/officer/notices/{notice}/open",
                  {"purpose": "investigation", "legal_basis": "UNSCR-2178", "intent": "edit"},
                  f"/officer/notices/{notice}")
    assert opened.status_code == 200
    assert post(fra, f"/officer/notices/{notice}/update",
                {**UPDATE, "version": "1", "action": "publish"},
                f"/officer/notices/{notice}").status_code == 302
    related = section(fra.get(f"/officer/notices/{notice}").text, "related")
    assert "Supersedes" in related and "version 2 replaces version 1" in related
    # Undoing the confirmation sends the withdrawal; the origin sees the current state.
    irq = client_of(c["IRQ"], "officer")
    post(irq, f"/officer/alerts/{alert}/decision",
         {"decision": "reopened", "reason": "Wrong date of birth.", "back": "alert"},
         f"/officer/alerts/{alert}")
    c["FRA"].poll()
    hits = section(fra.get(f"/officer/notices/{notice}").text, "hits")
    assert "Hit withdrawn" in hits and "Hit confirmed" in hits  # state and history
    assert re.search(r'<td class="hits">\s*(<bdi[^>]*>)?0', fra.get("/officer/?box=published").text)
    for lang in ("en", "fr", "ar"):
        english = english_messages(lang) if lang != "en" else set()
        pages = {"notice": client_of(c["FRA"], "officer", lang).get(f"/officer/notices/{notice}"),
                 "list": client_of(c["FRA"], "officer", lang).get("/officer/?box=published"),
                 "alert": client_of(c["IRQ"], "officer", lang).get(f"/officer/alerts/{alert}")}
        for what, resp in pages.items():
            assert resp.status_code == 200, what
            assert lang == "en" or leaks(resp.text, lang, english) == [], what


def test_the_page_says_when_the_origin_cannot_receive_hits(
        started: coalition.Coalition) -> None:
    c = started
    _notice, alert = published_and_alert(c)
    page = client_of(c["IRQ"], "officer").get(f"/officer/alerts/{alert}").text
    assert 'name="note"' not in page
    assert "France cannot receive hit feedback" in section(page, "hit-feedback")
    after = confirm(c, alert)
    assert "France cannot receive hit feedback" in section(after, "hit-feedback")
    assert "Hit confirmed" not in after
    for lang in ("fr", "ar"):
        resp = client_of(c["IRQ"], "officer", lang).get(f"/officer/alerts/{alert}")
        assert leaks(resp.text, lang, english_messages(lang)) == []
