"""Canonical JSON through orjson: the same bytes as ``rfc8785`` wherever orjson is used,
hostile strings and member names included, and texts read as canonical only when they
are (the traps of RFC 8785: UTF-16 order of member names, numbers, escapes, repeated
names)."""

from __future__ import annotations

import json

import orjson
import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from fts_share.crypto.canonical import (
    MAX_JSON_DEPTH,
    canonical_json,
    loads_canonical,
    strict_loads,
)
from fts_share.errors import CryptoError

#: Characters where JSON serialisers differ: controls, DEL, the quote and backslash,
#: "/", U+2028/2029, the surrogates (lone), the end of the BMP and the astral planes.
HOSTILE = st.sampled_from(
    [chr(c) for c in range(0x20)] + ["\x7f", '"', "\\", "/", "\u2028", "\u2029", "\ud800",
                                      "\udfff", "\ue000", "\uffff", "\U00010000",
                                      "\U0001f600", "\U0010ffff", "é", "a", "0"])
HOSTILE_TEXT = st.lists(HOSTILE | st.characters(), max_size=6).map("".join)
NUMBERS = (st.integers(-(2**53) + 1, 2**53 - 1) | st.integers(2**53 - 3, 2**64 + 3)
           | st.integers(-(2**64) - 3, -(2**53) + 3)
           | st.floats(allow_nan=False, allow_infinity=False)
           | st.sampled_from([0.0, -0.0, 1e21, 1e-7, 2.0**53, 5e-324, 1.7976931348623157e308]))
VALUES = st.recursive(
    st.none() | st.booleans() | NUMBERS | HOSTILE_TEXT,
    lambda c: st.lists(c, max_size=4) | st.dictionaries(HOSTILE_TEXT, c, max_size=4),
    max_leaves=25)


def _reference(value: object) -> bytes | None:
    """JCS by the ``rfc8785`` package, None where it refuses the value (a lone surrogate
    in a name to sort is refused by its UTF-16 codec)."""
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError, RecursionError):
        return None


def _assert_as_rfc8785(value: object) -> None:
    """``canonical_json`` writes what ``rfc8785`` writes, or refuses what it refuses."""
    expected = _reference(value)
    if expected is None:
        with pytest.raises(CryptoError):
            canonical_json(value)
    else:
        assert canonical_json(value) == expected


@settings(max_examples=1500, deadline=None)
@given(VALUES)
def test_canonical_json_is_rfc8785_for_hostile_values(value: object) -> None:
    _assert_as_rfc8785(value)


@pytest.mark.parametrize("value", [
    {"\U0001f600": 1, "\ue000": 2, "\uffff": 3, "a": 4},  # UTF-16: astral before U+E000
    {"\U00010000": {"\ufb33": [1, "\u2028"]}, "\ud7ff": None},
    ["\x00\x1f\x7f/\u2028\u2029\"\\", "\b\t\n\f\r"],
    [2**53 - 1, -(2**53 - 1), 0, -0.0, 1.0, 1e21, 1e-7, 2.0**60],
    {"": {"": []}}, [[[[]]]], "\ud800",
])
def test_canonical_json_traps(value: object) -> None:
    _assert_as_rfc8785(value)


def test_canonical_json_of_values_nested_beyond_orjson() -> None:
    """orjson stops at 255 levels; the standard library's encoder writes them."""
    value: list[object] = []
    for _ in range(300):
        value = [value]
    assert canonical_json(value) == b"[" * 301 + b"]" * 301


def _texts(value: object) -> list[bytes]:
    """Spellings of ``value``: canonical, with sorted names but orjson's numbers,
    unsorted, spaced, ASCII-escaped, a name repeated (first and last spelling)."""
    texts = []
    for write in (lambda v: rfc8785.dumps(v),
                  lambda v: orjson.dumps(v, option=orjson.OPT_SORT_KEYS),
                  lambda v: orjson.dumps(v),
                  lambda v: json.dumps(v, sort_keys=True, ensure_ascii=True).encode(),
                  lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False,
                                       separators=(",", ":")).encode()):
        try:
            texts.append(write(value))
        except (rfc8785.CanonicalizationError, TypeError, ValueError, RecursionError):
            pass
    if isinstance(value, dict) and value:
        name = json.dumps(next(iter(value)), ensure_ascii=False).encode("utf-8", "surrogatepass")
        for text in list(texts):
            if text.startswith(b"{"):
                texts.append(b"{" + name + b":0," + text[1:])
                texts.append(text[:-1] + b"," + name + b":0}")
    return texts


def _strict(text: bytes) -> object:
    try:
        return strict_loads(text)
    except CryptoError:
        return CryptoError


def _has_float(value: object) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_has_float(v) for v in value.values())
    return isinstance(value, list) and any(_has_float(v) for v in value)


@settings(max_examples=1500, deadline=None)
@given(VALUES)
def test_loads_canonical_reads_exactly_the_canonical_texts(value: object) -> None:
    """Read (True) exactly when the strict reader reads the text, the value has no
    float (read as a double, as JCS numbers are), the text has no character beyond the
    BMP (where orjson's order of names is not JCS's) and the text is JCS of the value;
    then the value is the strict reader's."""
    for text in _texts(value):
        ok, read = loads_canonical(text)
        strict = _strict(text)
        canonical = (strict is not CryptoError and not _has_float(strict)
                     and not any(ord(c) > 0xFFFF for c in text.decode("utf-8"))
                     and _reference(strict) == text)
        assert ok is canonical, text
        if ok:
            assert json.dumps(read) == json.dumps(strict)
            assert canonical_json(read) == text


@pytest.mark.parametrize("text", [
    b'{"a":1,"a":1}', b'{"a":{"b":1,"b":1}}', b'{"b":1,"a":2}', b'{"a":1.5}', b'{"a":1e3}',
    b"[9007199254740992]", b"[18446744073709551615]", b"[123456789012345678901234567890]",
    b"[-0]", b"[1E2]", b'["\\u00e9"]', b'["\\ud800"]', b'["\\udc00\\ud800"]',
    b'{"\xf0\x9f\x98\x80":1}', b'{"\xee\x80\x80":1,"\xf0\x9f\x98\x80":2}', b'"\\/"',
    b"[NaN]", b"[1e400]", b" []", b"[]\n", b"\xef\xbb\xbf[]", b'"\xed\xa0\x80"',
    b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1),
])
def test_loads_canonical_declines_the_traps(text: bytes) -> None:
    assert loads_canonical(text) == (False, None)


@pytest.mark.parametrize("text", [
    b'"\\u001f\\b\\t\\n\\f\\r\\"\\\\\x7f/\xe2\x80\xa8"', b'{"\xee\x80\x80":1,"\xef\xbf\xbf":2}',
    b"[-9007199254740991,9007199254740991,0]",
    b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH])
def test_loads_canonical_reads_canonical_escapes_and_bounds(text: bytes) -> None:
    assert loads_canonical(text) == (True, strict_loads(text))
    assert canonical_json(strict_loads(text)) == text
