"""Evidence other than names: dates of birth, nationalities and document numbers.

Dates of birth come as a full date (``1971-07-28``), a year-month (``1971-07``) or a
year (``1971``), optionally marked approximate (``approximately 1971``, ``circa
1971``, ``ca. 1971``, ``~1971``), as a range (``1971-1975``, ``between 1971 and
1975``), or as a list of such variants (a list, or a string separated by ``;``).
Anything else is a :class:`~fts_share.errors.ValidationError` naming the field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeGuard

from fts_share.errors import ValidationError
from fts_share.matching.config import MatchConfig
from fts_share.matching.refdata.countries import country_code, resolve_country
from fts_share.matching.scoring.explanation import FeatureScore

DobInput = str | dt.date | Sequence[str | dt.date] | None
CountryInput = str | Sequence[str] | None

#: Years either side of an approximate date that still count as agreeing.
APPROX_YEARS = 2

_APPROX = re.compile(r"^(?:approximately|approx\.?|about|circa|ca\.?|c\.|~|environ|vers)\s*",
                     re.IGNORECASE)
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_RANGE = re.compile(r"^(?:between\s+)?(\d{4})\s*(?:-|–|to|and)\s*(\d{4})$", re.IGNORECASE)


@dataclass(frozen=True)
class DateSpec:
    """One variant of a date of birth: a year range and optional month/day."""

    year_from: int
    year_to: int
    month: int | None = None
    day: int | None = None
    approximate: bool = False

    def __str__(self) -> str:
        if self.year_from != self.year_to:
            return f"{self.year_from}-{self.year_to}"
        text = str(self.year_from)
        if self.month:
            text += f"-{self.month:02d}"
        if self.day:
            text += f"-{self.day:02d}"
        return ("~" if self.approximate else "") + text


def parse_dob(value: DobInput, *, field: str = "dob") -> tuple[DateSpec, ...]:
    """Parse one or several date-of-birth variants (see the module docstring)."""
    if value is None:
        return ()
    if _texts(value):  # a list repeats its few years: parsed once each (issue 16)
        return _parse_dob_texts(value if isinstance(value, str) else tuple(value), field)
    return _parse_dob(value, field)


def _texts(value: object) -> TypeGuard[str | list[str] | tuple[str, ...]]:
    """A string, or a list or tuple of strings (inputs the parsers memoise)."""
    return type(value) is str or (isinstance(value, (list, tuple))
                                  and all(type(v) is str for v in value))


@lru_cache(maxsize=4096)
def _parse_dob_texts(value: str | tuple[str, ...], field: str) -> tuple[DateSpec, ...]:
    return _parse_dob(value, field)


def _parse_dob(value: DobInput, field: str) -> tuple[DateSpec, ...]:
    if isinstance(value, (str, dt.date)):
        items: Iterable[str | dt.date] = [value] if not isinstance(value, str) \
            else [v for v in value.split(";") if v.strip()]
    elif isinstance(value, (list, tuple)):
        items = value
    else:
        raise ValidationError({field: ["must be a date string or a list of them"]})
    return tuple(_parse_one(item, field) for item in items)


def _parse_one(item: str | dt.date, field: str) -> DateSpec:
    if isinstance(item, dt.date):
        return DateSpec(item.year, item.year, item.month, item.day)
    if not isinstance(item, str):
        raise ValidationError({field: ["must be a date string"]})
    text = item.strip()
    approx = False
    m = _APPROX.match(text)
    if m:
        approx, text = True, text[m.end():].strip()
    r = _RANGE.match(text)
    if r:
        lo, hi = sorted((int(r.group(1)), int(r.group(2))))
        if not 1800 <= lo <= hi <= 2200:
            raise ValidationError({field: [f"year out of range: {item[:40]!r}"]})
        return DateSpec(lo, hi, approximate=True)
    d = _DATE.match(text)
    if not d:
        raise ValidationError({field: [f"not a date (YYYY, YYYY-MM or YYYY-MM-DD): {item[:40]!r}"]})
    year = int(d.group(1))
    month = int(d.group(2)) if d.group(2) else None
    day = int(d.group(3)) if d.group(3) else None
    if not 1800 <= year <= 2200:
        raise ValidationError({field: [f"year out of range: {item[:40]!r}"]})
    try:
        dt.date(year, month or 1, day or 1)
    except ValueError:
        raise ValidationError({field: [f"not a valid date: {item[:40]!r}"]}) from None
    return DateSpec(year, year, month, day, approx)


def compare_dob(a: Sequence[DateSpec], b: Sequence[DateSpec]
                ) -> tuple[str, DateSpec, DateSpec] | None:
    """Best agreement between two sets of variants: ``exact``, ``year``, ``approx``,
    ``mismatch``, with the two variants compared; ``None`` if either side has no date.
    Two dates of 1 January agree on the ``year`` only: lists write a year whose day is
    not known as its first day (8 % of the UN list's full dates, 0.3 % by chance), so
    the same 1 January is no more than the same year."""
    if not a or not b:
        return None
    order = {"exact": 3, "year": 2, "approx": 1, "mismatch": 0}
    best: tuple[str, DateSpec, DateSpec] | None = None
    for x in a:
        for y in b:
            result = _compare_pair(x, y)
            if best is None or order[result] > order[best[0]]:
                best = (result, x, y)
    return best


def _compare_pair(x: DateSpec, y: DateSpec) -> str:
    if x.year_from == x.year_to == y.year_from == y.year_to:
        return _same_year(x, y)
    slack = APPROX_YEARS if (x.approximate or y.approximate) else 1
    if x.year_from - slack <= y.year_to and y.year_from - slack <= x.year_to:
        return "approx"
    return "mismatch"


def _same_year(x: DateSpec, y: DateSpec) -> str:
    """How two dates of the same single year agree (1 January: the year only)."""
    if x.day and y.day and x.month == y.month and x.day == y.day:
        return "year" if (x.month, x.day) == (1, 1) else "exact"
    if x.month and y.month and x.month != y.month and not (x.approximate or y.approximate):
        return "approx"
    return "year"


def parse_countries(value: CountryInput, *, field: str = "nationality",
                    lenient: bool = False) -> tuple[str, ...]:
    """Alpha-3 codes for one country or a list; unknown country -> ValidationError,
    or, ``lenient`` (a watchlist record: the value is kept as text by its store), left
    out so that it counts neither for nor against a match."""
    if value is None:
        return ()
    if _texts(value):  # a list repeats its few countries: resolved once each
        return _parse_countries_texts(value if isinstance(value, str) else tuple(value), field,
                                      lenient)
    return _parse_countries(value, field, lenient)


@lru_cache(maxsize=4096)
def _parse_countries_texts(value: str | tuple[str, ...], field: str, lenient: bool
                           ) -> tuple[str, ...]:
    return _parse_countries(value, field, lenient)


def _parse_countries(value: CountryInput, field: str, lenient: bool) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [v for v in value.split(";") if v.strip()]
    if not isinstance(value, (list, tuple)):
        raise ValidationError({field: ["must be a country code or name, or a list of them"]})
    if lenient:
        codes = (resolve_country(v) if isinstance(v, str) else None for v in value)
        return tuple(dict.fromkeys(c for c in codes if c))
    return tuple(dict.fromkeys(country_code(v, field=field) for v in value))


def normalize_document(number: str) -> str:
    """A document number reduced to upper-case letters and digits."""
    return re.sub(r"[^0-9A-Z]", "", str(number).upper())


def parse_documents(value: str | Sequence[str] | None, *, field: str = "documents"
                    ) -> tuple[str, ...]:
    """Normalised document numbers (too short ones, under 4 characters, are dropped)."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [v for v in value.split(";")]
    if not isinstance(value, (list, tuple)):
        raise ValidationError({field: ["must be a string or a list of strings"]})
    docs = (normalize_document(v) for v in value if isinstance(v, str))
    return tuple(dict.fromkeys(d for d in docs if len(d) >= 4))


def evidence_features(config: MatchConfig, *, q_dob: Sequence[DateSpec],
                      r_dob: Sequence[DateSpec], q_nat: Sequence[str],
                      r_nat: Sequence[str], q_docs: Sequence[str],
                      r_docs: Sequence[str]) -> list[FeatureScore]:
    """Features 3-5: date of birth, nationality and document numbers."""
    out: list[FeatureScore] = []
    dob = compare_dob(q_dob, r_dob)
    if dob is not None:
        kind, x, y = dob
        weight = {"exact": config.dob_exact, "year": config.dob_year,
                  "approx": config.dob_approx, "mismatch": config.dob_mismatch}[kind]
        precision = "conflict" if kind == "mismatch" else kind
        out.append(FeatureScore("dob", weight, 1.0, {"precision": precision,
                                                     "query": str(x), "record": str(y)}))
    if q_nat and r_nat:
        common = sorted(set(q_nat) & set(r_nat))
        if common:
            out.append(FeatureScore("nationality", config.nationality_match, 1.0,
                                    {"countries": common}))
        else:
            out.append(FeatureScore("nationality", config.nationality_mismatch, 1.0,
                                    {"query": list(q_nat), "record": list(r_nat)}))
    if q_docs and r_docs:
        common = sorted(set(q_docs) & set(r_docs))
        if common:
            out.append(FeatureScore("document", config.document_match, 1.0,
                                    {"number": common[0]}))
    return out
