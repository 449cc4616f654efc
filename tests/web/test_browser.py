"""The pages in a real browser: Playwright driving Debian's Chromium headless against
real nodes (tests/coalition.py, waitress servers): right-to-left layout, the fonts the
package ships, and the reading order of data inside Arabic text. The officer and
reviewer flows, in each language, are in test_browser_flows.py.

These run on SQLite only (``sqlite_store_urls``): the test-client
tests in test_pages.py cover both stores. Outside CI they are skipped when
/usr/bin/chromium is missing; in CI (``CI`` set) a missing browser is a failure.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import coalition
import pytest
from web_helpers import CHROMIUM, add_watchlist

SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
pytestmark = pytest.mark.browser

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip(f"{CHROMIUM} is missing (install the Debian chromium package)",
                allow_module_level=True)

from playwright.sync_api import Browser, Page, expect


@pytest.fixture
def nodes(tmp_path: Path, sqlite_store_urls: Callable[[], str]) -> Iterator[coalition.Coalition]:
    c = coalition.build(tmp_path, sqlite_store_urls, [("FRA", "member"), ("IRQ", "member")],
                        post_quantum={"FRA": False, "IRQ": False})
    add_watchlist(c["IRQ"])
    yield c
    c.close()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def signed_in(browser: Browser, member: coalition.Member, role: str, **options: Any) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(member.url + "/")
    page.locator("#f-token").fill(member.tokens[role])
    with page.expect_navigation(wait_until="load"):  # the sign-in redirect, done before the test goes on
        page.locator("main form button.primary").click()
    return page


def test_arabic_session_is_right_to_left(browser: Browser, nodes: coalition.Coalition) -> None:
    page = signed_in(browser, nodes["FRA"], "officer", locale="ar")
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ar")
    expect(page.locator("h1")).to_have_text("الإشعارات الواردة")
    page.get_by_role("link", name="نشر إشعار").click()
    expect(page.locator("#f-name_ar")).to_have_attribute("dir", "rtl")
    box = page.locator("header .brand").bounding_box()
    assert box is not None and box["x"] > 640, "the brand sits on the right in Arabic"
    shot(page, "arabic-publish")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("dir", "ltr")


@pytest.mark.parametrize(("locale", "family"), [("ar", "Noto Naskh Arabic"),
                                                ("en", "Noto Sans"), ("fr", "Noto Sans")])
def test_the_pages_render_with_the_fonts_the_package_ships(
        browser: Browser, nodes: coalition.Coalition, locale: str, family: str) -> None:
    page = signed_in(browser, nodes["FRA"], "officer", locale=locale)
    fetched: list[str] = []
    page.on("requestfinished", lambda r: fetched.append(r.url))
    page.reload()
    page.evaluate("document.fonts.ready.then(() => true)")
    faces = page.evaluate("""() => Array.from(document.fonts).map(
        f => [f.family.replace(/"/g, ''), f.weight, f.status])""")
    assert [family, "400", "loaded"] in faces, faces
    used = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert used.replace('"', "").startswith(family), used
    fonts = [u for u in fetched if u.endswith(".woff2")]
    assert fonts and all(u.startswith(nodes["FRA"].url + "/web-static/fonts/") for u in fonts)
    assert all(u.startswith(nodes["FRA"].url) for u in fetched), "nothing fetched elsewhere"
    response = page.request.get(fonts[0])
    assert response.status == 200 and response.headers["content-type"] == "font/woff2"


def _reading_order(page: Page, selector: str) -> list[tuple[str, float, float]]:
    """Each element's text with the on-screen x of its first and of its last character."""
    return [tuple(x) for x in page.evaluate("""(selector) =>
        Array.from(document.querySelectorAll(selector)).slice(0, 8).map(el => {
            const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
            const text = walker.nextNode(), range = document.createRange();
            range.setStart(text, 0); range.setEnd(text, 1);
            const first = range.getBoundingClientRect().left;
            range.setStart(text, text.length - 1); range.setEnd(text, text.length);
            return [text.textContent, first, range.getBoundingClientRect().left];
        })""", selector)]


def test_dates_inside_arabic_sentences_read_left_to_right(
        browser: Browser, nodes: coalition.Coalition) -> None:
    fra, irq = nodes["FRA"], nodes["IRQ"]
    status, _, _ = fra.api("POST", "/api/v1/notices", token="officer",
                           body=coalition.notice(recipients=["IRQ"]))
    assert status == 201
    irq.poll()
    status, listing, _ = irq.api("GET", "/api/v1/alerts", token="officer")
    assert status == 200 and listing["items"], listing
    alert = listing["items"][0]["id"]
    status, body, _ = irq.api("POST", f"/api/v1/alerts/{alert}/decision", token="officer",
                              body={"decision": "confirmed", "reason": "Same person."})
    assert status == 200, body
    page = signed_in(browser, irq, "officer", locale="ar")
    page.goto(irq.url + "/officer/alerts?status=confirmed")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    times = _reading_order(page, "p.decided time")
    assert times, "a decided alert says when, in an Arabic sentence"
    for text, first, last in times:
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", text), text
        # "2026-12-05 03:16" must not be shown as "03:16 2026-12-05": the year is at
        # the left and the minutes at the right, inside a right-to-left sentence.
        assert first < last, (text, first, last)


#: The runs of data in a page's <main> (and its header's counts): each run of Latin
#: letters and digits (a number, a reference, a Latin name), with the text node around
#: it, the direction its element is laid out in, and whether its characters stand left
#: to right on the screen in the order they are written.
DATA_RUNS = """() => {
  const DATA = /[A-Za-z0-9](?:[A-Za-z0-9._:\\/+\\-\\s]*[A-Za-z0-9])?/g;
  const out = [], range = document.createRange();
  for (const root of document.querySelectorAll("main, header nav")) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      if (el.closest("script, style, select, svg")) continue;
      for (const m of node.textContent.matchAll(DATA)) {
        const xs = [];
        let top = null;
        for (let i = m.index; i < m.index + m[0].length; i++) {
          if (/\\s/.test(node.textContent[i])) continue;
          range.setStart(node, i); range.setEnd(node, i + 1);
          const box = range.getBoundingClientRect();
          if (box.width === 0 && box.height === 0) break;  // not shown (closed details)
          if (top === null) top = box.top;
          if (Math.abs(box.top - top) > 2) break;  // the rest wraps onto the next line
          xs.push(box.left);
        }
        if (!xs.length) continue;
        out.push({run: m[0], node: node.textContent, html: el.outerHTML.slice(0, 120),
                  direction: getComputedStyle(el).direction,
                  ordered: xs.every((x, i) => i === 0 || x > xs[i - 1])});
      }
    }
  }
  return out;
}"""
ARABIC_LETTER = re.compile("[\u0600-\u06ff]")
#: The Arabic pages of the tour (tests/web/page_tour.py) whose data is checked: the
#: published and received lists, notices, alerts, screening results, search results
#: and the audit log.
BIDI_PAGES = ("inbox", "inbox published", "notice", "alerts new", "alert", "decided alert",
              "screen one", "screen batch", "search results", "log", "published notice")
#: Where a page of the tour is shown in Chromium (the route below answers it).
TOUR_PATH = "/__bidi_tour__"


def _catalogue_pieces(lang: str) -> list[str]:
    """The literal pieces of the ``lang`` catalogue's translations (split at their
    placeholders and tags), whitespace collapsed."""
    from babel.messages.pofile import read_po

    import fts_share.web

    po = Path(fts_share.web.__file__).parent / "translations" / lang / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as f:
        catalogue = read_po(f)
    pieces = []
    for message in catalogue:
        for text in message.string if isinstance(message.string, tuple) else (message.string,):
            pieces += [" ".join(p.split()) for p in re.split(r"%\(\w+\)s|<[^>]*>", text or "")]
    return [p for p in pieces if p]


def _misread(runs: list[dict[str, Any]], pieces: list[str]) -> list[dict[str, Any]]:
    """The runs that are not isolated (laid out right to left with the Arabic around
    them) or whose characters are not shown in their written order; words of the
    catalogue's own Arabic sentences (e.g. a resolution's number) are not data."""
    bad = []
    for r in runs:
        text = " ".join(r["node"].split())
        if ARABIC_LETTER.search(text) and any(text in p for p in pieces):
            continue
        if r["direction"] != "ltr" or not r["ordered"]:
            bad.append(r)
    return bad


def test_the_reading_order_check_finds_a_misread_date(browser: Browser) -> None:
    page = browser.new_page()
    page.set_content('<html lang="ar" dir="rtl"><body><main><p>قرر الضابط في 2026-12-05 03:16'
                     '</p><p>قرر الضابط في <bdi dir="ltr">2026-12-05 03:16</bdi></p></main>'
                     '</body></html>')
    runs = page.evaluate(DATA_RUNS)
    page.close()
    assert [(r["run"], r["direction"], r["ordered"]) for r in runs] == [
        ("2026-12-05 03:16", "rtl", False), ("2026-12-05 03:16", "ltr", True)]
    assert _misread(runs, []) == [runs[0]]


def test_numbers_references_and_latin_names_read_in_their_own_order(
        browser: Browser, tour: tuple[coalition.Coalition, dict[str, str]]) -> None:
    """Issue 17, item 2: in the Arabic pages, every score, count, sequence number,
    notice id, UN reference, document number and Latin name is isolated and shown in
    the order it is written (as dates are, above)."""
    from page_tour import every_page

    c, ids = tour
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ar")
    page = context.new_page()
    shown: dict[str, Any] = {}
    origin = c["IRQ"].url
    page.route(origin + TOUR_PATH, lambda route: route.fulfill(
        status=shown["resp"].status_code, body=shown["resp"].data,
        headers={"content-type": shown["resp"].headers["content-type"]}))
    pieces = _catalogue_pieces("ar")
    seen: set[str] = set()
    problems = []
    try:
        for what, resp in every_page(c, ids, "ar"):
            if what not in BIDI_PAGES:
                continue
            shown["resp"] = resp
            page.goto(origin + TOUR_PATH, wait_until="load")
            assert page.locator("html").get_attribute("dir") == "rtl", what
            runs = page.evaluate(DATA_RUNS)
            seen |= {r["run"] for r in runs}
            problems += [f"{what}: {r['run']!r} ({r['direction']}, ordered={r['ordered']}) "
                         f"in {r['html']}" for r in _misread(runs, pieces)]
    finally:
        context.close()
    # The pages do show the kinds of data the check is about.
    assert {"Karim Benali", "12AB34567"} <= seen, sorted(seen)
    assert any(re.fullmatch(r"0\.\d{2}", r) for r in seen), sorted(seen)  # a score
    assert any(re.fullmatch(r"[A-Z]{2}i\.\d+", r) for r in seen), sorted(seen)
    assert not problems, "\n".join(problems)
