"""Countries for matching: thin wrappers over :mod:`fts_share.countries` (one table).

:func:`resolve_country` and :func:`country_code` accept what
:func:`fts_share.countries.country_code` accepts (alpha-3 and alpha-2 codes, English,
French and Arabic names and aliases) and, as watchlists write them, a few more
forms: inverted ISO names ("Korea, Democratic People's Republic of"), names without
their parenthesis, names folded like personal names (Arabic letter variants, ta
marbuta), and common short forms ("UK", "DPRK", "Syria", "سورية"), and demonyms in English, French
and Arabic ("Iraqi", "irakienne", "عراقي": ``demonyms``, curated data with its sources).

An unknown country is an error (:class:`~fts_share.errors.ValidationError` naming
the field) in :func:`country_code`; :func:`resolve_country` returns ``None`` instead,
for importers that keep the raw value.
"""

from __future__ import annotations

import re
from functools import lru_cache

from fts_share import countries as iso
from fts_share.errors import ValidationError
from fts_share.matching.refdata.demonyms import DEMONYMS
from fts_share.matching.text.normalize import fold

# Short forms in common use that the ISO names do not spell out.
_ALIASES = {
    "syria": "SYR", "iran": "IRN", "russia": "RUS", "uk": "GBR", "great britain": "GBR",
    "britain": "GBR", "england": "GBR", "usa": "USA", "us": "USA", "united states": "USA",
    "america": "USA", "palestine": "PSE", "state of palestine": "PSE", "bolivia": "BOL",
    "tanzania": "TZA", "venezuela": "VEN", "vietnam": "VNM", "viet nam": "VNM",
    "laos": "LAO", "north korea": "PRK", "dprk": "PRK", "south korea": "KOR",
    "moldova": "MDA", "turkey": "TUR", "turkiye": "TUR", "ivory coast": "CIV",
    "czech republic": "CZE", "macedonia": "MKD", "brunei": "BRN", "cape verde": "CPV",
    "swaziland": "SWZ", "burma": "MMR", "congo": "COG", "drc": "COD",
    "democratic republic of the congo": "COD", "holland": "NLD",
    "sudan": "SDN", "south sudan": "SSD", "libya": "LBY", "yemen": "YEM",
    "سوريا": "SYR", "سورية": "SYR", "فلسطين": "PSE", "ليبيا": "LBY",
}


def _key(name: str) -> str:
    # (the name fold keeps ç for the names' readings: a country's name is typed
    # with or without its cedilla, Curaçao / Curacao)
    return " ".join(fold(name).replace("-", " ").replace("ç", "c").split())


def _name_variants(name: str) -> list[str]:
    out = [_key(name)]
    m = re.fullmatch(r"(.+?),\s*(.+)", name)
    if m:
        out += [_key(f"{m.group(2)} {m.group(1)}"), _key(m.group(1))]
    plain = re.sub(r"\s*\(.*?\)", "", name)
    if plain != name:
        out.append(_key(plain))
    return out


@lru_cache(maxsize=1)
def _extra() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for c in iso.COUNTRIES:
        for name in (c.en, c.fr, c.ar, *c.aliases):
            for variant in _name_variants(name):
                lookup.setdefault(variant, c.alpha3)
    for alias, code in _ALIASES.items():
        lookup[_key(alias)] = code
    for code, forms in DEMONYMS.items():
        for form in forms:
            lookup.setdefault(_key(form), code)
    lookup.pop("", None)
    return lookup


@lru_cache(maxsize=4096)
def resolve_country(value: str) -> str | None:
    """The alpha-3 code for a code or a country name, or ``None`` if unknown."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    try:
        return iso.country_code(text)
    except ValueError:
        pass
    return _extra().get(_key(text[:200]))


def country_code(value: str, *, field: str = "nationality") -> str:
    """The alpha-3 code for ``value``; raises ``ValidationError({field: ...})`` if unknown."""
    code = resolve_country(value) if isinstance(value, str) else None
    if code is None:
        raise ValidationError({field: [f"unknown country: {str(value)[:60]!r}"]})
    return code


def country_names(code: str) -> dict[str, list[str]]:
    """English, French and Arabic short names of a country (``{"en": [...], ...}``)."""
    c = iso.BY_ALPHA3[country_code(code)]
    return {"en": [c.en], "fr": [c.fr], "ar": [c.ar]}
