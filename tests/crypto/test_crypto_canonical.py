"""Canonical JSON, base64url, strict parsing."""

from __future__ import annotations

import base64
import binascii
import json

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from fts_share.crypto.canonical import (
    _fast_path_ok,
    b64u,
    canonical_json,
    canonical_members,
    loads_canonical,
    strict_loads,
    strict_loads_plain,
    unb64u,
)
from fts_share.errors import CryptoError

SAFE_INTS = st.integers(-(2**53) + 1, 2**53 - 1)
NO_FLOATS = st.recursive(
    st.none() | st.booleans() | SAFE_INTS | st.text(),
    lambda c: st.lists(c, max_size=5) | st.dictionaries(st.text(), c, max_size=5),
    max_leaves=30)
ANY_JSON = st.recursive(
    st.none() | st.booleans() | SAFE_INTS | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda c: st.lists(c, max_size=5) | st.dictionaries(st.text(), c, max_size=5),
    max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(NO_FLOATS)
def test_fast_path_matches_rfc8785(value):
    try:
        expected = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:
        with pytest.raises(CryptoError):
            canonical_json(value)
        return
    assert canonical_json(value) == expected


@settings(max_examples=300, deadline=None)
@given(ANY_JSON)
def test_canonical_is_stable_through_strict_loads(value):
    try:
        once = canonical_json(value)
    except CryptoError:
        return  # lone surrogates
    assert canonical_json(strict_loads(once)) == once


def test_sorting_by_utf16():
    value = {"\U0001f600": 1, "\ufb33": 2, "a": 3}
    assert canonical_json(value) == '{"a":3,"\U0001f600":1,"\ufb33":2}'.encode()


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 2**53, -(2**53), {1: 2},
                                   b"bytes", {"a": {1, 2}}, "\ud800", object()])
def test_refused(value):
    with pytest.raises(CryptoError):
        canonical_json(value)


@given(st.binary(max_size=100))
def test_b64u_round_trip(data):
    text = b64u(data)
    assert "=" not in text and unb64u(text) == data


@pytest.mark.parametrize("text", ["A", "AB=", "AB==", "a+b/", "a b", "AB\n", "AF", "AAB",
                                  None, b"AA", "ü"])
def test_unb64u_strict(text):
    # "AF" and "AAB" have unused bits set: a second spelling of the same bytes
    with pytest.raises(CryptoError):
        unb64u(text)  # type: ignore[arg-type]


def _standard_library_unb64u(text: str) -> bytes | None:
    """What the strict base64url decoding means, with the standard library's strict
    decoder (the one ``unb64u`` used before pybase64): the bytes, or None if refused."""
    if len(text) % 4 == 1 or not text.isascii() or any(c in text for c in "+/="):
        return None
    try:
        data = binascii.a2b_base64(text.translate(str.maketrans("-_", "+/"))
                                   + "=" * (-len(text) % 4), strict_mode=True)
    except binascii.Error:
        return None
    return data if base64.urlsafe_b64encode(data).rstrip(b"=").decode() == text else None


@settings(max_examples=3000)
@given(st.text(alphabet=st.sampled_from(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/= \n!.\x00\x7fé"),
    max_size=14) | st.binary(max_size=40).map(lambda b: b64u(b)))
def test_unb64u_decodes_exactly_what_the_standard_library_does(text):
    expected = _standard_library_unb64u(text)
    if expected is None:
        with pytest.raises(CryptoError):
            unb64u(text)
    else:
        assert unb64u(text) == expected
        assert b64u(expected) == text == base64.urlsafe_b64encode(expected).rstrip(b"=").decode()


@pytest.mark.parametrize("text", ['{"a":1,"a":2}', "NaN", '{"a": Infinity}', "[1,",
                                  b"\xff", "[" * 100 + "]" * 100, "[" * 100000])
def test_strict_loads_refuses(text):
    with pytest.raises(CryptoError):
        strict_loads(text)


def test_strict_loads_big_integers_are_doubles():
    assert strict_loads("1000000000000000000") == 1e18
    assert strict_loads("9007199254740991") == 2**53 - 1
    assert json.loads("[1]") == strict_loads(b"[1]")


BIG_INTS = st.integers(2**53, 2**60) | st.integers(-(2**60), -(2**53))


@settings(max_examples=400, deadline=None)
@given(ANY_JSON | BIG_INTS | st.lists(BIG_INTS, max_size=2), st.booleans())
def test_strict_loads_plain_reads_the_same_and_is_plain_only_when_the_fast_path_holds(
        value, ascii_only):
    text = json.dumps(value, ensure_ascii=ascii_only)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        return  # lone surrogates: not a UTF-8 text
    read, plain = strict_loads_plain(data)
    assert json.dumps(read) == json.dumps(strict_loads(data))
    if plain:
        assert _fast_path_ok(read)
        assert canonical_json(read, plain=True) == canonical_json(read)


@pytest.mark.parametrize("text,plain", [
    ('{"a": [1, "x", null, true]}', True), ('{"a": 1.5}', False), ('{"a": 1e3}', False),
    ('{"a": 9007199254740993}', False), ('{"\U0001F600": 1}', False),
    ('{"\\ud83d\\ude00": 1}', False), ('{"é": "\U0001F600"}', False),
    ('{"é": "ü"}', True)])
def test_strict_loads_plain_flags(text, plain):
    value, got = strict_loads_plain(text.encode("utf-8"))
    assert got is plain
    assert value == strict_loads(text.encode("utf-8"))


def test_strict_loads_plain_refuses_as_strict_loads_does():
    for bad in (b"\xff", b'{"a": 1, "a": 2}', b"[NaN]", b"[" * 70 + b"]" * 70):
        with pytest.raises(CryptoError) as plain_error:
            strict_loads_plain(bad)
        with pytest.raises(CryptoError) as strict_error:
            strict_loads(bad)
        assert str(plain_error.value) == str(strict_error.value)


@settings(max_examples=400, deadline=None)
@given(ANY_JSON | BIG_INTS, st.booleans(), st.booleans())
def test_loads_canonical_reads_only_canonical_texts_and_as_strict_loads_does(
        value, canonical, sort_keys):
    try:
        text = canonical_json(value) if canonical else json.dumps(
            value, sort_keys=sort_keys, separators=(",", ":"), ensure_ascii=False).encode()
    except (CryptoError, UnicodeEncodeError):
        return  # lone surrogates, integers beyond the safe range
    ok, read = loads_canonical(text)
    if ok:
        assert canonical_json(read) == text
        assert json.dumps(read) == json.dumps(strict_loads(text))
    if canonical and _fast_path_ok(value) and "\\u" not in text.decode() \
            and not any(ord(c) > 0xFFFF for c in text.decode()):
        assert ok  # what a sealer writes takes it


@pytest.mark.parametrize("text", [
    '{"a":1,"a":1}', '{"a":{"b":1,"b":1}}', '[{"a":1,"a":2}]', '{"b":1,"a":2}', '{"a": 1}',
    '{"a":1.5}', '{"a":1}\n', "[9007199254740993]", "[NaN]", '["\\u00e9"]', '["\\ud800"]',
    '{"\U0001F600":1}', "[" * 65 + "]" * 65, "1e3", "-0", '"\x1f"', b"\xff"])
def test_loads_canonical_declines(text):
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    assert loads_canonical(data) == (False, None)


@pytest.mark.parametrize("text", ['{"a":[1,"x",null,true],"b":{}}', "[" * 64 + "]" * 64,
                                  '{"é":"ü","ü":"\\n\\""}', "[-9007199254740991]"])
def test_loads_canonical_reads(text):
    assert loads_canonical(text.encode("utf-8")) == (True, strict_loads(text.encode("utf-8")))


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["v", "header", "keys", "nonce"]), ANY_JSON,
                       min_size=1))
def test_canonical_members_are_each_members_canonical_json(obj):
    try:
        expected = {name: canonical_json(obj[name]) for name in obj}
    except CryptoError:
        with pytest.raises(CryptoError):
            canonical_members(obj, list(obj))
        return
    assert canonical_members(obj, list(obj)) == expected
