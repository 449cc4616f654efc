"""Countries: ISO 3166-1 alpha-3 codes from codes or names in English, French, Arabic.

The table (``countries.json``) is generated from Debian's iso-codes (ISO 3166-1 with
its French and Arabic translations) and lists all 249 countries. Names are matched
after folding (case, diacritics, Arabic letter variants, punctuation), so "IRAQ",
"Irak", "العراق" and "Republic of Iraq" all give ``IRQ``.

An unknown country is an error (:class:`~fts_share.errors.ValidationError` naming
the field) in :func:`country_code`; :func:`resolve_country` returns ``None`` instead,
for importers that keep the raw value.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

from fts_share.errors import ValidationError
from fts_share.matching.normalize import fold

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


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], dict[str, dict[str, list[str]]]]:
    raw = json.loads(resources.files("fts_share.matching").joinpath("countries.json")
                     .read_text(encoding="utf-8"))
    lookup: dict[str, str] = {}
    info: dict[str, dict[str, list[str]]] = {}
    for c in raw["countries"]:
        code = c["alpha3"]
        info[code] = {"en": c["en"], "fr": c["fr"], "ar": c["ar"]}
        for name in c["en"] + c["fr"] + c["ar"]:
            for variant in _name_variants(name):
                lookup.setdefault(variant, code)
    for alias, code in _ALIASES.items():
        lookup[_key(alias)] = code
    lookup.pop("", None)
    return lookup, info


def _key(name: str) -> str:
    return " ".join(fold(name).replace("-", " ").split())


def _name_variants(name: str) -> list[str]:
    out = [_key(name)]
    # "Korea, Democratic People's Republic of" -> "Democratic People's Republic of Korea"
    m = re.fullmatch(r"(.+?),\s*(.+)", name)
    if m:
        out += [_key(f"{m.group(2)} {m.group(1)}"), _key(m.group(1))]
    plain = re.sub(r"\s*\(.*?\)", "", name)
    if plain != name:
        out.append(_key(plain))
    return out


def resolve_country(value: str) -> str | None:
    """The alpha-3 code for a code or a country name, or ``None`` if unknown."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    lookup, info = _table()
    if len(text) == 3 and text.isalpha() and text.upper() in info:
        return text.upper()
    return lookup.get(_key(text)) if text else None


def country_code(value: str, *, field: str = "nationality") -> str:
    """The alpha-3 code for ``value``; raises ``ValidationError({field: ...})`` if unknown."""
    code = resolve_country(value)
    if code is None:
        raise ValidationError({field: [f"unknown country: {str(value)[:60]!r}"]})
    return code


def country_names(code: str) -> dict[str, list[str]]:
    """English, French and Arabic names of a country (``{"en": [...], ...}``)."""
    return _table()[1][country_code(code)]
