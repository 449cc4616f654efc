"""Parser of INTERPOL red notices as its public API gives them.

``GET https://ws-public.interpol.int/notices/v1/red`` answers a page::

    {"total": 6421, "query": {"page": 1, "resultPerPage": 20},
     "_embedded": {"notices": [
        {"entity_id": "2021/75051", "forename": "EDGAR GONZALO", "name": "PINTOS MONTERO",
         "date_of_birth": "1979/01/17", "nationalities": ["UY"],
         "_links": {"self": {"href": ".../notices/v1/red/2021-75051"}, ...}}, ...]},
     "_links": {...}}

and ``GET .../notices/v1/red/2021-75051`` one notice with more fields (``sex_id``,
``place_of_birth``, ``country_of_birth_id``, ``arrest_warrants`` with
``issuing_country_id`` and ``charge``, ...). A file holds one page, one notice, a list
of notices, or JSON lines of any of these (pages saved one per line). A notice's name
is ``forename`` then ``name``; dates are ``YYYY/MM/DD``, ``YYYY/MM`` or ``YYYY``;
nationalities ISO alpha-2 codes. A notice whose name the engine cannot read is left
out and counted; a malformed one raises :class:`~fts_share.errors.ImportFailed`
naming the line and the field, and nothing is returned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from fts_share.matching.refdata.countries import resolve_country
from fts_share.watchlist.csv_list import WatchlistEntry
from fts_share.watchlist.json_input import (
    dates,
    documents,
    fail,
    readable,
    record_id,
    strings,
    text_of,
)

_DATE = re.compile(r"^\d{4}(?:/\d{2}(?:/\d{2})?)?$")


@dataclass
class InterpolFile:
    """The notices of a file, and the ids of those whose name cannot be read."""

    notices: list[WatchlistEntry] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    details: dict[str, dict[str, Any]] = field(default_factory=dict)
    """per notice: sex, place of birth, the warrants' countries and charges"""


def parse_interpol(data: bytes | str) -> InterpolFile:
    """Parse and check a whole file of red notices (module docstring)."""
    out = InterpolFile()
    seen: dict[str, int] = {}
    for line, doc in documents(text_of(data, "INTERPOL")):
        for notice in _notices(doc, line):
            _notice(out, notice, line, seen)
    return out


def _notices(doc: Any, line: int) -> list[Any]:
    if isinstance(doc, list):
        return doc
    if not isinstance(doc, dict):
        raise fail(line, "notice", "must be a JSON object")
    if "_embedded" in doc:
        embedded = doc["_embedded"]
        notices = embedded.get("notices") if isinstance(embedded, dict) else None
        if not isinstance(notices, list):
            raise fail(line, "_embedded.notices", "must be a list of notices")
        return notices
    return [doc]


def _notice(out: InterpolFile, notice: Any, line: int, seen: dict[str, int]) -> None:
    if not isinstance(notice, dict):
        raise fail(line, "notice", "must be a JSON object")
    rid = record_id(notice.get("entity_id"), line, "entity_id")
    if rid in seen:
        raise fail(line, "entity_id", f"duplicate notice {rid!r} (first on line {seen[rid]})")
    seen[rid] = line
    given = strings(notice.get("forename"), line, "forename")
    family = strings(notice.get("name"), line, "name")
    name = " ".join(given + family)
    if not name:
        raise fail(line, "name", "a notice needs a name or a forename")
    dob = [_date(d, line) for d in strings(notice.get("date_of_birth"), line,
                                           "date_of_birth")]
    if not isinstance(notice.get("nationalities") or [], list):
        raise fail(line, "nationalities", "must be a list of country codes")
    nats = [resolve_country(n) or n for n in strings(notice.get("nationalities"), line,
                                                      "nationalities")]
    entry = WatchlistEntry(rid, name, [], dates(dob, line, "date_of_birth"), nats, [], line)
    if not readable(entry.all_names()):
        out.unreadable.append(rid)
        return
    out.notices.append(entry)
    out.details[rid] = _details(notice, line)


def _date(value: str, line: int) -> str:
    if not _DATE.match(value):
        raise fail(line, "date_of_birth", f"not YYYY/MM/DD, YYYY/MM or YYYY: {value[:20]!r}")
    return value.replace("/", "-")


def _details(notice: dict[str, Any], line: int) -> dict[str, Any]:
    warrants = notice.get("arrest_warrants") or []
    if not isinstance(warrants, list) or not all(isinstance(w, dict) for w in warrants):
        raise fail(line, "arrest_warrants", "must be a list of objects")
    return {"sex": notice.get("sex_id"), "place_of_birth": notice.get("place_of_birth"),
            "warrants": [{"country": w.get("issuing_country_id"), "charge": w.get("charge")}
                         for w in warrants]}
