"""The JSON texts written without ``json.dumps`` are the ones it writes: an audit
entry's detail in a bulk insert (``bulk.json_text``) and a version's content sealed
at rest (``notices._content_bytes``), or the same refusal."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fts_share.storage.bulk import json_text
from fts_share.storage.notices import _content_bytes

#: texts with what the encoders escape or may write differently
TEXTS = st.text(alphabet=st.sampled_from(
    ["a", "Z", "0", " ", '"', "\\", "/", "\n", "\t", "\x00", "\x1f", "\x7f", "\u00e9",
     "\u2028", "\u0639", "\U0001f600", "\ud800"]), max_size=6)
VALUES = (TEXTS | st.integers(min_value=-(2**70), max_value=2**70) | st.booleans()
          | st.none() | st.floats(allow_nan=False) | st.lists(st.integers(), max_size=2))


@settings(max_examples=1500)
@given(st.dictionaries(TEXTS | st.integers(0, 3), VALUES, max_size=5))
def test_json_text_of_an_object_is_json_dumps(value: dict[Any, Any]) -> None:
    assert json_text(value) == json.dumps(value)


def _dumped(content: Any) -> bytes | str:
    try:
        return json.dumps(content, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return "refused"


@settings(max_examples=1500)
@given(st.dictionaries(TEXTS, TEXTS | st.integers(), max_size=4))
def test_sealed_content_is_json_dumps_without_ensure_ascii(content: dict[str, Any]) -> None:
    try:
        got: bytes | str = _content_bytes(content)
    except UnicodeEncodeError:
        got = "refused"
    assert got == _dumped(content)
