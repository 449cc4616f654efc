"""A received notice's subject and movement read without marshmallow, when they are
plainly valid.

:func:`load_received` reads every notice a partner sends (the subject and the
movement screening and indexing use). Loading them with the marshmallow schemas was
about a tenth of a poll's CPU. :func:`fast_received` does
what those schemas do to a valid subject and movement (the same checks, the same
normalisation: clean text, alpha-3 countries, ICAO document numbers, defaults, repeats
dropped) and gives the same dicts, key order included; at the first thing it does not
accept plainly (a wrong type, an unknown member, a bad value: anything marshmallow
would refuse or that it does not handle) it gives up, and :func:`load_received` loads
with marshmallow, so every refusal and its message stay marshmallow's.
``tests/notices/test_received_fast.py`` compares both on valid and mutated subjects.
"""

from __future__ import annotations

import calendar
import re
from typing import Any

from fts_share.countries import country_code
from fts_share.notices.text import MAX_YEAR, MIN_YEAR, clean_text, normalize_doc_number
from fts_share.notices.vocab import (
    DOC_NUMBER,
    DOC_TYPES,
    ICAO_SPECIAL_ISSUERS,
    MAX_DOCUMENTS,
    MAX_NAMES,
    MAX_NATIONALITIES,
    MOVEMENT_KINDS,
    NAME_KINDS,
    NAME_MAX,
    PLACE_MAX,
    SEXES,
    SHORT_TEXT_MAX,
)

_SUBJECT = frozenset({"names", "sex", "dob", "place_of_birth", "nationalities", "documents",
                      "minor"})
_MOVEMENT = frozenset({"kind", "place", "country", "date", "carrier", "route"})
_NAME = frozenset({"full", "kind"})
_DOB = frozenset({"value", "approximate"})
_DOCUMENT = frozenset({"type", "number", "issuer", "expires"})
_PARTIAL_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
_FULL_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


class _Slow(Exception):
    """The value is not plainly valid: load it with marshmallow."""


def load_received(notice: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The subject and the movement of a notice received from a partner, as the
    notice's own schemas load them (shapes checked, shorthands expanded), so that
    screening and indexing read checked values: read plainly (:func:`fast_received`)
    when they are plainly valid, else loaded with marshmallow
    (:func:`~fts_share.notices.schemas.load_received_with_schemas`, imported then: a
    poll of valid notices does not load marshmallow). Raises
    :class:`fts_share.errors.ValidationError` naming ``notice.subject...``."""
    fast = fast_received(notice) if isinstance(notice, dict) else None
    if fast is not None:
        return fast
    from fts_share.notices.schemas import load_received_with_schemas

    return load_received_with_schemas(notice)


def fast_received(notice: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
    """The subject and movement of ``notice`` as ``load_received`` reads them, or None
    when they are not plainly valid (then marshmallow reads them, and refuses them)."""
    try:
        subject = _subject(notice.get("subject"))
        movement = notice.get("movement")
        return subject, None if movement is None else _movement(movement)
    except (_Slow, ValueError, TypeError, KeyError):
        return None


def _object(value: Any, members: frozenset[str]) -> dict[str, Any]:
    if type(value) is not dict or not members.issuperset(value):
        raise _Slow
    return value


def _list(value: Any, most: int, least: int = 0) -> list[Any]:
    if type(value) is not list or not least <= len(value) <= most:
        raise _Slow
    return value


def _text(value: Any, most: int) -> str:
    """:class:`~fts_share.notices.fields.Text` (one line)."""
    if type(value) is not str or len(value) > 4 * most + 64:
        raise _Slow
    text = clean_text(value)  # ValueError: a control character
    if not 1 <= len(text) <= most:
        raise _Slow
    return text


def _optional_text(value: Any, most: int) -> str | None:
    return None if value is None else _text(value, most)


def _choice(value: Any, choices: tuple[str, ...]) -> str:
    if type(value) is not str or value not in choices:
        raise _Slow
    return value


def _flag(value: Any) -> bool:
    if type(value) is not bool:
        raise _Slow
    return value


def _date(value: Any, *, full: bool = False) -> str:
    """:class:`~fts_share.notices.fields.PartialDate`."""
    if type(value) is not str or len(value) > 10:
        raise _Slow
    m = (_FULL_DATE if full else _PARTIAL_DATE).fullmatch(value)
    if m is None:
        raise _Slow
    y, mo, d = m.groups()
    year = int(y)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _Slow
    if mo is not None:
        month = int(mo)
        if not 1 <= month <= 12:
            raise _Slow
        if d is not None and not 1 <= int(d) <= _days_in(year, month):
            raise _Slow
    return value


_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_in(year: int, month: int) -> int:
    """``calendar.monthrange(year, month)[1]`` without the weekday it also works out."""
    return 29 if month == 2 and calendar.isleap(year) else _DAYS[month - 1]


def _optional_date(value: Any, *, full: bool = False) -> str | None:
    return None if value is None else _date(value, full=full)


def _country(value: Any, *, icao_special: bool = False) -> str:
    """:class:`~fts_share.notices.fields.Country`."""
    if type(value) is not str:
        raise _Slow
    if icao_special and value.strip().upper() in ICAO_SPECIAL_ISSUERS:
        return value.strip().upper()
    return country_code(value)  # ValueError: unknown


def _optional_country(value: Any, *, icao_special: bool = False) -> str | None:
    return None if value is None else _country(value, icao_special=icao_special)


def _name(value: Any) -> dict[str, Any]:
    doc = _object(value, _NAME)
    full = _text(doc["full"], NAME_MAX)
    if not any(ch.isalpha() for ch in full):
        raise _Slow
    return {"full": full, "kind": _choice(doc.get("kind", "primary"), NAME_KINDS)}


def _dob(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    doc = _object({"value": value} if type(value) is str else value, _DOB)
    return {"value": _date(doc["value"]), "approximate": _flag(doc.get("approximate", False))}


def _document(value: Any) -> dict[str, Any]:
    doc = _object(value, _DOCUMENT)
    raw = doc["number"]
    if type(raw) is not str or len(raw) > 100:
        raise _Slow
    number = normalize_doc_number(raw)
    if not DOC_NUMBER.fullmatch(number):
        raise _Slow
    return {"type": _choice(doc["type"], DOC_TYPES), "number": number,
            "issuer": _optional_country(doc.get("issuer"), icao_special=True),
            "expires": _optional_date(doc.get("expires"), full=True)}


def _subject(value: Any) -> dict[str, Any]:
    doc = _object(value, _SUBJECT)
    names = [_name(n) for n in _list(doc["names"], MAX_NAMES, 1)]
    nationalities = [_country(c) for c in _list(doc.get("nationalities", []),
                                                 MAX_NATIONALITIES)]
    return {"names": _first_of_each(names),
            "sex": _choice(doc.get("sex", "unknown"), SEXES),
            "dob": _dob(doc.get("dob")),
            "place_of_birth": _optional_text(doc.get("place_of_birth"), PLACE_MAX),
            "nationalities": list(dict.fromkeys(nationalities)),
            "documents": [_document(d) for d in _list(doc.get("documents", []), MAX_DOCUMENTS)],
            "minor": _flag(doc.get("minor", False))}


def _first_of_each(names: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The names without repeats of the same full name, the first one kept."""
    seen: set[str] = set()
    out = []
    for name in names:
        if name["full"] not in seen:
            seen.add(name["full"])
            out.append(name)
    return out


def _movement(value: Any) -> dict[str, Any]:
    doc = _object(value, _MOVEMENT)
    return {"kind": _choice(doc["kind"], MOVEMENT_KINDS),
            "place": _text(doc["place"], PLACE_MAX),
            "country": _optional_country(doc.get("country")),
            "date": _optional_date(doc.get("date")),
            "carrier": _optional_text(doc.get("carrier"), SHORT_TEXT_MAX),
            "route": _optional_text(doc.get("route"), SHORT_TEXT_MAX)}
