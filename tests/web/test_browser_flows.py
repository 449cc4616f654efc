"""Every officer and reviewer flow in a real browser, in English, French and Arabic
(issue 17 item 9): Playwright driving Debian's Chromium headless against real nodes.
Each flow finds its fields by their label and its buttons and links by their name in
the page's language (from the catalogue), so a label that is missing, untranslated or
not tied to its field fails here.

The flows: publish a notice with its details and photo, receive and open it (the
photo shown through its access-checked route), confirm its alert, review the log, the
tree head, a proof and the report; errors shown next to their fields; publishing and
screening without JavaScript; a batch screening and its export; a search of received
notices; updating and withdrawing a notice at its origin; the refusals (no CSRF token,
a reviewer on an officer page).

One pair of nodes serves each language's flows (module scope, per language); the
flows that need a fresh node say so. SQLite only (test_pages.py covers both stores).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import coalition
import pytest
from PIL import Image
from web_helpers import CHROMIUM, add_watchlist, catalogue

SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
LANGS = ("en", "fr", "ar")
pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip(f"{CHROMIUM} is missing (install the Debian chromium package)",
                allow_module_level=True)

from playwright.sync_api import Browser, Page, expect

T = Callable[..., str]


@pytest.fixture(scope="module", params=LANGS)
def lang(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def nodes(lang: str, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[coalition.Coalition]:
    """FRA and IRQ serving, photos on, IRQ with a national watchlist: one pair per
    language, shared by that language's flows."""
    folder = tmp_path_factory.mktemp(f"flows-{lang}")
    c = coalition.build(folder, coalition.sqlite_databases(folder),
                        [("FRA", "member"), ("IRQ", "member")],
                        post_quantum={"FRA": False, "IRQ": False})
    for member in c.members.values():
        member.node.config.handling.photos = True
    add_watchlist(c["IRQ"])
    yield c
    c.close()


@pytest.fixture(scope="module")
def t(lang: str) -> T:
    return catalogue(lang)


def shot(page: Page, name: str, lang: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{lang}.png"), full_page=True)


def signed_in(browser: Browser, member: coalition.Member, role: str, lang: str,
              **options: Any) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=lang,
                                  **options)
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(member.url + "/")
    page.locator("#f-token").fill(member.tokens[role])
    with page.expect_navigation(wait_until="load"):
        page.locator("main form button.primary").click()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    return page


def jpeg() -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Industries"
    Image.new("RGB", (90, 120), (10, 120, 200)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def fill_notice(page: Page, t: T) -> None:
    page.get_by_label(t("Name in Arabic script"), exact=True).fill("كريم بن علي")
    page.get_by_label(t("Name in Latin script"), exact=True).fill("Karim Benali")
    page.get_by_label(t("Other name %(n)s", n=1), exact=True).fill("Abou Souleymane al-Faransi")
    page.get_by_label(t("Kind of name %(n)s", n=1), exact=True).select_option("nom_de_guerre")
    page.get_by_label(t("Sex"), exact=True).select_option("male")
    page.get_by_label(t("Date of birth"), exact=True).fill("1994")
    page.get_by_label(t("The date of birth is approximate")).check()
    page.get_by_label(t("Nationality %(n)s", n=1), exact=True).select_option("FRA")
    page.get_by_label(t("Kind of movement")).select_option("departure")
    page.locator("#f-movement_place").fill("Paris")
    page.locator('input[name="legal_basis"][value="UNSCR-2178"]').check()
    page.locator('input[name="recipients"][value="IRQ"]').check()


def fill_details(page: Page, t: T) -> None:
    page.get_by_label(t("Case summary")).fill("Left Paris for Istanbul.\nTravelled with two.")
    page.get_by_label(t("Height (cm)")).fill("178")
    page.get_by_label(t("Build"), exact=True).select_option("slim")
    page.get_by_label(t("Eyes"), exact=True).fill("brown")
    page.get_by_label(t("Group %(n)s", n=1), exact=True).fill("ISIL")
    page.get_by_label(t("Group %(n)s: UN list reference", n=1)).fill("QDe.115")
    page.get_by_label(t("Unit"), exact=True).fill("DGSI, FTF liaison desk")
    page.get_by_label(t("E-mail"), exact=True).fill("ftf-desk@example.fr")
    page.locator("#f-photo").set_input_files(files=[
        {"name": "subject.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
    page.locator('input[name="photo_legal_basis"][value="UNSCR-2396"]').check()


def open_with_purpose(page: Page, t: T) -> None:
    page.get_by_label(t("Investigation"), exact=True).check()
    page.locator('input[name="legal_basis"][value="UNSCR-2178"]').check()
    page.get_by_role("button", name=t("Open the notice")).click()


def test_publish_receive_confirm_and_review(browser: Browser, nodes: coalition.Coalition,
                                            t: T, lang: str) -> None:
    """Publish on FRA through the form, with the details and a photo; IRQ polls; its
    officer opens the notice (details and photo shown) and confirms the match side by
    side; its reviewer sees the entries, the verified tree head, a proof, the report."""
    fra, irq = nodes["FRA"], nodes["IRQ"]
    page = signed_in(browser, fra, "officer", lang)
    page.get_by_role("link", name=t("Publish a notice")).click()
    fill_notice(page, t)
    fill_details(page, t)
    page.get_by_label(t("Other name %(n)s", n=1), exact=True).press("End")
    expect(page.locator("#name-preview .preview-name").first).to_be_visible()
    shot(page, "officer-publish", lang)
    page.get_by_role("button", name=t("Publish"), exact=True).click()
    expect(page.locator(".flash")).to_contain_text(
        t("Notice published to %(n)s partner(s).", n=1))

    reports = irq.poll()
    assert sum(r.result.decrypted for r in reports) == 1

    officer = signed_in(browser, irq, "officer", lang)
    expect(officer.locator("table.data tbody tr")).to_have_count(1)
    officer.get_by_role("link", name=t("Open"), exact=True).click()
    open_with_purpose(officer, t)
    expect(officer.locator(".names")).to_contain_text("كريم بن علي")
    details = officer.locator("#notice-details")
    expect(details.locator("h2")).to_have_text(t("Case details"))
    for shown in ("Left Paris for Istanbul.", "ISIL", "QDe.115", "DGSI, FTF liaison desk",
                  "ftf-desk@example.fr", t("Slim")):
        expect(details).to_contain_text(shown)
    photo = details.get_by_role("img", name=t("Photo of the subject"))
    expect(photo).to_be_visible()
    # Loaded from the access-checked route (the strict CSP allows it): real pixels.
    assert photo.evaluate("img => img.complete && img.naturalWidth") == 90
    shot(officer, "officer-notice", lang)
    officer.get_by_role("link", name=t("Match alerts")).click()
    card = officer.locator("article.alert-card").first
    expect(card.locator(".side").nth(1)).to_contain_text("national:national:W-17")
    tails = [re.split(r"%\(\w+\)s", t(m))[-1].strip() for m in (
        "%(role)s: %(query)s = %(record)s (same spelling)",
        "%(role)s: %(query)s ≈ %(record)s (another spelling)",
        "%(role)s: %(query)s ≈ %(record)s (another script)")]
    expect(card.locator("details.explanation li.reason-part-matched").first).to_contain_text(
        re.compile("|".join(re.escape(x) for x in tails)))
    card.get_by_label(t("Reason")).fill("Same date of birth and nationality.")
    card.get_by_role("button", name=t("Confirm the match")).click()
    expect(officer.locator(".flash")).to_contain_text(t("Confirmed"))
    officer.locator('a[href$="status=confirmed"]').first.click()
    expect(officer.locator("article.alert-card")).to_have_count(1)

    reviewer = signed_in(browser, irq, "reviewer", lang)
    log = reviewer.locator("table.log")
    for action in ("receive", "open", "match created", "match decided"):
        expect(log).to_contain_text(t(action))
    assert "Karim" not in reviewer.content()
    shot(reviewer, "reviewer-log", lang)
    reviewer.get_by_role("link", name=t("Tree head")).click()
    expect(reviewer.locator("#verified-badge")).to_contain_text(t("Verified"))
    reviewer.get_by_role("link", name=t("Inclusion proof")).click()
    reviewer.get_by_label(t("Entry number")).fill("2")
    reviewer.get_by_role("button", name=t("Show the proof")).click()
    expect(reviewer.locator("#proof-badge")).to_contain_text(t("Proof verified"))
    reviewer.get_by_role("link", name=t("Compliance report")).click()
    expect(reviewer.locator("svg.chart")).to_have_count(6)
    shot(reviewer, "reviewer-report", lang)


def test_bad_input_shows_errors_next_to_fields(browser: Browser, nodes: coalition.Coalition,
                                               t: T, lang: str) -> None:
    page = signed_in(browser, nodes["FRA"], "officer", lang)
    page.get_by_role("link", name=t("Publish a notice")).click()
    page.get_by_label(t("Name in Latin script"), exact=True).fill("12345")
    page.get_by_label(t("Date of birth"), exact=True).fill("1994-13-01")
    page.get_by_label(t("Height (cm)")).fill("1780")
    page.get_by_label(t("Unit"), exact=True).fill("Desk")
    page.locator("#f-photo").set_input_files(files=[
        {"name": "x.gif", "mimeType": "image/gif", "buffer": b"GIF89a not an image"}])
    page.get_by_role("button", name=t("Publish"), exact=True).click()
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#err-name_latin")).to_contain_text(t("A name must contain letters."))
    expect(page.locator("#err-dob")).to_contain_text(
        t("Not a valid date: no such day, month or year."))
    expect(page.locator("#err-movement_place")).to_contain_text(
        t("Missing data for required field."))
    expect(page.locator("#err-desc_height")).to_contain_text(
        t("Enter a whole number from %(min)s to %(max)s.", min=40, max=260))
    expect(page.locator("#err-contact_phone")).to_contain_text(
        t("Give a phone number or an e-mail address."))
    expect(page.locator("#err-photo")).to_contain_text(t("Not a JPEG or PNG image."))
    expect(page.locator("#f-dob")).to_have_attribute("aria-invalid", "true")
    shot(page, "publish-errors", lang)


def test_without_javascript(browser: Browser, nodes: coalition.Coalition, t: T,
                            lang: str) -> None:
    """Publishing (with the server-side name preview) and screening work without JS."""
    page = signed_in(browser, nodes["FRA"], "officer", lang, java_script_enabled=False)
    page.get_by_role("link", name=t("Publish a notice")).click()
    fill_notice(page, t)
    page.get_by_role("button", name=t("Preview the names")).click()
    expect(page.locator("#name-preview")).to_contain_text(t("How the engine reads the names"))
    page.get_by_role("button", name=t("Publish"), exact=True).click()
    expect(page.locator(".flash")).to_contain_text(
        t("Notice published to %(n)s partner(s).", n=1))
    page.get_by_role("link", name=t("Screening"), exact=True).click()
    page.locator("#f-name").fill("Omar Haddad")
    page.locator('input[name="purpose"][value="border_screening"]').first.check()
    page.locator('input[name="legal_basis"][value="UNSCR-2178"]').first.check()
    page.get_by_role("button", name=t("Screen"), exact=True).click()
    expect(page.locator("#res-title")).to_contain_text("Omar Haddad")
    shot(page, "screening", lang)


def test_batch_screening_and_export(browser: Browser, nodes: coalition.Coalition, t: T,
                                    lang: str) -> None:
    irq = nodes["IRQ"]
    page = signed_in(browser, irq, "officer", lang)
    page.get_by_role("link", name=t("Screening"), exact=True).click()
    csv = "ref,name,dob\nR1,Omar Haddad,1980\nR2,Jean Dupont,1970\n"
    page.get_by_label(t("CSV file"), exact=True).set_input_files(files=[
        {"name": "list.csv", "mimeType": "text/csv", "buffer": csv.encode()}])
    page.locator('input[name="purpose"][value="border_screening"]').last.check()
    page.locator('input[name="legal_basis"][value="UNSCR-2178"]').last.check()
    page.get_by_role("button", name=t("Screen the file")).click()
    expect(page.locator("h1")).to_have_text(t("Batch result"), timeout=30_000)
    expect(page.locator("main")).to_contain_text("Omar Haddad")
    page.get_by_label(t("Rows with hits only")).check()
    page.get_by_role("button", name=t("Filter"), exact=True).click()
    expect(page.locator("section.result")).to_have_count(1)
    expect(page.locator("section.result")).to_contain_text("Omar Haddad")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV", exact=True).click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Omar Haddad" in exported and "Jean Dupont" not in exported
    shot(page, "screening-batch", lang)


def test_search_update_and_withdraw(browser: Browser, nodes: coalition.Coalition, t: T,
                                    lang: str) -> None:
    """IRQ searches the received notices by an Arabic spelling; FRA updates its
    notice (a new version with a new case summary) and withdraws it."""
    fra, irq = nodes["FRA"], nodes["IRQ"]
    status, _, _ = fra.api("POST", "/api/v1/notices", token="officer",
                           body=coalition.notice(recipients=["IRQ"], names=[
                               {"full": "Youssef Amrani", "kind": "primary"}]))
    assert status == 201
    irq.poll()
    page = signed_in(browser, irq, "officer", lang)
    page.goto(irq.url + "/officer/search/")
    page.get_by_label(t("Name"), exact=True).fill("يوسف العمراني")
    page.get_by_label(t("Investigation"), exact=True).check()
    page.locator('input[name="legal_basis"][value="UNSCR-2178"]').check()
    page.get_by_role("button", name=t("Search"), exact=True).click()
    expect(page.locator("#res-title")).to_be_visible()
    expect(page.locator("main table")).to_contain_text("Youssef Amrani")

    origin = signed_in(browser, fra, "officer", lang)
    origin.goto(fra.url + "/officer/?box=published")
    row = origin.locator("table.data tbody tr").first
    row.get_by_role("link", name=t("Update"), exact=True).click()
    open_with_purpose(origin, t)
    expect(origin.locator("h1")).to_have_text(t("Update a notice"))
    origin.get_by_label(t("Case summary")).fill("Seen in Gaziantep.")
    origin.get_by_role("button", name=t("Publish the new version")).click()
    expect(origin.locator(".flash")).to_contain_text(t("Notice updated: version %(v)s.", v=2))
    origin.locator("table.data tbody tr").first.get_by_role(
        "link", name=t("Withdraw"), exact=True).click()
    origin.get_by_label(t("Reason")).fill("Identity resolved.")
    origin.get_by_role("button", name=t("Withdraw the notice")).click()
    expect(origin.locator(".flash")).to_contain_text(t("Notice withdrawn."))
    shot(origin, "withdrawn", lang)


def test_refusals(browser: Browser, nodes: coalition.Coalition, t: T, lang: str) -> None:
    """A form posted without its CSRF token is refused; a reviewer on an officer page
    is refused; both say so in the page's language."""
    page = signed_in(browser, nodes["FRA"], "officer", lang)
    page.get_by_role("link", name=t("Publish a notice")).click()
    fill_notice(page, t)
    page.evaluate("document.querySelector('form.notice-form input[name=csrf_token]').remove()")
    page.get_by_role("button", name=t("Publish"), exact=True).click()
    expect(page.locator("h1")).to_contain_text(t("Bad request"))
    reviewer = signed_in(browser, nodes["FRA"], "reviewer", lang)
    response = reviewer.goto(nodes["FRA"].url + "/officer/")
    assert response is not None and response.status == 403
    expect(reviewer.locator("h1")).to_contain_text(t("Access refused"))
