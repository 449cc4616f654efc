"""A received notice's subject and movement read without marshmallow
(``fts_share.notices.received``) give what the marshmallow schemas give: the same
dicts (key order included) for what they accept, and marshmallow's own refusal for
anything else (the fast path gives up and the schemas read it)."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fts_share.errors import ValidationError
from fts_share.notices import schemas
from fts_share.notices.received import fast_received, load_received
from fts_share.notices.text import BIDI_MARKS, clean_text


def _marshmallow(notice: Any) -> Any:
    """What ``load_received`` gives with the marshmallow schemas alone (or its refusal)."""
    try:
        return schemas.load_received_with_schemas(notice)
    except ValidationError as exc:
        return exc


def _same(notice: Any) -> None:
    slow = _marshmallow(notice)
    fast = fast_received(notice) if isinstance(notice, dict) else None
    if isinstance(slow, ValidationError):
        assert fast is None, (notice, slow.errors)
        with pytest.raises(ValidationError) as refused:
            load_received(notice)
        assert refused.value.errors == slow.errors  # the message names the field as before
        return
    if fast is not None:
        assert json.dumps(fast) == json.dumps(slow)  # same values, same key order
    assert json.dumps(load_received(notice)) == json.dumps(slow)


def test_clean_text_refuses_exactly_the_control_and_surrogate_code_points() -> None:
    for multiline in (False, True):
        allowed = "\n\t" if multiline else ""
        for cp in range(sys.maxunicode + 1):
            ch = chr(cp)
            refused = unicodedata.category(ch) in ("Cc", "Cs") and ch not in allowed
            try:
                clean_text(f"a{ch}b", multiline=multiline)
            except ValueError:
                assert refused, (hex(cp), multiline)
            else:
                assert not refused, (hex(cp), multiline)


@settings(max_examples=1500)
@given(st.lists(st.sampled_from(
    ["a", "Z", " ", "\xa0", "\u3000", "\u200e", "\u200f", "\u202b", "\u202e", "\u2066",
     "\u2069", "e\u0301", "\u00e9", "\u0639", "\u0644\u064a", "\u1100\u1161",
     "\U0001d400", "\n"]), max_size=8).map("".join))
def test_clean_text_is_nfc_of_the_text_without_bidi_marks_stripped(text: str) -> None:
    # an ASCII text skips the bidi marks and NFC (it has none and is NFC): same result
    try:
        got = clean_text(text)
    except ValueError:
        assert "\n" in text
        return
    assert got == unicodedata.normalize("NFC", text.translate(BIDI_MARKS)).strip()


PLAIN = {"subject": {
    "names": [{"full": " Karim\u200f Benali ", "kind": "alias"}, {"full": "Karim Benali"},
              {"full": "كريم بن علي", "kind": "spelling"}, {"full": "Karim Benali",
                                                            "kind": "former"}],
    "dob": "1990-02", "sex": "male", "place_of_birth": "Cafe\u0301 Tunis",
    "nationalities": ["fr", "France", "FRA", "tun"],
    "documents": [{"type": "passport", "number": "ab-12 34", "issuer": "uno"},
                  {"type": "id_card", "number": "X1", "issuer": "France",
                   "expires": "2030-02-28"}],
    "minor": False},
    "movement": {"kind": "transit", "place": "  Tunis ", "country": "Tunisia",
                 "date": "2026-11", "carrier": "TU 721", "route": None}}


def test_a_plain_subject_is_read_fast_and_as_marshmallow_reads_it() -> None:
    fast = fast_received(PLAIN)
    assert fast is not None  # the fast path is taken for ordinary traffic
    assert json.dumps(fast) == json.dumps(_marshmallow(PLAIN))
    subject, movement = fast
    assert [n["full"] for n in subject["names"]] == ["Karim Benali", "كريم بن علي"]
    assert subject["names"][0]["kind"] == "alias"  # the first of a repeated name is kept
    assert subject["nationalities"] == ["FRA", "TUN"]
    assert subject["documents"][0] == {"type": "passport", "number": "AB1234",
                                       "issuer": "UNO", "expires": None}
    assert movement is not None and movement["country"] == "TUN"
    assert fast_received({"subject": PLAIN["subject"]}) == (subject, None)


READ_IN_A_FRESH_PROCESS = """
import json, sys
from fts_share.errors import ValidationError
from fts_share.notices.received import load_received
notice = json.loads(sys.argv[1])
before = "marshmallow" in sys.modules
try:
    load_received(notice)
    refused = None
except ValidationError as exc:
    refused = exc.errors
print(json.dumps([before, "marshmallow" in sys.modules, refused]))
"""


def _read_in_a_fresh_process(notice: Any) -> list[Any]:
    out = subprocess.run([sys.executable, "-c", READ_IN_A_FRESH_PROCESS, json.dumps(notice)],
                         capture_output=True, text=True, timeout=120, check=True)
    return list(json.loads(out.stdout.strip().splitlines()[-1]))


def test_a_plain_notice_is_read_without_loading_marshmallow() -> None:
    """A poll of valid notices does not pay for marshmallow's import; a notice it must
    refuse loads marshmallow and is refused with marshmallow's message."""
    assert _read_in_a_fresh_process(PLAIN) == [False, False, None]
    bad = {"subject": {**PLAIN["subject"], "sex": "unknown-value"}}
    before, loaded, refused = _read_in_a_fresh_process(bad)
    assert (before, loaded) == (False, True)
    assert refused == _marshmallow(bad).errors


ODD = st.sampled_from([None, "", " ", "x", "\x07a", "a\u200e", 42, 1.5, True, [], {}, ["FRA"],
                       {"value": "1994"}, "1994", "1994-02-30", "2024-02-29", "1799",
                       "2201-01", "1994-13", "1994-1-1", "١٩٩٤", "1994\n", "FRA", "fr",
                       "Atlantis", "UNO", "passport", "departure", "male", "spelling",
                       "A" * 201, "A" * 865, "a\ud800", "Ab<12", "ab 12-34", "\u212b",
                       "--", "12345678901234567890X"])


def _mutations() -> st.SearchStrategy[list[tuple[tuple[Any, ...], Any]]]:
    paths = st.sampled_from([
        ("subject",), ("subject", "names"), ("subject", "names", 0),
        ("subject", "names", 0, "full"), ("subject", "names", 0, "kind"),
        ("subject", "names", 1, "full"), ("subject", "dob"), ("subject", "sex"),
        ("subject", "place_of_birth"), ("subject", "nationalities"),
        ("subject", "nationalities", 0), ("subject", "documents"),
        ("subject", "documents", 0), ("subject", "documents", 0, "type"),
        ("subject", "documents", 0, "number"), ("subject", "documents", 0, "issuer"),
        ("subject", "documents", 1, "expires"), ("subject", "minor"),
        ("subject", "extra"), ("subject", "names", 0, "extra"),
        ("subject", "documents", 0, "extra"), ("movement",), ("movement", "kind"),
        ("movement", "place"), ("movement", "country"), ("movement", "date"),
        ("movement", "carrier"), ("movement", "route"), ("movement", "extra")])
    return st.lists(st.tuples(paths, ODD | st.just(_DELETE) | st.text(max_size=12)),
                    max_size=3)


_DELETE = object()


def _mutate(notice: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    parent: Any = notice
    for key in path[:-1]:
        try:
            parent = parent[key]
        except (KeyError, IndexError, TypeError):
            return
    if not isinstance(parent, (dict, list)):
        return
    last = path[-1]
    if isinstance(parent, list) and not (isinstance(last, int) and last < len(parent)):
        return
    if value is _DELETE:
        if isinstance(parent, dict):
            parent.pop(last, None)
        else:
            del parent[last]
    else:
        parent[last] = json.loads(json.dumps(value)) if value is not None else None


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations())
def test_mutated_subjects_read_the_same_or_are_refused_the_same(
        mutations: list[tuple[tuple[Any, ...], Any]]) -> None:
    notice = json.loads(json.dumps(PLAIN))
    for path, value in mutations:
        _mutate(notice, path, value)
    _same(notice)


@pytest.mark.parametrize("notice", [None, [], "x", {}, {"subject": None},
                                    {"subject": {"names": []}},
                                    {"subject": {"names": [{"full": "12"}]}},
                                    {"subject": {"names": [{"full": "A"}]}, "movement": {}}])
def test_odd_notices(notice: Any) -> None:
    _same(notice)
