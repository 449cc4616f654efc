"""An entry's detail: the flat fast path gives what the general path gives (the
canonical text, or the same refusal)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from unittest import mock

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from fts_share.audit import entry
from fts_share.errors import ValidationError

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
flat_values = (st.none() | st.booleans() | st.integers(-(2**60), 2**60)
               | st.text(max_size=12) | st.floats(allow_nan=False, allow_infinity=False))
keys = st.text(max_size=10) | st.sampled_from(["name", "Alias", "DOB", "seq", "kunya"])
flat_details = st.dictionaries(keys, flat_values, max_size=6)


def _detail_json(detail: Any) -> str | dict[str, Any]:
    """The detail's canonical text, or the errors it is refused with."""
    try:
        return entry.validate_fields(
            time=NOW, actor="system", action="open", object_type=None, object_id=None,
            object_version=None, partner=None, purpose=None, legal_basis=[], outcome="ok",
            detail=detail)
    except ValidationError as exc:
        return dict(exc.errors)


def _general(detail: Any) -> str | dict[str, Any]:
    with mock.patch.object(entry, "_flat_detail_json", lambda _d: None):
        return _detail_json(detail)


@settings(max_examples=400, deadline=None)
@given(detail=flat_details)
def test_a_flat_detail_gets_what_the_general_path_gives(detail):
    assert _detail_json(detail) == _general(detail)


@pytest.mark.parametrize("detail", [
    {"Name": "x"}, {"seq": 1, "passport_number": "X1"}, {"t": "\ud800"}, {"n": 2**53},
    {1: "a"}, {"seq": 1, "r": {"name": "x"}}])
def test_a_detail_is_refused_as_before(detail):
    got = _detail_json(detail)
    assert isinstance(got, dict) and "detail" in got
    assert got == _general(detail)


def test_a_flat_detail_is_sorted_and_escaped():
    detail = {"z": 'a"\n', "a": None, "m": True, "b": -3, "é": 1}
    assert _detail_json(detail) == '{"a":null,"b":-3,"m":true,"z":"a\\"\\n","é":1}'
    assert _detail_json(detail) == rfc8785.dumps(detail).decode()


GOOD_FIELDS: dict[str, Any] = {
    "time": NOW, "actor": "node:IRQ", "action": "receive", "object_type": "notice",
    "object_id": "n-1", "object_version": 2, "partner": "IRQ", "purpose": "border",
    "legal_basis": ["UNSCR-2178"], "outcome": "ok", "detail": {"seq": 3}}
BAD_VALUES: list[tuple[str, Any]] = [
    ("time", datetime(2026, 1, 2)), ("actor", "alice"), ("action", "fly"),
    ("object_type", ""), ("object_id", "x" * 201), ("object_version", -1),
    ("object_version", True), ("partner", "bad code!"), ("purpose", "tab\there"),
    ("legal_basis", "UNSCR-2178"), ("legal_basis", ["x" * 65]),
    ("legal_basis", iter([""])), ("outcome", "maybe"), ("detail", {"dob": "1970"})]


@pytest.mark.parametrize(("field", "value"), BAD_VALUES)
def test_each_bad_field_alone_is_named(field, value):
    fields = {**GOOD_FIELDS, field: value}
    with pytest.raises(ValidationError) as exc:
        entry.validate_fields(**fields)
    assert set(exc.value.errors) == {"now" if field == "time" else field}


def test_good_fields_give_the_detail_text():
    assert entry.validate_fields(**GOOD_FIELDS) == '{"seq":3}'
