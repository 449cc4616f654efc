"""Every object a node emits or accepts in real flows validates against schemas/.

A three-node coalition (tests/coalition.py: real node homes, real HTTP servers) runs
the flows of tests/protocol/flows.py once; each collected object (feed pages, their
signed indexes, envelopes and headers, the opened statements and their notices,
tombstones, re-shared and recalled notices, tree heads and gossiped heads, proofs,
audit entries, node info, rosters, hit/no-hit answers, problem documents, and the
bodies posted by officers and partners) is validated against its schema."""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import flows
import pytest
import wire_schemas
from coalition import FIXTURES, Coalition, build, sqlite_databases
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fts_share.clock import utcnow
from fts_share.federation import wire
from fts_share.services.unit import unit_of_work
from fts_share.services.watchlist_import import import_un_file


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[flows.Collected]:
    folder = tmp_path_factory.mktemp("wire")
    coalition: Coalition = build(folder, sqlite_databases(folder), [("FRA", "member"), ("IRQ", "member"),
                                                ("MLI", "observer")],
                                 post_quantum={"FRA": True, "IRQ": True, "MLI": False})
    try:
        a, b, c = coalition["FRA"], coalition["IRQ"], coalition["MLI"]
        with unit_of_work(a.node, utcnow()) as work:
            import_un_file(work, FIXTURES / "un-excerpt.xml", actor="system")
        out = flows.Collected()
        flows.exchange(out, a, b, c)
        flows.operations(out, a)
        flows.screening(out, a, b)
        flows.reviewer(out, a)
        coalition.version += 1  # every partner accepts hit feedback (protocol version 2)
        coalition.publish_roster(coalition.roster_document(
            version=coalition.version, now=utcnow(),
            edit=lambda entries: [e.__setitem__("protocols", [1, 2]) for e in entries]))
        flows.decisions_and_witnesses(out, a, b)
        flows.problems(out, a, b)
        yield out
    finally:
        coalition.close()


NAMES = ["readiness",  # the operator's GET /readyz
         "feed-page", "feed-index", "tree-head", "feed-consistency", "peer-head", "envelope",
         "envelope-header", "plaintext", "statement", "payload-notice", "payload-tombstone",
         "payload-forwarded", "payload-recall", "notice", "tombstone", "forwarded-statement",
         "notice-input", "notice-opened", "notice-export", "notice-search-query",
         "notice-search", "node-info", "roster", "screen-query",
         "screen-answer", "explanation", "audit-entries", "audit-entry", "inclusion-proof",
         "consistency-proof", "problem", "problem-signature", "witnessed-heads",
         "alert-decision", "audit-bundle", "peers", "payload-hit", "hit"]


@pytest.mark.parametrize("name", NAMES)
def test_every_object_validates(collected: flows.Collected, name: str) -> None:
    samples = [s for s in collected.samples if s.name == name]
    assert samples, f"the flows produced no {name}"
    for sample in samples:
        wire_schemas.check(sample.obj, sample.schema, sample.pointer)


def test_the_flows_cover_every_wire_schema(collected: flows.Collected) -> None:
    used = {s.schema for s in collected.samples}
    assert set(wire_schemas.names()) - used == {"common"}
    assert {s.name for s in collected.samples} <= set(NAMES)


def test_the_flows_reach_every_part_of_a_page(collected: flows.Collected) -> None:
    pages = [s.obj for s in collected.samples if s.name == "feed-page"]
    assert any(p["tree_consistency"] for p in pages)
    assert any(p["peer_heads"] for p in pages)
    notices = [s.obj for s in collected.samples if s.name == "notice"]
    assert {n["provenance"]["supersedes"] for n in notices} == {None, 1}
    reasons = {s.obj["reason"] for s in collected.samples if s.name == "tombstone"}
    assert reasons == {"identity resolved", "no longer a recipient"}


#: The problem type of every status the API answers with (docs/protocol.md, "Errors").
PROBLEM_TYPES = {400: "malformed", 401: "unauthenticated", 403: "forbidden",
                 404: "not-found", 405: "method-not-allowed", 422: "validation"}


def test_problems_carry_the_documented_type_and_status(collected: flows.Collected) -> None:
    seen: Counter[int] = Counter()
    for sample in collected.samples:
        if sample.schema == "problem":
            doc, status = sample.obj, sample.status
            assert status is not None and doc["status"] == status
            assert doc["type"].rsplit("/", 1)[1] == PROBLEM_TYPES[status], doc
            seen[status] += 1
    assert set(seen) == set(PROBLEM_TYPES)


def test_a_bad_request_signature_is_opaque(collected: flows.Collected) -> None:
    doc = collected.first("problem-signature").obj
    assert doc["detail"] == "request signature not accepted"
    assert not re.search(r"signature (base|mismatch)|verify", doc["detail"])


def test_officer_answers_do_not_pass_as_partner_answers(collected: flows.Collected) -> None:
    """The hit/no-hit schema refuses what only officers may see (the record's name and
    the explanation), so a node that leaked them to a partner would fail this suite."""
    answer = next(s.obj for s in collected.samples if s.name == "screen-answer" and
                  s.obj.get("hit"))
    leaked = {**answer, "hits": [{**answer["hits"][0], "matched_name": "x"}]}
    assert not wire_schemas.validator("screen-answer").is_valid(leaked)


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_every_time_on_the_wire_is_utc_with_z(collected: flows.Collected) -> None:
    """docs/protocol.md: times are RFC 3339 in UTC, written with ``Z``, never ``+00:00``."""
    times = [s for sample in collected.samples for s in _strings(sample.obj)
             if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", s)]
    assert len(times) > 50
    assert [(sample.name, t) for sample in collected.samples for t in _strings(sample.obj)
            if t in times and not t.endswith("Z")] == []


def test_the_compiled_validator_accepts_every_object_of_the_flows(
        collected: flows.Collected) -> None:
    """The node decides with the compiled validator (fts_share.federation.wire): every
    object a conforming node sends passes it, as it passes the reference validator."""
    refused = [(s.name, wire.violation(s.obj, s.schema, s.pointer))
               for s in collected.samples if not wire.compiled(s.schema, s.pointer).is_valid(s.obj)]
    assert refused == []


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=6)
RECEIVED = ["feed-index", "envelope", "statement", "payload-notice", "payload-tombstone"]


def _paths(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    inner: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        inner = [p for k, v in value.items() for p in _paths(v, (*at, k))]
    elif isinstance(value, list):
        inner = [p for i, v in enumerate(value) for p in _paths(v, (*at, i))]
    return [at, *inner] if at else inner


def _mutated(obj: Any, path: tuple[Any, ...], value: Any, drop: bool) -> Any:
    out = copy.deepcopy(obj)
    parent = out
    for key in path[:-1]:
        parent = parent[key]
    if drop and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return out


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_compiled_validator_is_never_laxer_than_the_reference(
        collected: flows.Collected, data: st.DataObject) -> None:
    """A received object changed anywhere (a member dropped, any JSON value put in its
    place): whatever the reference validator refuses, the compiled one refuses too, and
    a refusal names the field."""
    sample = data.draw(st.sampled_from([s for s in collected.samples if s.name in RECEIVED]))
    path = data.draw(st.sampled_from(_paths(sample.obj)))
    value = data.draw(JSON | st.sampled_from(["FRA\n", "2026-02-30", "x" * 300, 2**70]))
    obj = _mutated(sample.obj, path, value, data.draw(st.booleans()))
    reference = wire_schemas.validator(sample.schema, sample.pointer).is_valid(obj)
    decided = wire.compiled(sample.schema, sample.pointer).is_valid(obj)
    assert decided <= reference
    if not decided:
        assert wire.violation(obj, sample.schema, sample.pointer) is not None


TRICKY = ["FRA\n", "2026-02-30", "2026-02-30T10:00:00Z", "1994-1-1", "not a uri", "",
          "x" * 300, -1, 2**70, None]


@pytest.mark.parametrize("name", ["feed-index", "envelope", "statement"])
def test_every_field_changed_to_a_tricky_value(collected: flows.Collected, name: str) -> None:
    """Each field of a received object in turn, set to values where validators tend to
    differ (a final newline, impossible dates, big integers): the node refuses all
    that the reference refuses."""
    sample = collected.first(name)
    laxer = []
    for path in _paths(sample.obj):
        for value in TRICKY:
            obj = _mutated(sample.obj, path, value, drop=False)
            if (wire.compiled(sample.schema, sample.pointer).is_valid(obj)
                    and not wire_schemas.validator(sample.schema, sample.pointer).is_valid(obj)):
                laxer.append((path, value))
    assert laxer == []


def test_a_value_with_a_final_newline_is_refused_by_the_node() -> None:
    """The reference validator reads ``^[A-Z]{3}$`` as Python does (a final newline
    passes); the node reads it as JSON Schema does (ECMA-262), and refuses it."""
    assert wire_schemas.validator("common", "/$defs/node").is_valid("FRA\n")
    assert not wire.compiled("common", "/$defs/node").is_valid("FRA\n")
    why = wire.violation("FRA\n", "common", "/$defs/node")
    assert why is not None and "common.schema.json#/$defs/node" in why
