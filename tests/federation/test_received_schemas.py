"""The wire schemas as the node loads them (fts_share.federation.wire) and the check
of received statements (fts_share.federation.envelopes.check_statement)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from fts_share.federation import wire
from fts_share.federation.envelopes import Rejected, check_statement

REPO_SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
TIME = "2026-12-04T17:47:10.046330Z"
TOMBSTONE = {"v": 1, "origin": "FRA", "kind": "tombstone", "created": TIME, "label": "AMBER",
             "payload": {"tombstone": {"id": "n-1", "version": 1, "reason": "resolved",
                                       "officer": "fra-officer", "created": TIME}}}
RECALL = {**TOMBSTONE, "payload": {"recall": {"id": "n-1", "origin": "IRQ",
                                              "reason": "superseded", "created": TIME}}}


def test_the_package_ships_the_files_of_the_repository_schemas() -> None:
    files = sorted(p.name.removesuffix(".schema.json") for p in REPO_SCHEMAS.glob("*.json"))
    assert list(wire.names()) == files and len(files) >= 15
    assert wire.document("notice")["$id"] == f"{wire.BASE}notice.schema.json"


def test_validators_are_built_once() -> None:
    assert wire.validator("notice", "/$defs/wire") is wire.validator("notice", "/$defs/wire")


def test_unknown_schema() -> None:
    with pytest.raises(KeyError):
        wire.document("nothing")


@pytest.mark.parametrize("statement", [TOMBSTONE, RECALL])
def test_conforming_statements_pass(statement: dict[str, Any]) -> None:
    check_statement(statement)


def _changed(statement: dict[str, Any], member: str, key: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(statement)
    out["payload"][member][key] = value
    return out


@pytest.mark.parametrize(("statement", "where"), [
    (_changed(TOMBSTONE, "tombstone", "purge_at", TIME), "tombstone.schema.json#"),
    (_changed(TOMBSTONE, "tombstone", "version", "1"), "tombstone.schema.json#"),
    (_changed(RECALL, "recall", "extra", 1), "recallPayload"),
    ({**TOMBSTONE, "payload": {"tombstone": TOMBSTONE["payload"]["tombstone"], "x": 1}},
     "statement.schema.json#"),
    ({**TOMBSTONE, "payload": {"notice": {}}}, "statement.schema.json#"),
])
def test_statements_that_break_their_schema_are_rejected(statement: dict[str, Any],
                                                         where: str) -> None:
    with pytest.raises(Rejected, match="bad content") as caught:
        check_statement(statement)
    assert where in caught.value.reason
