"""Every page, in English, French and Arabic, with data on it: no visible word is left
out of the catalogue.

Data (names, references, dates, codes) is marked as such in the pages: inside
``<bdi>``, ``<code>``, ``<time>`` or an element with ``dir`` or ``lang``. Outside
data, a French or Arabic page may show no English message of the catalogue, no raw
code of a vocabulary (``assets_freeze``, ``remote_screening``), and an Arabic page no
Latin word at all. No page has two elements with the same id (the screening page had,
with its errors and values shown in both of its forms).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import coalition
import pytest
from babel.messages.pofile import read_po
from page_tour import every_page

import fts_share.web

TRANSLATIONS = Path(fts_share.web.__file__).parent / "translations"
DATA_TAGS = frozenset({"bdi", "code", "time", "kbd", "samp", "script", "style", "svg"})
VOID = frozenset({"br", "hr", "img", "input", "link", "meta", "wbr", "col", "source"})
SHOWN_ATTRS = ("title", "aria-label", "placeholder", "alt")
#: Words that are the same in every language (names of formats and standards).
EVERYWHERE = frozenset({"CSV", "JSON", "XML", "TLP", "UTC", "RFC", "UTF", "ISO", "KB", "YYYY", "MM",
                        "DD", "AMBER", "STRICT", "RED", "GREEN", "CLEAR"})


class VisibleText(HTMLParser):
    """Text nodes and shown attributes, each with whether it is marked as data."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []
        self.found: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        data = bool(self.stack and self.stack[-1]) or tag in DATA_TAGS \
            or "dir" in names or "lang" in names
        for attr in SHOWN_ATTRS:
            if names.get(attr):
                self.found.append((str(names[attr]), data))
        if tag not in VOID:
            self.stack.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.found.append((data.strip(), bool(self.stack and self.stack[-1])))


def visible(html: str) -> list[tuple[str, bool]]:
    """(text, is data) of a page's body."""
    parser = VisibleText()
    parser.feed(html[html.index("<body"):])
    return parser.found


def english_messages(lang: str) -> set[str]:
    """Every English message marked in the code and templates (extracted as pybabel
    does), less those that the ``lang`` catalogue keeps as they are ("CSV"); for a
    message with placeholders, its longest fixed piece, unless a translation has the
    same piece between its placeholders (French "Page %(page)s sur %(pages)s": the
    page numbers are isolated, so "Page" stands alone)."""
    from babel.messages.extract import extract_from_dir

    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalogue = read_po(f, locale=lang)
    same = {m.id for m in catalogue if m.id and m.id == m.string}
    translated = {piece.strip(" .,:;()") for m in catalogue if m.id
                  for text in (m.string if isinstance(m.string, tuple) else (m.string,))
                  for piece in re.split(r"%\(\w+\)[sd]|%s", text or "")}
    web = Path(fts_share.web.__file__).parent
    found = extract_from_dir(str(web), [("**.py", "python"), ("templates/**.html", "jinja2")],
                             keywords={"_": None, "gettext": None, "ngettext": (1, 2),
                                       "_l": None, "lazy_gettext": None})
    out = set()
    for _file, _line, msg, _comments, _context in found:
        for text in ([msg] if isinstance(msg, str) else list(msg)):
            if text in same:
                continue
            piece = max(re.split(r"%\(\w+\)[sd]|%s", text), key=len).strip(" .,:;()")
            if len(piece) > 3 and piece not in translated:
                out.add(piece)
    return out


def leaks(html: str, lang: str, english: set[str]) -> list[str]:
    """What a ``lang`` page shows outside data that is not in ``lang``."""
    found = []
    for text, data in visible(html):
        if data:
            continue
        if any(text == e or (len(e) >= 12 and e in text) for e in english):
            found.append(f"untranslated: {text!r}")
        elif re.search(r"\b[a-z]+_[a-z_]+\b", text):
            found.append(f"raw code: {text!r}")
        elif lang == "ar":
            words = set(re.findall(r"[A-Za-z]{2,}", text)) - EVERYWHERE
            if words:
                found.append(f"Latin words {sorted(words)}: {text!r}")
    return found


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_every_page_is_in_its_language(tour: tuple[coalition.Coalition, dict[str, str]],
                                       lang: str) -> None:
    c, ids = tour
    english = english_messages(lang) if lang != "en" else set()
    problems: dict[str, list[str]] = {}
    for what, resp in every_page(c, ids, lang):  # type: ignore[misc]
        assert resp.status_code < 500, what
        assert resp.status_code != 404 or what == "not found", what
        page = resp.text
        assert f'lang="{lang}"' in page, what
        ids = re.findall(r'\sid="([^"]+)"', page)
        assert len(ids) == len(set(ids)), f"{what}: duplicate ids"
        found = leaks(page, lang, english) if lang != "en" else []
        if found:
            problems[what] = found
    assert not problems, "\n".join(f"{w}: {p}" for w, ps in problems.items() for p in ps)


def test_the_check_finds_what_it_looks_for() -> None:
    assert {"Asset freeze", "Match alerts", "rows screened"} <= english_messages("fr")
    english = {"Asset freeze"}
    page = ('<body><p>Asset freeze</p><p>assets_freeze</p><p>تجميد <bdi>Karim</bdi></p>'
            '<p dir="auto">Karim Benali</p><p>Karim</p><span title="Open">x</span></body>')
    found = leaks(page, "ar", english)
    assert found == ["untranslated: 'Asset freeze'", "raw code: 'assets_freeze'",
                     "Latin words ['Karim']: 'Karim'", "Latin words ['Open']: 'Open'"]


_: Callable[..., object] = visible
