"""httpwg/structured-field-tests: every dictionary test, against the node's RFC 8941
dictionary parser (fts_share.crypto._sfv, used by the RFC 9421 signatures).

The node deliberately differs from RFC 8941 on one point: a dictionary key that occurs
twice is refused, where RFC 8941 section 4.2.2 says the last value wins. Two tests expect
the last-wins result; here they assert the refusal. Source: tests/vectors/external/README.md.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from ext_node import Token, parse_dictionary

DOC = json.loads((Path(__file__).parent / "external" / "sfv" / "dictionary.json").read_text())
CASES = [(name, t) for name, tests in DOC["files"].items() for t in tests]
#: The tests whose expected result relies on "the last duplicate key wins".
DUPLICATE_KEYS = {("dictionary.json", "duplicate key dictionary"),
                  ("key-generated.json", "0x2c in dictionary key")}


def _bare(value: Any) -> Any:
    if isinstance(value, Token):
        return {"__type": "token", "value": str(value)}
    if isinstance(value, bytes):
        return {"__type": "binary", "value": base64.b32encode(value).decode()}
    return value


def _params(params: dict[str, Any]) -> list[list[Any]]:
    return [[k, _bare(v)] for k, v in params.items()]


def _as_test_json(text: str) -> list[list[Any]]:
    """Parse with the node and render in the test suite's JSON form."""
    out = []
    for key, m in parse_dictionary(text).items():
        if m.items is not None:
            value: Any = [[[_bare(v), _params(p)] for v, p in m.items], _params(m.params)]
        else:
            value = [_bare(m.value), _params(m.params)]
        out.append([key, value])
    return json.loads(json.dumps(out))


def test_count() -> None:
    assert len(CASES) == 432


@pytest.mark.parametrize("name,case", CASES, ids=[f"{n}:{t['name']}" for n, t in CASES])
def test_dictionary(name: str, case: dict[str, Any]) -> None:
    text = ", ".join(case["raw"])
    if (name, case["name"]) in DUPLICATE_KEYS:
        assert not case.get("must_fail")
        with pytest.raises(ValueError, match="duplicate dictionary key"):
            parse_dictionary(text)
    elif case.get("must_fail"):
        with pytest.raises(ValueError):
            parse_dictionary(text)
    elif case.get("can_fail"):
        try:
            got = _as_test_json(text)
        except ValueError:
            return
        assert got == json.loads(json.dumps(case["expected"]))
    else:
        assert _as_test_json(text) == json.loads(json.dumps(case["expected"]))
