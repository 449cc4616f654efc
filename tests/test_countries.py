"""fts_share.countries: the ISO 3166-1 table and country_code()."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fts_share.countries import BY_ALPHA3, COUNTRIES, country, country_code, is_alpha3

ARABIC = re.compile("[\u0600-\u06ff]")


def test_every_current_iso_country_is_there() -> None:
    assert len(COUNTRIES) == 249
    assert len(BY_ALPHA3) == 249
    assert len({c.alpha2 for c in COUNTRIES}) == 249
    for c in COUNTRIES:
        assert re.fullmatch("[A-Z]{3}", c.alpha3) and re.fullmatch("[A-Z]{2}", c.alpha2)
        assert c.en and c.fr and ARABIC.search(c.ar), c


def test_against_the_system_iso_codes_if_installed() -> None:
    path = Path("/usr/share/iso-codes/json/iso_3166-1.json")
    if not path.exists():
        pytest.skip("iso-codes not installed")
    iso = {e["alpha_3"]: e["alpha_2"] for e in json.loads(path.read_text())["3166-1"]}
    assert iso == {c.alpha3: c.alpha2 for c in COUNTRIES}


@pytest.mark.parametrize("text, code", [
    ("IRQ", "IRQ"), ("irq", "IRQ"), ("IQ", "IRQ"), ("iq", "IRQ"), (" Iraq ", "IRQ"),
    ("IRAQ", "IRQ"), ("Irak", "IRQ"), ("العراق", "IRQ"), ("Republic of Iraq", "IRQ"),
    ("Syria", "SYR"), ("Syrie", "SYR"), ("سوريا", "SYR"), ("Syrian Arab Republic", "SYR"),
    ("Türkiye", "TUR"), ("turkiye", "TUR"), ("Turkey", "TUR"), ("Turquie", "TUR"),
    ("تركيا", "TUR"), ("Jordanie", "JOR"), ("الأردن", "JOR"), ("الاردن", "JOR"),
    ("Égypte", "EGY"), ("egypte", "EGY"), ("مصر", "EGY"), ("Tunisie", "TUN"),
    ("تونس", "TUN"), ("Maroc", "MAR"), ("المغرب", "MAR"), ("Arabie saoudite", "SAU"),
    ("السعودية", "SAU"), ("Royaume-Uni", "GBR"), ("royaume uni", "GBR"),
    ("United Kingdom", "GBR"), ("États-Unis", "USA"), ("etats unis", "USA"),
    ("Côte d'Ivoire", "CIV"), ("cote d’ivoire", "CIV"), ("Russia", "RUS"),
    ("Russian Federation", "RUS"), ("Allemagne", "DEU"), ("ألمانيا", "DEU"),
    ("Belgique", "BEL"), ("Afghanistan", "AFG"), ("أفغانستان", "AFG"),
    ("Palestine", "PSE"), ("فلسطين", "PSE"), ("Somalia", "SOM"),
])
def test_country_code(text: str, code: str) -> None:
    assert country_code(text) == code


def test_arabic_vowel_marks_and_tatweel_are_ignored() -> None:
    assert country_code("العِرَاق") == "IRQ"
    assert country_code("العـراق") == "IRQ"
    assert country_code("المملكة المتّحدة") == "GBR"


def test_every_name_and_code_round_trips() -> None:
    for c in COUNTRIES:
        for text in (c.alpha3, c.alpha2, c.en, c.fr, c.ar, *c.aliases,
                     c.en.upper(), c.fr.lower()):
            assert country_code(text) == c.alpha3, (text, c.alpha3)


@pytest.mark.parametrize("text", ["", "  ", "Atlantis", "XX", "ZZZ", "EUR", "IRQQ",
                                  "I", "x" * 10_000, "Iraq Syria"])
def test_unknown_raises_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        country_code(text)


@pytest.mark.parametrize("value", [None, 42, ["IRQ"], b"IRQ"])
def test_non_strings_raise_value_error(value: object) -> None:
    with pytest.raises(ValueError):
        country_code(value)


@given(st.text(max_size=50))
def test_any_text_gives_a_code_or_value_error(text: str) -> None:
    try:
        code = country_code(text)
    except ValueError:
        return
    assert is_alpha3(code)


def test_country_object_and_names() -> None:
    iraq = country("Irak")
    assert (iraq.alpha3, iraq.en, iraq.fr, iraq.ar) == ("IRQ", "Iraq", "Irak", "العراق")
    assert iraq.name("fr") == "Irak"
    assert is_alpha3("IRQ") and not is_alpha3("irq") and not is_alpha3("IQ")


def test_an_alpha3_code_is_looked_up_as_its_own_key() -> None:
    from fts_share.countries import _index, _key

    for code in BY_ALPHA3:  # what the shortcut returns is what the index gives
        assert _index()[_key(code)] == code == country_code(code)
