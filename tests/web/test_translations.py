"""Every string of the pages has a French and an Arabic translation, and the shipped
.mo files are the compiled .po files."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

import fts_share.services
import fts_share.web
from fts_share.web.labels import VOCABULARIES

TRANSLATIONS = Path(fts_share.web.__file__).parent / "translations"


def catalog(lang: str):  # type: ignore[no-untyped-def]
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


def template_ids() -> set[object]:
    with open(TRANSLATIONS / "messages.pot", "rb") as f:
        return {m.id for m in read_po(f) if m.id}


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_every_msgid_is_translated(lang: str) -> None:
    cat = catalog(lang)
    ids = {m.id for m in cat if m.id}
    assert template_ids() <= ids, "run pybabel update after adding strings"
    untranslated = [m.id for m in cat if m.id and (
        not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
    assert untranslated == []
    assert not [m.id for m in cat if m.id and m.fuzzy]


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_placeholders_survive_translation(lang: str) -> None:
    import re

    for m in catalog(lang):
        if m.id and not isinstance(m.id, tuple):
            assert set(re.findall(r"%\(\w+\)s", m.id)) == set(re.findall(r"%\(\w+\)s", m.string)), m.id


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_mo_files_are_compiled_from_the_po_files(lang: str) -> None:
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo", "rb") as f:
        compiled = read_mo(io.BytesIO(f.read()))
    po = catalog(lang)
    def pairs(cat: object) -> dict[object, object]:
        return {(m.id if isinstance(m.id, str) else tuple(m.id)):
                (m.string if isinstance(m.string, str) else tuple(m.string))
                for m in cat if m.id}  # type: ignore[attr-defined]

    assert pairs(compiled) == pairs(po)


def test_every_template_string_is_extracted() -> None:
    """A string marked in a template or module but missing from messages.pot means the
    catalogue was not re-extracted."""
    from babel.messages.extract import extract_from_dir

    web = Path(fts_share.web.__file__).parent
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    found = {msg for _f, _l, msg, _c, _ctx in extract_from_dir(
        str(web), method_map, keywords={"_": None, "gettext": None, "ngettext": (1, 2),
                                        "_l": None, "lazy_gettext": None})}
    found = {m if isinstance(m, str) else m[0] for m in found}
    ids = {m if isinstance(m, str) else m[0] for m in template_ids()}
    assert found - ids == set()


def test_every_object_type_the_services_log_has_a_label() -> None:
    """The reviewer's log page names each entry's object by its translated label, not its
    code. Some entries are written only now and then (the refusals of a minute, logged
    once the minute has closed), so a page visit cannot be relied on to meet them all."""
    services = Path(fts_share.services.__file__).parent
    logged = set(re.findall(r'object_type="([a-z_-]+)"',
                            "".join(p.read_text() for p in services.glob("*.py"))))
    assert {"notice", "source", "list_entry"} <= logged
    assert logged <= set(VOCABULARIES["object_type"]), logged - set(VOCABULARIES["object_type"])
