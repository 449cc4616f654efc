"""The strict JSON reader skips the per-string surrogate check when the text can hold
no surrogate (none in it, no ``\\uD800``-``\\uDFFF`` escape): it must refuse and accept
exactly what the full check does."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fts_share import jsontext
from fts_share.errors import MalformedRequest

_TEXT = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF,
                                       blacklist_categories=("Cs",)), max_size=8)
_ESCAPES = st.sampled_from(["\\ud800", "\\uDBFF", "\\udc00", "\\uDFFF", "\\ud83d\\ude00",
                            "\\\\ud800", "\\u00e9", "\\uD7FF", "\\ue000"])
_VALUES = st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**6) | _TEXT,
                       lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(_TEXT, inner, max_size=3), max_leaves=12)


def _verdict(text: str, *, full: bool) -> object:
    saved = jsontext._may_hold_surrogates
    jsontext._may_hold_surrogates = (lambda _t, _d=False: True) if full else saved  # type: ignore[assignment]
    try:
        return jsontext.loads(text.encode("utf-8", "surrogatepass"))
    except MalformedRequest as exc:
        return str(exc)
    finally:
        jsontext._may_hold_surrogates = saved  # type: ignore[assignment]


@settings(max_examples=300, deadline=None)
@given(_VALUES, st.lists(_ESCAPES, max_size=2), st.integers(0, 70))
def test_the_short_path_gives_the_full_checks_verdict(value: object, escapes: list[str],
                                                       depth: int) -> None:
    text = json.dumps(value, ensure_ascii=False)
    for escape in escapes:  # a string of escapes, inside the value
        text = f'[{text}, "{escape}", {{"{escape}": 1}}]'
    text = "[" * depth + text + "]" * depth
    assert _verdict(text, full=False) == _verdict(text, full=True)


@pytest.mark.parametrize("text", ['"\\ud800"', '{"\\uDC00": 1}', '["a", ["\\udfff"]]'])
def test_lone_surrogate_escapes_are_still_refused(text: str) -> None:
    with pytest.raises(MalformedRequest, match="lone surrogate"):
        jsontext.loads(text)


def test_a_text_without_escapes_is_checked_for_depth_only_and_still_refused_deep() -> None:
    assert not jsontext._may_hold_surrogates('{"a": ["b", "é", "😀"]}')
    with pytest.raises(MalformedRequest, match="nested too deeply"):
        jsontext.loads("[" * 65 + "]" * 65)


@pytest.mark.parametrize("text,name", [('{"a": 1, "b": 2, "b": 3, "a": 4}', "b"),
                                       ('[{"x": {"k": 1, "k": 2}}]', "k"),
                                       ('{"a": 1, "a": 1}', "a")])
def test_a_repeated_member_name_is_refused_naming_the_first_that_repeats(
        text: str, name: str) -> None:
    with pytest.raises(MalformedRequest, match=f"duplicate member name '{name}'"):
        jsontext.loads(text)


def test_depth_is_still_checked_when_brackets_sit_inside_strings() -> None:
    with pytest.raises(MalformedRequest, match="nested too deeply"):
        jsontext.loads("[" * 65 + '"{{"' + "]" * 65)
    assert jsontext.loads("[" * 64 + '"[[[{"' + "]" * 64)  # 64 levels are allowed


@pytest.mark.parametrize("text", ['["a", "\ud800"]', '{"\udfff": 1}', '["é", {"k": "x\udc00"}]'])
def test_a_text_given_as_str_is_still_searched_for_lone_surrogates(text: str) -> None:
    """Only a text decoded from UTF-8 (or ASCII) skips the search for surrogates."""
    with pytest.raises(MalformedRequest, match="lone surrogate"):
        jsontext.loads(text)


def test_a_text_given_as_bytes_cannot_smuggle_a_surrogate() -> None:
    with pytest.raises(MalformedRequest, match="not UTF-8"):
        jsontext.loads('["\ud800"]'.encode("utf-8", "surrogatepass"))
    assert jsontext.loads('["é", "😀"]'.encode()) == ["é", "😀"]
