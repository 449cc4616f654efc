"""Reviewer API: the audit log, signed tree heads, proofs, verification, exports and
the compliance report. Reviewers read the log; they never see notice content."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request, stream_with_context
from marshmallow import EXCLUDE, Schema, fields, validate

from fts_share.api.auth import caller, require
from fts_share.http import context
from fts_share.jsontext import MAX_SAFE_INTEGER
from fts_share.services import reviewing, witnessing

bp = Blueprint("api_audit", __name__)


class LenientQuery(Schema):
    """A query string: unknown arguments are ignored (the filters take them)."""

    class Meta:
        unknown = EXCLUDE


class InclusionQuery(LenientQuery):
    """Query of the inclusion proof."""

    index = fields.Integer(required=True, validate=validate.Range(min=0, max=MAX_SAFE_INTEGER))
    size = fields.Integer(validate=validate.Range(min=1, max=MAX_SAFE_INTEGER))


class ConsistencyQuery(LenientQuery):
    """Query of the consistency proof."""

    first = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_SAFE_INTEGER))
    second = fields.Integer(validate=validate.Range(min=1, max=MAX_SAFE_INTEGER))


class WitnessedQuery(LenientQuery):
    """Query of the witnessed heads: whose heads (default: the caller's), how many."""

    node = fields.String(load_default=None, validate=validate.Regexp(r"^[A-Z][A-Z0-9_-]{1,31}$"))
    limit = fields.Integer(load_default=100,
                           validate=validate.Range(min=1, max=witnessing.MAX_WITNESSED))


class ExportQuery(LenientQuery):
    """Query of the export: the format (and the entry filters)."""

    format = fields.String(load_default="jsonl", validate=validate.OneOf(["jsonl", "csv"]))


@bp.get("/audit/entries")
@require("reviewer")
def entries() -> dict[str, Any]:
    """Entries filtered by time, actor, action, notice and partner (keyset paging)."""
    with context.read() as work:
        return reviewing.entries(work, request.args.to_dict())


@bp.get("/audit/tree-head")
@require("reviewer")
def tree_head() -> dict[str, Any]:
    """The newest signed tree head (a fresh one is signed if the log grew)."""
    with context.work() as work:
        return reviewing.tree_head(work)


@bp.get("/audit/proof/inclusion")
@require("reviewer")
def inclusion() -> dict[str, Any]:
    """The RFC 9162 inclusion proof of entry ``index`` in the tree of ``size``."""
    args = context.load_args(InclusionQuery())
    with context.read() as work:
        return reviewing.inclusion(work, args["index"], args.get("size"))


@bp.get("/audit/proof/consistency")
@require("reviewer")
def consistency() -> dict[str, Any]:
    """The RFC 9162 consistency proof between the trees of ``first`` and ``second``."""
    args = context.load_args(ConsistencyQuery())
    with context.read() as work:
        return reviewing.consistency(work, args["first"], args.get("second"))


@bp.get("/audit/verify")
@require("reviewer")
def verify() -> dict[str, Any]:
    """Recompute the whole tree and check every signed tree head."""
    with context.work() as work:
        report = reviewing.verify(work, actor=caller().audit_name)
    return reviewing.report_json(report)


@bp.get("/audit/export")
@require("reviewer")
def export() -> Response:
    """Export the (filtered) log as JSON Lines or CSV; the export itself is logged."""
    fmt = context.load_args(ExportQuery())["format"]
    args = {k: v for k, v in request.args.to_dict().items() if k != "format"}
    with context.work() as work:
        query = reviewing.start_export(work, actor=caller().audit_name, fmt=fmt, filters=args)
    lines = reviewing.export_lines(context.node(), query, fmt, now=context.now())
    mime = "text/csv" if fmt == "csv" else "application/jsonl"
    resp = Response(stream_with_context(lines), mimetype=mime)
    resp.headers["Content-Disposition"] = f'attachment; filename="audit.{fmt}"'
    return resp


@bp.get("/audit/report")
@require("reviewer")
def report() -> dict[str, Any]:
    """The compliance report (counts by partner, action, legal basis; refusals; purges;
    notices past review; subjects by sex and minors)."""
    with context.read() as work:
        return reviewing.compliance(work)


@bp.get("/audit/findings")
@require("reviewer")
def findings() -> dict[str, Any]:
    """Split views, inconsistent histories and restores detected in partners' logs."""
    with context.read() as work:
        return {"items": reviewing.findings(work)}


@bp.get("/audit/witnessed-heads")
@require("node")
def witnessed_heads() -> dict[str, Any]:
    """The signed tree heads of ``node`` (default: the calling partner) that this node
    received and keeps as a witness, largest first (a signed partner request)."""
    args = context.load_args(WitnessedQuery())
    partner = caller().name
    with context.read() as work:
        return witnessing.witnessed_heads(work, node_code=args["node"] or partner,
                                          witness=work.code, limit=args["limit"])
