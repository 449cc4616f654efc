"""The OpenAPI 3.1 document, generated with apispec from the same marshmallow schemas
the views load with."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint

from fts_share import __version__
from fts_share.api.audit import ConsistencyQuery, ExportQuery, InclusionQuery, WitnessedQuery
from fts_share.api.feed import FeedQuery
from fts_share.api.notices import ListQuery, OpenQuery, ShareRequest
from fts_share.api.screen import AlertQuery
from fts_share.http import context
from fts_share.notices import schemas
from fts_share.services import roster

bp = Blueprint("api_openapi", __name__)

JSON = "application/json"
PROBLEM = {"description": "An RFC 9457 problem", "content": {
    "application/problem+json": {"schema": {"$ref": "#/components/schemas/problem"}}}}
NOT_ALLOWED = {"description": "The route exists with other methods (listed in Allow)",
               "headers": {"Allow": {"description": "the methods the route accepts",
                                     "schema": {"type": "string"}}},
               "content": PROBLEM["content"]}
RATE_LIMITED = {"description": "Over a rate limit (per address, token or partner key)",
                "headers": {"Retry-After": {"description": "seconds to wait",
                                            "schema": {"type": "integer", "minimum": 1}}},
                "content": PROBLEM["content"]}
STRINGS = {"type": "array", "items": {"type": "string"}}
COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}
NULL_STRING = {"type": ["string", "null"]}


def ref(name: str, pointer: str = "") -> dict[str, str]:
    """A reference to a component schema (or to its part ``pointer``)."""
    return {"$ref": f"#/components/schemas/{name}{pointer}"}


def _ok(schema: dict[str, Any], description: str = "OK",
        media: str = JSON) -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": schema}}}


def _op(summary: str, *, security: str, ok: dict[str, Any], tag: str, query: Any = None,
        body: Any = None, status: str = "200") -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": {
        status: ok, "405": {"$ref": "#/components/responses/MethodNotAllowed"},
        "429": RATE_LIMITED, "4XX": PROBLEM, "5XX": PROBLEM}}
    op["security"] = [{security: []}] if security != "none" else []
    if query is not None:
        op["parameters"] = [{"in": "query", "schema": query}]
    if body is not None:
        op["requestBody"] = {"required": True, "content": {JSON: {"schema": body}}}
    return op


def _closed(required: dict[str, Any], **optional: Any) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "required": sorted(required),
            "properties": {**required, **optional}}


#: Answers that are not wire objects: the officer's and the reviewer's views.
VIEWS: dict[str, dict[str, Any]] = {
    "NoticeSummary": _closed({
        "id": {"type": "string"}, "version": {"type": "integer", "minimum": 1},
        "origin": {"type": "string"}, "authored": {"type": "boolean"},
        "status": {"enum": ["active", "superseded", "withdrawn", "purged"]},
        "tlp": {"type": "string"}, "caveats": STRINGS, "legal_basis": STRINGS,
        "recipients": STRINGS, "created": {"type": "string", "format": "date-time"},
        "review_date": {"type": "string", "format": "date"}, "movement": NULL_STRING,
        "minor": {"type": ["boolean", "null"]}}),
    "NoticeList": _closed({"items": {"type": "array", "items": ref("NoticeSummary")},
                           "next": {"type": ["integer", "null"]}}),
    "OpenedNotice": _closed({
        "notice": ref("notice"), "status": {"type": "string"}, "origin": {"type": "string"},
        "version": {"type": "integer"}, "authored": {"type": "boolean"},
        "verified_author": NULL_STRING}),
    "Shared": _closed({"id": {"type": "string"}, "shared_with": STRINGS}),
    "Alert": _closed({
        "id": {"type": "integer"}, "created": {"type": "string", "format": "date-time"},
        "notice": NULL_STRING, "notice_version": {"type": ["integer", "null"]},
        "record": NULL_STRING, "source": NULL_STRING, "kind": {"type": "string"},
        "score": {"type": "number"}, "measures": STRINGS, "explanation": {},
        "status": {"enum": ["new", "confirmed", "dismissed"]}, "decided_by": NULL_STRING,
        "decided_at": {"type": ["string", "null"], "format": "date-time"},
        "matches": {"type": "array", "items": ref("AlertMatch"),
                    "description": "best first, at most [alerts] max_matches"},
        "match_count": {"type": "integer", "minimum": 0},
        "sightings": {"type": "array", "items": ref("AlertSighting")}}),
    "AlertMatch": _closed({
        "notice": {"type": "string"}, "notice_version": {"type": "integer"},
        "record": {"type": "string"}, "source": {"type": "string"},
        "kind": {"type": "string"}, "score": {"type": "number"}, "measures": STRINGS,
        "explanation": {}}),
    "AlertSighting": _closed({
        "notice": {"type": "string"}, "notice_version": {"type": "integer"},
        "origin": {"type": "string"},
        "linked_by": {"enum": ["opened", "same_notice", "document", "score"]},
        "at": {"type": "string", "format": "date-time"}}),
    "HitReport": _closed({
        "partner": {"type": "string"}, "notice": {"type": "string"},
        "notice_version": {"type": "integer"}, "state": {"enum": ["confirmed", "withdrawn"]},
        "decided": {"type": "string", "format": "date-time"},
        "recorded": {"type": "string", "format": "date-time"}, "note": NULL_STRING,
        "contact": {"type": "string"}, "direction": {"enum": ["sent", "received"]}},
        history={"type": "array", "items": ref("HitReport")}),
    "NoticeHits": _closed({
        "id": {"type": "string"},
        "hits": {"type": "array", "items": ref("HitReport"),
                 "description": "per partner: its current state, with its history"},
        "related": {"type": "array", "items": {
            "type": "object", "required": ["kind"],
            "properties": {"kind": {"enum": ["supersedes", "same-subject", "hit"]}}}}}),
    "AlertList": _closed({"items": {"type": "array", "items": ref("Alert")},
                          "next": {"type": ["integer", "null"]}}),
    "ScreeningJob": _closed({
        "id": {"type": "string"}, "status": {"enum": ["running", "done", "failed"]},
        "total": {"type": "integer", "minimum": 0}, "done": {"type": "integer", "minimum": 0},
        "created": {"type": "string", "format": "date-time"},
        "finished": {"type": ["string", "null"], "format": "date-time"},
        "expires": {"type": "string", "format": "date-time"}, "error": NULL_STRING,
        "results": {"type": ["array", "null"], "items": ref("OfficerScreenResult"),
                    "description": "the screened rows, once done"}}),
    "OfficerScreenResult": {
        "description": "An officer's answer: the partner's fields plus what matched",
        "type": "object", "required": ["hit", "hits"],
        "properties": {"ref": NULL_STRING, "hit": {"type": "boolean"},
                       "hits": {"type": "array", "items": {
                           "type": "object", "properties": {
                               "explanation": ref("explanation"),
                               "expected_precision": {
                                   "type": ["number", "null"], "minimum": 0, "maximum": 1,
                                   "description": "expected precision of hits at this "
                                   "score or more (docs/matching.md)"},
                               "matched_name": {"type": "string"}}}}}},
    "Verification": _closed({
        "ok": {"type": "boolean"}, "entries": {"type": "integer"},
        "tree_size": {"type": "integer"}, "root": NULL_STRING,
        "first_bad_index": {"type": ["integer", "null"]}, "problems": STRINGS,
        "heads_checked": {"type": "integer"}, "signed_size": {"type": ["integer", "null"]},
        "witnessed_checked": {"type": "integer"}, "warnings": STRINGS}),
    "ComplianceReport": _closed({
        "since": NULL_STRING, "until": NULL_STRING, "total": {"type": "integer"},
        "by_partner": COUNTS, "by_action": COUNTS, "by_outcome": COUNTS,
        "by_legal_basis": COUNTS, "refused": {"type": "integer"},
        "refused_by_actor": COUNTS, "purges": {}, "per_day": {}, "extra": {"type": "object"},
        "notices": {"type": "object"}}),
    "Findings": _closed({"items": {"type": "array", "items": _closed({
        "peer": {"type": "string"}, "kind": {"type": "string"},
        "detected_at": {"type": "string", "format": "date-time"}, "detail": {},
        "first": ref("tree-head"), "second": ref("tree-head")})}}),
    "OpenAPI": {"type": "object", "required": ["openapi", "info", "paths"],
                "properties": {"openapi": {"const": "3.1.0"}}},
}


WIRE_REF = re.compile(r"^(?:([a-z0-9-]+)\.schema\.json)?(?:#(.*))?$")


def wire_component(name: str, doc: Any) -> Any:
    """``schemas/<name>.schema.json`` as a component of this document: the file's source
    (without ``$id``, ``$schema`` and the copies it embeds of the files it needs), each
    ``$ref`` rewritten as a pointer into this document (``common.schema.json#/$defs/time``
    becomes ``#/components/schemas/common/$defs/time``), so that any OpenAPI 3.1 tool
    resolves it without fetching anything."""
    if isinstance(doc, list):
        return [wire_component(name, v) for v in doc]
    if not isinstance(doc, dict):
        return doc
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if key == "$ref" and isinstance(value, str):
            out[key] = _pointer(name, value)
        elif key == "$defs" and isinstance(value, dict):
            defs = {k: v for k, v in value.items() if not k.endswith(".schema.json")}
            if defs:
                out[key] = wire_component(name, defs)
        elif key not in ("$id", "$schema"):
            out[key] = wire_component(name, value)
    return out


def _pointer(name: str, ref: str) -> str:
    """A reference of ``schemas/<name>.schema.json`` as a pointer into this document."""
    match = WIRE_REF.match(ref)
    if match is None:
        return ref
    return f"#/components/schemas/{match.group(1) or name}{match.group(2) or ''}"


def _components(spec: APISpec, *, legal_bases: tuple[str, ...], purposes: tuple[str, ...],
                 max_rows: int) -> None:
    """Every wire JSON Schema (by its file name: ``tree-head`` for
    ``schemas/tree-head.schema.json``, the same document), the views, the inputs."""
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.security_scheme("node", {
        "type": "apiKey", "in": "header", "name": "Signature",
        "description": "RFC 9421 HTTP Message Signature (ed25519) by a partner node"})
    spec.components.response("MethodNotAllowed", NOT_ALLOWED)
    for name in roster.wire_schema_names():
        spec.components.schema(name, wire_component(name, roster.wire_schema(name)))
    for name, view in VIEWS.items():
        spec.components.schema(name, view)
    spec.components.schema("NoticeInput", schema=schemas.notice_input_class(legal_bases,
                                                                            purposes))
    spec.components.schema("ScreenRequest",
                           schema=schemas.screen_request_class(purposes, legal_bases, max_rows))
    spec.components.schema("NoticeSearch",
                           schema=schemas.notice_search_class(purposes, legal_bases))
    spec.components.schema("Withdrawal", schema=schemas.WithdrawalSchema)
    spec.components.schema("Decision", schema=schemas.DecisionSchema)
    spec.components.schema("ShareRequest", schema=ShareRequest)


def _notice_paths() -> dict[str, dict[str, Any]]:
    summary = _ok(ref("NoticeSummary"), "The notice's metadata")
    return {
        "/api/v1/notices": {
            "post": _op("Publish a notice", security="bearer", body=ref("NoticeInput"),
                        tag="notices", status="201", ok={**summary, "headers": {"Location": {
                            "schema": {"type": "string"}}}}),
            "get": _op("List notices (metadata only)", security="bearer", query=ListQuery,
                       tag="notices", ok=_ok(ref("NoticeList")))},
        "/api/v1/notices/search": {
            "post": _op("Search the notices received here (name through the matching "
                        "engine, nationality, date of birth, origin, date) for a purpose",
                        security="bearer", body=ref("NoticeSearch"), tag="notices",
                        ok=_ok(ref("notice-search")))},
        "/api/v1/notices/{notice_id}": {
            "get": _op("Open a notice for a purpose (decrypted view)", security="bearer",
                       query=OpenQuery, ok=_ok(ref("OpenedNotice")), tag="notices"),
            "put": _op("Publish a new version (If-Match: vN)", security="bearer",
                       body=ref("NoticeInput"), ok=summary, tag="notices")},
        "/api/v1/notices/{notice_id}/withdraw": {
            "post": _op("Withdraw a notice (signed tombstone to every recipient)",
                        security="bearer", body=ref("Withdrawal"), ok=summary,
                        tag="notices")},
        "/api/v1/notices/{notice_id}/export": {
            "get": _op("A self-contained, verifiable copy of the notice (refused under "
                       "no-onward-dissemination)", security="bearer", query=OpenQuery,
                       ok=_ok(ref("notice-export")), tag="notices")},
        "/api/v1/notices/{notice_id}/hits": {
            "get": _op("Hits reported by partners on a notice, and its related notices",
                       security="bearer", ok=_ok(ref("NoticeHits")), tag="notices")},
        "/api/v1/notices/{notice_id}/share": {
            "post": _op("Re-share a received notice as its origin signed it",
                        security="bearer", body=ref("ShareRequest"), ok=_ok(ref("Shared")),
                        tag="notices")},
    }


def _audit_paths() -> dict[str, dict[str, Any]]:
    def get(summary: str, schema: dict[str, Any], query: Any = None) -> dict[str, Any]:
        return {"get": _op(summary, security="bearer", ok=_ok(schema), query=query,
                           tag="audit")}

    export = _op("Export as JSON Lines (one audit-entries#/$defs/entry per line) or CSV",
                 security="bearer", query=ExportQuery, tag="audit", ok={
                     "description": "The entries, as an attachment", "content": {
                         "application/jsonl": {"schema": {"type": "string"},
                                               "x-item-schema": ref("audit-entries",
                                                                    "/$defs/entry")},
                         "text/csv": {"schema": {"type": "string"}}}})
    return {
        "/api/v1/audit/entries": get("Audit entries (filters: since, until, actor, action, "
                                     "notice, partner, outcome; cursor, limit)",
                                     ref("audit-entries")),
        "/api/v1/audit/tree-head": get("The newest signed tree head", ref("tree-head")),
        "/api/v1/audit/proof/inclusion": get("RFC 9162 inclusion proof",
                                             ref("audit-proof", "/$defs/inclusion"),
                                             InclusionQuery),
        "/api/v1/audit/proof/consistency": get("RFC 9162 consistency proof",
                                               ref("audit-proof", "/$defs/consistency"),
                                               ConsistencyQuery),
        "/api/v1/audit/verify": get("Verify the whole log", ref("Verification")),
        "/api/v1/audit/export": {"get": export},
        "/api/v1/audit/report": get("Compliance report", ref("ComplianceReport")),
        "/api/v1/audit/findings": get("Split views and restores detected in partners' logs",
                                      ref("Findings")),
        "/api/v1/audit/witnessed-heads": {"get": _op(
            "Signed tree heads of a node (default: the caller) that this node witnessed "
            "(optional endpoint)", security="node", query=WitnessedQuery, tag="federation",
            ok=_ok(ref("witnessed-heads")))},
    }


def _operations_paths() -> dict[str, dict[str, Any]]:
    """The operator's endpoints (no prefix, no personal data; docs/protocol.md,
    "Operations")."""
    alive = _closed({"status": {"const": "alive"}})
    ready = _op("Ready: the store answers, the keys are loaded, the migrations are "
                "current (503 problem+json naming the failing checks otherwise)",
                security="none", tag="operations", ok=_ok(ref("readiness")))
    ready["responses"]["503"] = {"description": "Not ready", "headers": {
        "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
        "content": {"application/problem+json": {
            "schema": ref("readiness", "/$defs/not-ready")}}}
    return {
        "/healthz": {"get": _op("Alive: 200 while the process runs", security="none",
                                tag="operations", ok=_ok(alive))},
        "/readyz": {"get": ready},
        "/metrics": {"get": _op(
            "Prometheus metrics (text format 0.0.4; no personal data); 404 when the "
            "node's [ops] metrics is off", security="none", tag="operations",
            ok=_ok({"type": "string"}, media="text/plain"))},
    }


def build_spec(*, legal_bases: tuple[str, ...], purposes: tuple[str, ...],
               max_rows: int) -> dict[str, Any]:
    """Build the OpenAPI document for this node's vocabularies."""
    spec = APISpec(title="fts-share node API", version=__version__, openapi_version="3.1.0",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "Federated exchange of notices about foreign "
                                        "terrorist fighters. See docs/protocol.md; the "
                                        "wire objects' schemas are those of schemas/."})
    _components(spec, legal_bases=legal_bases, purposes=purposes, max_rows=max_rows)
    paths: dict[str, dict[str, Any]] = {
        "/api/v1/openapi.json": {"get": _op("This document", security="none", tag="node",
                                            ok=_ok(ref("OpenAPI")))},
        "/api/v1/node": {"get": _op("The node's code, roster status and public keys",
                                    security="none", tag="node", ok=_ok(ref("node-info")))},
        "/api/v1/roster": {"get": _op("The signed roster in force", security="none",
                                      tag="node", ok=_ok(ref("roster")))},
        "/api/v1/feed": {"get": _op("Envelopes for the calling partner, in link order, with "
                                    "the cursor to continue from", security="node",
                                    query=FeedQuery, tag="federation",
                                    ok=_ok(ref("feed-page")))},
        **_notice_paths(),
        "/api/v1/screen": {"post": _op(
            "Screen a name or a batch (officer or node; a node gets hit / no-hit)",
            security="bearer", body=ref("ScreenRequest"), tag="screening",
            ok=_ok({"anyOf": [ref("screen-answer"), ref("OfficerScreenResult")]}))},
        "/api/v1/screen/jobs": {"post": _op(
            "Queue a batch screening; a worker screens it (202, Location: the job)",
            security="bearer", body=ref("ScreenRequest"), tag="screening", status="202",
            ok={**_ok(ref("ScreeningJob")), "headers": {"Location": {
                "schema": {"type": "string"}}}})},
        "/api/v1/screen/jobs/{job_id}": {"get": _op(
            "A batch screening's status, progress and, once done, results (its owner)",
            security="bearer", tag="screening", ok=_ok(ref("ScreeningJob")))},
        "/api/v1/alerts": {"get": _op("Match alerts", security="bearer", query=AlertQuery,
                                      tag="screening", ok=_ok(ref("AlertList")))},
        "/api/v1/alerts/{alert_id}/decision": {"post": _op(
            "Confirm, dismiss or reopen an alert, with a reason", security="bearer",
            body=ref("alert-decision"),
            tag="screening", ok=_ok(ref("Alert")))},
        **_audit_paths(),
        **_operations_paths(),
        # --- peers (issue 13) ---
        "/api/v1/peers": {"get": _op("Each partner's polling state (administrators)",
                                     security="bearer", tag="node", ok=_ok(ref("peers")))},
    }
    for path, operations in paths.items():
        params = [{"in": "path", "name": p, "required": True,
                   "schema": {"type": "integer" if p == "alert_id" else "string"}}
                  for p in ("notice_id", "alert_id", "job_id") if "{" + p + "}" in path]
        spec.path(path=path, operations=operations, parameters=params or None)
    return spec.to_dict()


@lru_cache(maxsize=8)
def _cached(legal_bases: tuple[str, ...], purposes: tuple[str, ...], max_rows: int) -> dict[str, Any]:
    return build_spec(legal_bases=legal_bases, purposes=purposes, max_rows=max_rows)


@bp.get("/openapi.json")
def openapi() -> dict[str, Any]:
    """The OpenAPI 3.1 description of every endpoint."""
    cfg = context.node().config
    return _cached(tuple(cfg.handling.legal_bases), tuple(cfg.handling.purposes),
                   cfg.api.max_batch_rows)
