"""Every page of the tour (tests/web/page_tour.py), in English, French and Arabic, has
no accessibility violation that axe-core finds in Chromium (WCAG 2.0 and 2.1, levels A
and AA) — issue 17, item 9.

The pages are the test client's answers (the same as the catalogue test's, with data,
errors shown and results), handed to Chromium on the origin of the node that serves
them, so that the page's stylesheet, fonts and scripts load from the real server as
they would for a user. One browser, one coalition, each page once per language.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import coalition
import pytest
from page_tour import every_page
from web_helpers import CHROMIUM

import fts_share.web

pytestmark = pytest.mark.browser

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip(f"{CHROMIUM} is missing (install the Debian chromium package)",
                allow_module_level=True)

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, Route

#: The rules of WCAG 2.0 and 2.1, levels A and AA.
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        "resultTypes": ["violations", "incomplete"]}
#: Where a page of the tour is shown (on the node's origin; the route below answers it).
TOUR_PATH = "/__accessibility_tour__"
#: Whether the page's own stylesheet applies (color-contrast needs the real colours).
STYLED = "[...document.styleSheets].some(s => s.href && s.cssRules.length > 0)"
#: The text of an SVG chart (fts_share/web/charts.py).
CHART_TEXT = re.compile(r'<text [^>]*class="chart-(label|value)"')
STYLE = Path(fts_share.web.__file__).parent / "static" / "style.css"
#: Headers of the node's answer that are kept (the CSP among them: scripts run as served).
KEPT = ("content-type", "content-security-policy")


def violations(page: Page) -> list[dict[str, Any]]:
    """What axe-core (injected by the context) finds on ``page`` under :data:`WCAG`: its
    violations, and what it could not decide ("needs review") except the contrast of
    the text of the SVG charts (axe cannot compute a background behind SVG text; its
    colour on the chart's paper is measured by test_chart_text_contrast)."""
    found = page.evaluate("o => axe.run(document, o)", WCAG)
    undecided = []
    for v in found["incomplete"]:
        nodes = [n for n in v["nodes"] if not (v["id"] == "color-contrast" and CHART_TEXT.match(
            n["html"]))]
        if nodes:
            undecided.append({**v, "id": v["id"] + " (needs review)", "nodes": nodes})
    out: list[dict[str, Any]] = found["violations"] + undecided
    return out


def luminance(colour: str) -> float:
    """The relative luminance of ``#rrggbb`` (WCAG 2.1)."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """The contrast ratio of two colours (WCAG 2.1), 1 to 21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_chart_text_contrast() -> None:
    css = STYLE.read_text()
    paper = re.search(r"--paper:\s*(#[0-9a-fA-F]{6})", css)
    ink = re.search(r"\.chart-label, \.chart-value \{[^}]*fill:\s*(#[0-9a-fA-F]{6})", css)
    assert paper and ink, "style.css names the chart's paper and text colours"
    # The labels and values are drawn beside the bars, on the paper, at 13px.
    assert contrast(ink.group(1), paper.group(1)) >= 4.5
    assert round(contrast("#767676", "#ffffff"), 2) == 4.54


def report(what: str, violations: list[dict[str, Any]]) -> list[str]:
    """One line per element of each violation: page, rule, impact, target, summary."""
    lines = []
    for v in violations:
        for node in v["nodes"]:
            lines.append(f"{what}: {v['id']} ({v['impact']}) at {node['target']}: "
                         f"{node.get('failureSummary', '').splitlines()[-1:]} — {v['help']}")
    return lines


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_no_page_has_an_axe_violation(browser: Browser,
                                      tour: tuple[coalition.Coalition, dict[str, str]],
                                      lang: str) -> None:
    c, ids = tour
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    context.add_init_script(Axe().axe_script)  # axe-core, injected into every page
    page = context.new_page()
    shown: dict[str, Any] = {}

    def answer(route: Route) -> None:
        resp = shown["resp"]
        route.fulfill(status=resp.status_code, body=resp.data,
                      headers={k: v for k, v in resp.headers.items() if k.lower() in KEPT})

    origin = c["IRQ"].url
    page.route(origin + TOUR_PATH, answer)
    problems: list[str] = []
    pages = 0
    try:
        for what, resp in every_page(c, ids, lang):
            assert resp.status_code < 500, what
            shown["resp"] = resp
            page.goto(origin + TOUR_PATH, wait_until="load")
            assert page.locator("html").get_attribute("lang") == lang, what
            assert page.evaluate(STYLED), f"{what}: the stylesheet did not load"
            problems += report(what, violations(page))
            pages += 1
    finally:
        context.close()
    assert pages >= 35
    assert not problems, f"{len(problems)} axe violations ({lang}):\n" + "\n".join(problems)


def test_the_check_finds_what_it_looks_for(browser: Browser) -> None:
    context = browser.new_context()
    context.add_init_script(Axe().axe_script)
    page = context.new_page()
    page.set_content('<html><body><main><img src="x.png"><form><input type="text">'
                     '</form><p style="color:#bbb;background:#fff">Faint</p></main></body>'
                     '</html>')
    found = {v["id"] for v in violations(page)}
    context.close()
    assert {"image-alt", "label", "html-has-lang", "color-contrast"} <= found
    label = {"id": "label", "impact": "critical", "help": "Form elements must have labels",
             "nodes": [{"target": ["#f-x"], "failureSummary": "Fix:\n  no label"}]}
    assert report("a page", [label]) == [
        "a page: label (critical) at ['#f-x']: ['  no label'] — Form elements must have labels"]
