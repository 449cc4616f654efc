"""Reading JSON watchlist files (FollowTheMoney entities, INTERPOL notices): the
text within its size, one JSON document or JSON lines, each value with its line, and
the checks every row's values share (names readable, dates parseable)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fts_share.errors import ImportFailed, ValidationError
from fts_share.matching import analyze_name, parse_dob

#: Largest file accepted (bytes).
MAX_JSON_BYTES = 500 * 1024 * 1024
#: Longest record id kept (the node's ids are at most 80 characters, prefix included).
MAX_ID = 60


def text_of(data: bytes | str, what: str) -> str:
    """The file as UTF-8 text within :data:`MAX_JSON_BYTES`."""
    if isinstance(data, str):
        return data
    if len(data) > MAX_JSON_BYTES:
        raise ImportFailed(f"{what} file larger than {MAX_JSON_BYTES} bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(f"{what} file is not UTF-8 (byte {exc.start})") from None


def documents(text: str) -> Iterator[tuple[int, Any]]:
    """``(line, value)``: the whole text as one JSON document (line 1), or, when it is
    not one, each non-empty line as a JSON document (JSON lines)."""
    try:
        yield 1, json.loads(text)
        return
    except json.JSONDecodeError:
        pass
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield n, json.loads(line)
        except json.JSONDecodeError as exc:
            raise fail(n, "json", f"not JSON ({exc.msg}, column {exc.colno})") from None


def fail(line: int, field: str, message: str) -> ImportFailed:
    """The error of a bad value: its line and field."""
    return ImportFailed(f"line {line}, field {field}: {message}", line=line, field=field)


def strings(value: Any, line: int, field: str) -> list[str]:
    """A string or a list of strings (stripped, empty ones dropped)."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail(line, field, "must be a string or a list of strings")
    return [v.strip() for v in value if v.strip()]


def record_id(value: Any, line: int, field: str) -> str:
    """A record id: a non-empty string of at most :data:`MAX_ID` characters."""
    if not isinstance(value, str) or not value.strip():
        raise fail(line, field, "must be a non-empty string")
    if len(value) > MAX_ID or any(c.isspace() for c in value.strip()):
        raise fail(line, field, f"must be at most {MAX_ID} characters, without spaces")
    return value.strip()


def readable(names: list[str]) -> bool:
    """Whether at least one of ``names`` can be read by the matching engine."""
    for name in names:
        try:
            analyze_name(name)
        except ValidationError:
            continue
        return True
    return False


def dates(values: list[str], line: int, field: str) -> list[str]:
    """Dates of birth checked by the engine's parser (a bad one names its line)."""
    try:
        parse_dob(values, field=field)
    except ValidationError as exc:
        raise fail(line, field, "; ".join(m for ms in exc.errors.values() for m in ms)) \
            from None
    return values
