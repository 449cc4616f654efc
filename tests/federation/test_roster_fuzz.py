"""The roster parser and installer under arbitrary input (issue 14 §3 and §6): whatever a
roster file holds, only the project's own errors come out (``FtsError``: a
``RosterError`` for a bad roster), never another exception; a roster file that names a
member twice is refused by ``fts-share roster import`` and nothing is installed."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from coalition import build
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fts_share import jsontext
from fts_share.cli import cli
from fts_share.clock import utcnow
from fts_share.crypto.keys import KeyKind, generate
from fts_share.errors import FtsError, RosterError
from fts_share.federation.roster import (
    Roster,
    build_member,
    install,
    roster_key_entry,
    sign_roster,
)

NOW = datetime(2026, 8, 2, 12, tzinfo=UTC)
SECRETARIAT = generate(KeyKind.ED25519)


def _document() -> dict[str, Any]:
    start = NOW - timedelta(days=1)
    members = []
    for code in ("FRA", "IRQ"):
        keys = [roster_key_entry(generate(KeyKind.ED25519).public(), use="sign",
                                 valid_from=start),
                roster_key_entry(generate(KeyKind.X25519).public(), use="encrypt",
                                 valid_from=start)]
        members.append(build_member(code=code, name=code, role="member",
                                    url=f"https://{code.lower()}.example", valid_from=start,
                                    keys=keys))
    return {"coalition": "test", "version": 2, "issued": "2026-08-02T00:00:00Z",
            "members": members}


DOCUMENT = _document()


class Versions:
    """Installed roster versions, in memory."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, dict[str, Any]]] = []

    def newest(self) -> tuple[int, dict[str, Any]] | None:
        return self.rows[-1] if self.rows else None

    def add(self, roster: Roster, *, installed: datetime) -> None:
        self.rows.append((roster.version, roster.document))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


PATHS = [p for p in _paths(DOCUMENT) if p]


def _replace(doc: Any, path: tuple[Any, ...], value: Any, drop: bool) -> Any:
    doc = json.loads(json.dumps(doc))
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    if drop and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return doc


def _only_our_errors(action: Callable[[], Any]) -> None:
    try:
        action()
    except FtsError:
        pass


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(path=st.sampled_from(PATHS), value=JSON, drop=st.booleans())
def test_a_mutated_roster_raises_only_roster_errors(path: tuple[Any, ...], value: Any,
                                                   drop: bool) -> None:
    mutated = _replace(DOCUMENT, path, value, drop)
    # Signed again by the secretariat: the parser itself meets the mutation.
    _only_our_errors(lambda: install(Versions(), sign_roster(mutated, SECRETARIAT),
                                     anchor=SECRETARIAT.public(), now=NOW))
    # As sent: a signature that no longer matches.
    signed = sign_roster(DOCUMENT, SECRETARIAT)
    _only_our_errors(lambda: install(Versions(), _replace(signed, path, value, drop),
                                     anchor=SECRETARIAT.public(), now=NOW))


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(top=JSON)
def test_any_json_document_raises_only_roster_errors(top: Any) -> None:
    _only_our_errors(lambda: install(Versions(), top, anchor=SECRETARIAT.public(), now=NOW))
    _only_our_errors(lambda: Roster(top))


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_any_bytes_read_as_a_roster_file_raise_only_roster_errors(data: bytes) -> None:
    _only_our_errors(lambda: install(Versions(), jsontext.loads(data, error=RosterError),
                                     anchor=SECRETARIAT.public(), now=NOW))


def test_a_roster_file_with_a_duplicate_member_is_refused(
        tmp_path: Path, store_urls: Callable[[], str]) -> None:
    c = build(tmp_path, store_urls, [("FRA", "member"), ("IRQ", "member")], start=False)
    try:
        fra = c["FRA"]
        text = json.dumps(c.roster_document(version=2, now=utcnow()))
        runner = CliRunner()
        for name, bad in {
            "top": '{"version": 3, ' + text[1:],
            "member": text.replace('"code": "FRA"', '"code": "FRA", "code": "XXX"', 1),
        }.items():
            path = tmp_path / f"{name}.json"
            path.write_text(bad)
            res = runner.invoke(cli, ["roster", "import", str(fra.home), str(path)])
            assert res.exit_code == 2 and "duplicate member name" in res.output, res.output
            assert "Traceback" not in res.output
        fra.node.forget_roster()
        assert fra.node.roster.version == 1  # nothing installed
        good = tmp_path / "good.json"
        good.write_text(text)
        res = runner.invoke(cli, ["roster", "import", str(fra.home), str(good)])
        assert res.exit_code == 0 and "version 2" in res.output, res.output
    finally:
        c.close()


@pytest.mark.parametrize("value", [0, -1, 2**31, 2**53 - 1, 2.0, True, "2", [], {}, None])
def test_odd_versions_are_roster_errors(value: Any) -> None:
    """A version the secretariat could sign but that is no version (or would not fit
    the node's table) is refused as a roster error, not a database error."""
    doc = {**DOCUMENT, "version": value}
    with pytest.raises(RosterError, match="version"):
        install(Versions(), sign_roster(doc, SECRETARIAT), anchor=SECRETARIAT.public(),
                now=NOW)
