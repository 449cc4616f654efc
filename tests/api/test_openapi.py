"""The OpenAPI 3.1 document: every route, a valid document, Allow on 405, and the
answers of real calls validate against the response schemas it declares."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from coalition import Coalition, build
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from fts_share.api.openapi import wire_component
from fts_share.app import create_app
from fts_share.clock import utcnow
from fts_share.federation.http import PartnerClient

BASE = "https://fts-share.example/schemas/"
SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
OPEN = "?purpose=investigation&legal_basis=UNSCR-2178"
NOTICE = {"subject": {"names": [{"full": "Karim Benali", "kind": "primary"}], "sex": "male",
                      "dob": {"value": "1994", "approximate": True}, "nationalities": ["FRA"]},
          "movement": {"kind": "departure", "place": "Paris", "country": "TUR",
                       "date": "2026-11-20"},
          "basis": {"legal_basis": ["UNSCR-2178"]},
          "handling": {"audience": "named", "recipients": ["IRQ"], "tlp": "AMBER",
                       "purposes": ["investigation"]}}


@pytest.fixture
def pair(tmp_path: Path, sqlite_store_urls: Callable[[], str]) -> Iterator[Coalition]:
    c = build(tmp_path, sqlite_store_urls, [("FRA", "member"), ("IRQ", "member")])
    yield c
    c.close()


@pytest.fixture
def document(pair: Coalition) -> dict[str, Any]:
    status, doc, _ = pair["FRA"].api("GET", "/api/v1/openapi.json")
    assert status == 200
    return dict(doc)


def _flask_to_openapi(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def test_every_api_route_is_in_the_document(pair: Coalition, document: dict[str, Any]) -> None:
    app = create_app(node=pair["FRA"].node)
    routes = {(_flask_to_openapi(r.rule), m.lower()) for r in app.url_map.iter_rules()
              if r.rule.startswith("/api/v1/") or r.endpoint.startswith("operations.")
              for m in r.methods - {"HEAD", "OPTIONS"}}
    documented = {(p, m) for p, ops in document["paths"].items() for m in ops
                  if m in ("get", "put", "post", "delete", "patch")}
    assert routes == documented


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    validate_openapi(document)


def test_no_placeholder_responses(document: dict[str, Any]) -> None:
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            ok = next(op["responses"][s] for s in ("200", "201", "202") if s in op["responses"])
            for media, content in ok["content"].items():
                assert content["schema"] != {"type": "object"}, (path, method, media)
    export = document["paths"]["/api/v1/audit/export"]["get"]["responses"]["200"]
    assert set(export["content"]) == {"application/jsonl", "text/csv"}


def test_wire_components_are_the_files_of_schemas(document: dict[str, Any]) -> None:
    """Each file of schemas/ is a component (its references made pointers into the
    document), so an OpenAPI answer validates exactly as its wire object."""
    for path in SCHEMAS.glob("*.schema.json"):
        name = path.name.removesuffix(".schema.json")
        component = document["components"]["schemas"][name]
        assert component == wire_component(name, json.loads(path.read_text()))
        assert "$id" not in component and ".schema.json" not in json.dumps(component)


def test_a_405_names_the_allowed_methods(pair: Coalition, document: dict[str, Any]) -> None:
    status, problem, headers = pair["FRA"].api("DELETE", "/api/v1/notices", token="officer")
    assert status == 405 and problem["type"].endswith("/method-not-allowed")
    assert {m.strip() for m in headers["Allow"].split(",")} >= {"GET", "POST"}
    declared = document["components"]["responses"]["MethodNotAllowed"]
    assert "Allow" in declared["headers"]


def _registry(document: dict[str, Any]) -> Registry[Any]:
    """The document alone: its schemas are JSON Schema 2020-12, references are
    pointers into it."""
    return Registry().with_resource(f"{BASE}openapi.json",
                                    DRAFT202012.create_resource(document))


def _validator(document: dict[str, Any], pointer: list[str]) -> jsonschema.Draft202012Validator:
    escaped = "/".join(s.replace("~", "~0").replace("/", "~1") for s in pointer)
    return jsonschema.Draft202012Validator(
        {"$ref": f"{BASE}openapi.json#/{escaped}"}, registry=_registry(document),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _response(path: str, method: str, status: str = "200",
              media: str = "application/json", key: str = "schema") -> list[str]:
    return ["paths", path, method, "responses", status, "content", media, key]


def _check(document: dict[str, Any], path: str, method: str, answer: Any,
           status: str = "200") -> None:
    error = jsonschema.exceptions.best_match(
        _validator(document, _response(path, method, status)).iter_errors(answer))
    assert error is None, f"{method} {path}: {error.message} at {list(error.absolute_path)}"


def test_real_answers_follow_the_declared_schemas(pair: Coalition,
                                                  document: dict[str, Any]) -> None:
    fra, irq = pair["FRA"], pair["IRQ"]
    status, summary, _ = fra.api("POST", "/api/v1/notices", token="officer", body=NOTICE)
    assert status == 201
    _check(document, "/api/v1/notices", "post", summary, "201")
    nid = summary["id"]
    calls: list[tuple[str, str, str]] = [
        ("/api/v1/notices", "/api/v1/notices", "officer"),
        ("/api/v1/notices/{notice_id}", f"/api/v1/notices/{nid}{OPEN}", "officer"),
        ("/api/v1/notices/{notice_id}/export", f"/api/v1/notices/{nid}/export{OPEN}",
         "officer"),
        ("/api/v1/notices/{notice_id}/hits", f"/api/v1/notices/{nid}/hits", "officer"),
        ("/api/v1/alerts", "/api/v1/alerts", "officer"),
        ("/api/v1/node", "/api/v1/node", "officer"),
        ("/api/v1/roster", "/api/v1/roster", "officer"),
        ("/api/v1/openapi.json", "/api/v1/openapi.json", "officer"),
        ("/api/v1/audit/tree-head", "/api/v1/audit/tree-head", "reviewer"),
        ("/api/v1/audit/entries", "/api/v1/audit/entries", "reviewer"),
        ("/api/v1/audit/proof/inclusion", "/api/v1/audit/proof/inclusion?index=0",
         "reviewer"),
        ("/api/v1/audit/proof/consistency", "/api/v1/audit/proof/consistency?first=1",
         "reviewer"),
        ("/api/v1/audit/verify", "/api/v1/audit/verify", "reviewer"),
        ("/api/v1/audit/report", "/api/v1/audit/report", "reviewer"),
        ("/api/v1/audit/findings", "/api/v1/audit/findings", "reviewer"),
    ]
    for path, url, role in calls:
        status, answer, _ = fra.api("GET", url, token=role)
        assert status == 200, (url, answer)
        _check(document, path, "get", answer)
    status, answer, _ = fra.api("POST", "/api/v1/screen", token="officer", body={
        "purpose": "investigation", "legal_basis": ["UNSCR-2178"], "name": "Karim Benali"})
    assert status == 200
    _check(document, "/api/v1/screen", "post", answer)
    status, job, headers = fra.api("POST", "/api/v1/screen/jobs", token="officer", body={
        "purpose": "investigation", "legal_basis": ["UNSCR-2178"],
        "batch": [{"ref": "R1", "name": "Karim Benali"}]})
    assert status == 202 and headers["Location"].endswith(job["id"])
    _check(document, "/api/v1/screen/jobs", "post", job, "202")
    status, answer, _ = fra.api("GET", headers["Location"], token="officer")
    assert status == 200
    _check(document, "/api/v1/screen/jobs/{job_id}", "get", answer)
    resp = PartnerClient(key=irq.node.signing).request(
        "GET", f"{fra.url}/api/v1/feed?after=0&limit=10", now=utcnow())
    assert resp.status == 200
    _check(document, "/api/v1/feed", "get", resp.json())
    status, text, headers = fra.api("GET", "/api/v1/audit/export", token="reviewer")
    assert status == 200 and headers["Content-Type"].startswith("application/jsonl")
    entry = _validator(document, _response("/api/v1/audit/export", "get",
                                           media="application/jsonl", key="x-item-schema"))
    lines = text.splitlines()
    assert lines
    for line in lines:
        entry.validate(json.loads(line))
    status, problem, _ = fra.api("GET", "/api/v1/notices/nothing" + OPEN, token="officer")
    assert status == 404
    jsonschema.Draft202012Validator(json.loads((SCHEMAS / "problem.schema.json")
                                               .read_text())).validate(problem)
