"""The strict JSON reader reads a compact text with orjson and proves it by orjson's
serialisation of the value read: it must read and refuse exactly what Python's ``json``
with the reader's checks does, with the same value and the same refusal message."""

from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fts_share import jsontext
from fts_share.errors import MalformedRequest

_TEXT = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF,
                                       blacklist_categories=("Cs",)), max_size=6)
_NUMBERS = (st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False)
            | st.sampled_from([0, -0.0, 1e21, 1e-7, 2**64 - 1, 2**64, -(2**63) - 1]))
_VALUES = st.recursive(st.none() | st.booleans() | _NUMBERS | _TEXT,
                       lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(_TEXT, inner, max_size=3), max_leaves=12)
#: Pieces spliced into a compact text: what the checks refuse, and spellings orjson
#: writes otherwise.
_PIECES = st.sampled_from([
    '"\\ud800"', '"\\udc00\\ud800"', '"\\ud83d\\ude00"', '"\\u00e9"', '"\\/"', "NaN",
    "Infinity", "-Infinity", "1e400", "-1e400", "1" * 41, "1" * 30, "-0", "1E2", "1.0e+2",
    "18446744073709551616", "-9223372036854775809", '{"a":1,"a":2}', '{"k":{},"k":[]}',
    "[ 1]", '"\x7f"', '"\x01"', "true", "[" * 65 + "]" * 65, "[" * 64 + "]" * 64])


def _verdict(data: bytes, *, compact: bool) -> object:
    saved = jsontext._compact
    if not compact:
        jsontext._compact = lambda _data, _depth: jsontext._UNPROVEN  # type: ignore[assignment]
    try:
        value = jsontext.loads(data)
        return repr(value), json.dumps(value)  # the types too (1 against 1.0, -0.0)
    except MalformedRequest as exc:
        return str(exc)
    finally:
        jsontext._compact = saved  # type: ignore[assignment]


@settings(max_examples=1000, deadline=None)
@given(_VALUES, st.lists(_PIECES, max_size=3), st.integers(0, 66), st.booleans())
def test_the_compact_path_gives_the_json_path_verdict(value: object, pieces: list[str],
                                                      depth: int, by_orjson: bool) -> None:
    try:  # written compact by orjson, or by json (other spellings of floats, big integers)
        text = orjson.dumps(value) if by_orjson else json.dumps(
            value, separators=(",", ":"), ensure_ascii=False).encode()
    except TypeError:
        return  # beyond orjson's 64 bits
    for piece in pieces:  # in an array and as a member value, beside the value
        text = b'[%s,%s,{"p":%s}]' % (text, piece.encode(), piece.encode())
    text = b"[" * depth + text + b"]" * depth
    assert _verdict(text, compact=True) == _verdict(text, compact=False)


@pytest.mark.parametrize("text", [
    b'{"a":1,"b":2,"a":3}', b'[{"x":{"k":1,"k":2}}]', b"[" * 65 + b"]" * 65,
    b"[1e400]", b"[NaN]", b'["\\ud800"]', b"[" + b"1" * 41 + b"]", b"\xff", b'"\xed\xa0\x80"'])
def test_refusals_read_the_same(text: bytes) -> None:
    if not text.startswith(b"[["):
        assert jsontext._compact(text, 64) is jsontext._UNPROVEN
    assert isinstance(_verdict(text, compact=True), str)
    assert _verdict(text, compact=True) == _verdict(text, compact=False)


def test_a_compact_page_is_read_by_the_compact_path() -> None:
    page = {"envelopes": [{"v": 1, "header": {"seq": 2**40, "prev": None}}], "n": -0.0}
    data = orjson.dumps(page)
    assert jsontext._compact(data, 64) == page
    assert jsontext.loads(data) == page
    assert jsontext._compact(json.dumps(page).encode(), 64) is jsontext._UNPROVEN  # spaced


@settings(max_examples=300, deadline=None)
@given(_VALUES, st.integers(0, 70))
def test_nested_deeper_counts_as_the_walk_did(value: object, depth: int) -> None:
    for _ in range(depth):
        value = [value] if depth % 2 else {"k": value}
    expected = _depth(value) > 64
    assert jsontext.nested_deeper(value, 64) is expected


def _depth(value: object) -> int:
    """Levels of objects and arrays in ``value`` (0 for a scalar)."""
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0
