"""The OpenAPI 3.1 document, generated with apispec from the same marshmallow schemas
the views load with."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint

from fts_share import __version__
from fts_share.api.audit import ConsistencyQuery, ExportQuery, InclusionQuery
from fts_share.api.feed import FeedQuery
from fts_share.api.notices import ListQuery, OpenQuery
from fts_share.api.screen import AlertQuery
from fts_share.http import context
from fts_share.notices import schemas

bp = Blueprint("api_openapi", __name__)

PROBLEM = {"description": "An RFC 9457 problem", "content": {
    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
JSON_OK = {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}


def _op(summary: str, *, security: str, query: Any = None, body: Any = None,
        ok: dict[str, Any] | None = None, tag: str) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "tags": [tag],
                          "responses": {"200": ok or JSON_OK, "4XX": PROBLEM, "5XX": PROBLEM}}
    op["security"] = [{security: []}] if security != "none" else []
    if query is not None:
        op["parameters"] = [{"in": "query", "schema": query}]
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return op


def ref(name: str) -> dict[str, str]:
    """A reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def build_spec(*, legal_bases: tuple[str, ...], purposes: tuple[str, ...], max_rows: int) -> dict[str, Any]:
    """Build the OpenAPI document for this node's vocabularies."""
    spec = APISpec(title="fts-share node API", version=__version__, openapi_version="3.1.0",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "Federated exchange of notices about foreign "
                                        "terrorist fighters. See docs/protocol.md."})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.security_scheme("node", {
        "type": "apiKey", "in": "header", "name": "Signature",
        "description": "RFC 9421 HTTP Message Signature (ed25519) by a partner node"})
    spec.components.schema("Problem", {"type": "object", "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "instance": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {
            "type": "array", "items": {"type": "string"}}}}})
    notice_in = schemas.notice_input_class(legal_bases, purposes)
    screen_in = schemas.screen_request_class(purposes, legal_bases, max_rows)
    spec.components.schema("NoticeInput", schema=notice_in)
    spec.components.schema("Notice", schema=schemas.NoticeSchema)
    spec.components.schema("ScreenRequest", schema=screen_in)
    spec.components.schema("Withdrawal", schema=schemas.WithdrawalSchema)
    spec.components.schema("Decision", schema=schemas.DecisionSchema)
    paths: dict[str, dict[str, Any]] = {
        "/api/v1/openapi.json": {"get": _op("This document", security="none", tag="node")},
        "/api/v1/node": {"get": _op("The node's code, roster status and public keys",
                                    security="none", tag="node")},
        "/api/v1/roster": {"get": _op("The signed roster in force", security="none", tag="node")},
        "/api/v1/feed": {"get": _op("Envelopes for the calling partner, in link order, with "
                                    "the cursor to continue from", security="node",
                                    query=FeedQuery, tag="federation")},
        "/api/v1/notices": {
            "post": _op("Publish a notice", security="bearer", body=ref("NoticeInput"),
                        tag="notices"),
            "get": _op("List notices (metadata only)", security="bearer", query=ListQuery,
                       tag="notices")},
        "/api/v1/notices/{notice_id}": {
            "get": _op("Open a notice for a purpose (decrypted view)", security="bearer",
                       query=OpenQuery, ok={"description": "The notice", "content": {
                           "application/json": {"schema": {"type": "object", "properties": {
                               "notice": ref("Notice")}}}}}, tag="notices"),
            "put": _op("Publish a new version (If-Match: vN)", security="bearer",
                       body=ref("NoticeInput"), tag="notices")},
        "/api/v1/notices/{notice_id}/withdraw": {
            "post": _op("Withdraw a notice (signed tombstone to every recipient)",
                        security="bearer", body=ref("Withdrawal"), tag="notices")},
        "/api/v1/screen": {"post": _op("Screen a name or a batch (officer or node)",
                                       security="bearer", body=ref("ScreenRequest"),
                                       tag="screening")},
        "/api/v1/alerts": {"get": _op("Match alerts", security="bearer", query=AlertQuery,
                                      tag="screening")},
        "/api/v1/alerts/{alert_id}/decision": {"post": _op(
            "Confirm or dismiss an alert", security="bearer", body=ref("Decision"),
            tag="screening")},
        "/api/v1/audit/entries": {"get": _op("Audit entries (filters: since, until, actor, "
                                             "action, notice, partner, outcome; cursor, limit)",
                                             security="bearer", tag="audit")},
        "/api/v1/audit/tree-head": {"get": _op("The newest signed tree head", security="bearer",
                                               tag="audit")},
        "/api/v1/audit/proof/inclusion": {"get": _op("RFC 9162 inclusion proof",
                                                     security="bearer", query=InclusionQuery,
                                                     tag="audit")},
        "/api/v1/audit/proof/consistency": {"get": _op("RFC 9162 consistency proof",
                                                       security="bearer",
                                                       query=ConsistencyQuery, tag="audit")},
        "/api/v1/audit/verify": {"get": _op("Verify the whole log", security="bearer",
                                            tag="audit")},
        "/api/v1/audit/export": {"get": _op("Export as JSON Lines or CSV", security="bearer",
                                            query=ExportQuery, tag="audit")},
        "/api/v1/audit/report": {"get": _op("Compliance report", security="bearer", tag="audit")},
        "/api/v1/audit/findings": {"get": _op("Split views detected in partners' logs",
                                              security="bearer", tag="audit")},
    }
    for path, operations in paths.items():
        params = [{"in": "path", "name": p, "required": True, "schema": {"type": "string"}}
                  for p in ("notice_id", "alert_id") if "{" + p + "}" in path]
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
