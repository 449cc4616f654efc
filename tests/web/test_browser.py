"""The pages in a real browser: Playwright driving Debian's Chromium headless against
real nodes (tests/coalition.py, waitress servers).

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
from web_helpers import add_watchlist

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
pytestmark = pytest.mark.browser

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip(f"{CHROMIUM} is missing (install the Debian chromium package)",
                allow_module_level=True)

from playwright.sync_api import Browser, Page, expect, sync_playwright


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), f"{CHROMIUM} is required in CI"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


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
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(member.url + "/")
    page.locator("#f-token").fill(member.tokens[role])
    with page.expect_navigation(wait_until="load"):  # the sign-in redirect, done before the test goes on
        page.locator("main form button.primary").click()
    return page


def fill_notice(page: Page) -> None:
    page.get_by_label("Name in Arabic script").fill("كريم بن علي")
    page.get_by_label("Name in Latin script").fill("Karim Benali")
    page.get_by_label("Other name 1").fill("Abou Souleymane al-Faransi")
    page.get_by_label("Kind of name 1").select_option("nom_de_guerre")
    page.get_by_label("Sex").select_option("male")
    page.get_by_label("Date of birth", exact=True).fill("1994")
    page.get_by_label("The date of birth is approximate").check()
    page.get_by_label("Nationality 1").select_option("FRA")
    page.get_by_label("Kind of movement").select_option("departure")
    page.locator("#f-movement_place").fill("Paris")
    page.locator('input[name="legal_basis"][value="UNSCR-2178"]').check()
    page.locator('input[name="recipients"][value="IRQ"]').check()


def test_publish_receive_confirm_and_review(browser: Browser, nodes: coalition.Coalition) -> None:
    """Publish on FRA through the form; IRQ polls; its officer confirms the match side
    by side; its reviewer sees the entries and the verified badge."""
    fra, irq = nodes["FRA"], nodes["IRQ"]
    page = signed_in(browser, fra, "officer")
    page.get_by_role("link", name="Publish a notice").click()
    fill_notice(page)
    page.get_by_label("Other name 1").press("End")
    expect(page.locator("#name-preview .preview-name").first).to_be_visible()
    shot(page, "officer-publish")
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("Notice published to 1 partner(s).")
    shot(page, "officer-published")

    reports = irq.poll()
    assert sum(r.result.decrypted for r in reports) == 1

    officer = signed_in(browser, irq, "officer")
    expect(officer.locator("table.data tbody tr")).to_have_count(1)
    shot(officer, "officer-inbox")
    officer.get_by_role("link", name="Open", exact=True).click()
    officer.get_by_label("Investigation").check()
    officer.locator('input[name="legal_basis"][value="UNSCR-2178"]').check()
    officer.get_by_role("button", name="Open the notice").click()
    expect(officer.locator(".names")).to_contain_text("كريم بن علي")
    shot(officer, "officer-notice")
    officer.get_by_role("link", name="Match alerts").click()
    card = officer.locator("article.alert-card").first
    expect(card.locator(".side").nth(1)).to_contain_text("national:national:W-17")
    expect(card.locator("details.explanation li.reason-part-matched").first).to_contain_text(
        re.compile(r"(same|another) (spelling|script)"))
    shot(officer, "officer-alerts")
    card.get_by_label("Reason").fill("Same date of birth and nationality.")
    card.get_by_role("button", name="Confirm the match").click()
    expect(officer.locator(".flash")).to_contain_text("Confirmed")
    officer.get_by_role("link", name="Confirmed").click()
    expect(officer.locator("article.alert-card")).to_have_count(1)

    reviewer = signed_in(browser, irq, "reviewer")
    log = reviewer.locator("table.log")
    for action in ("receive", "open", "match created", "match decided"):
        expect(log).to_contain_text(action)
    shot(reviewer, "reviewer-log")
    assert "Karim" not in reviewer.content()
    reviewer.get_by_role("link", name="Tree head").click()
    expect(reviewer.locator("#verified-badge")).to_contain_text("Verified")
    shot(reviewer, "reviewer-tree")
    reviewer.get_by_role("link", name="Inclusion proof").click()
    reviewer.get_by_label("Entry number").fill("2")
    reviewer.get_by_role("button", name="Show the proof").click()
    expect(reviewer.locator("#proof-badge")).to_contain_text("Proof verified")
    shot(reviewer, "reviewer-proof")
    reviewer.get_by_role("link", name="Compliance report").click()
    expect(reviewer.locator("svg.chart")).to_have_count(6)
    shot(reviewer, "reviewer-report")


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


def test_bad_input_shows_errors_next_to_fields(browser: Browser,
                                               nodes: coalition.Coalition) -> None:
    page = signed_in(browser, nodes["FRA"], "officer")
    page.get_by_role("link", name="Publish a notice").click()
    page.get_by_label("Name in Latin script").fill("12345")
    page.get_by_label("Date of birth", exact=True).fill("1994-13-01")
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#err-name_latin")).to_contain_text("A name must contain letters.")
    expect(page.locator("#err-dob")).to_contain_text("no such day, month or year")
    expect(page.locator("#err-movement_place")).to_contain_text("Missing data")
    expect(page.locator("#f-dob")).to_have_attribute("aria-invalid", "true")
    shot(page, "publish-errors")
    with nodes["FRA"].node.store.read() as db:
        from sqlalchemy import func, select

        from fts_share.storage.models import Notice

        assert db.scalar(select(func.count()).select_from(Notice)) == 0


def test_without_javascript(browser: Browser, nodes: coalition.Coalition) -> None:
    """Publishing (with the server-side name preview) and screening work without JS."""
    page = signed_in(browser, nodes["FRA"], "officer", java_script_enabled=False)
    page.get_by_role("link", name="Publish a notice").click()
    fill_notice(page)
    page.get_by_role("button", name="Preview the names").click()
    expect(page.locator("#name-preview")).to_contain_text("How the engine reads the names")
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("Notice published")
    page.get_by_role("link", name="Screening").click()
    page.locator("#f-name").fill("Omar Haddad")
    page.locator('input[name="purpose"][value="border_screening"]').first.check()
    page.locator('input[name="legal_basis"][value="UNSCR-2178"]').first.check()
    page.get_by_role("button", name="Screen", exact=True).click()
    expect(page.locator("#res-title")).to_contain_text("Omar Haddad")
    shot(page, "screening")


def test_csrf_token_missing_is_refused(browser: Browser, nodes: coalition.Coalition) -> None:
    page = signed_in(browser, nodes["FRA"], "officer")
    page.get_by_role("link", name="Publish a notice").click()
    fill_notice(page)
    page.evaluate("document.querySelector('form.notice-form input[name=csrf_token]').remove()")
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator("h1")).to_contain_text("Bad request")


def test_reviewer_cannot_open_notice_content(browser: Browser,
                                             nodes: coalition.Coalition) -> None:
    page = signed_in(browser, nodes["FRA"], "reviewer")
    response = page.goto(nodes["FRA"].url + "/officer/")
    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_contain_text("Access refused")


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
