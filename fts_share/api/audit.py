"""Reviewer API: the audit log, signed tree heads, proofs, verification, exports and
the compliance report. Reviewers read the log; they never see notice content."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request, stream_with_context
from marshmallow import EXCLUDE, Schema, fields, validate

from fts_share.api import context
from fts_share.api.auth import caller, require
from fts_share.api.feed import current_tree_head
from fts_share.audit import log as audit_log
from fts_share.audit.crosscheck import list_findings
from fts_share.storage.audit_store import audit_store
from fts_share.storage.audit_tables import AuditEntry
from fts_share.audit.export import export_csv, export_jsonl
from fts_share.audit.query import entry_to_json, list_entries, parse_query
from fts_share.reviewing import compliance, report_json, verify_node_log

bp = Blueprint("api_audit", __name__)


@bp.get("/audit/entries")
@require("reviewer")
def entries() -> dict[str, Any]:
    """Entries filtered by time, actor, action, notice and partner (keyset paging)."""
    query = parse_query(request.args.to_dict())
    with context.reading() as session:
        page = list_entries(audit_store(session), query)
        return {"items": [entry_to_json(e) for e in page.entries], "next": page.next_cursor}


@bp.get("/audit/tree-head")
@require("reviewer")
def tree_head() -> dict[str, Any]:
    """The newest signed tree head (a fresh one is signed if the log grew)."""
    with context.transaction() as session:
        return current_tree_head(session)


class InclusionQuery(Schema):
    """Query of the inclusion proof."""

    class Meta:
        unknown = EXCLUDE

    index = fields.Integer(required=True, validate=validate.Range(min=0))
    size = fields.Integer(validate=validate.Range(min=1))


@bp.get("/audit/proof/inclusion")
@require("reviewer")
def inclusion() -> dict[str, Any]:
    """The RFC 9162 inclusion proof of entry ``index`` in the tree of ``size``."""
    args = context.load_args(InclusionQuery())
    with context.reading() as session:
        size = args.get("size") or audit_log.log_size(audit_store(session))
        proof = audit_log.inclusion_proof(audit_store(session), args["index"], size)
        entry = session.get(AuditEntry, args["index"])
        return {"index": args["index"], "size": size,
                "entry": entry_to_json(entry) if entry is not None else None,
                "leaf_hash": entry.leaf_hash.hex() if entry is not None else None,
                "root": audit_log.root_at(audit_store(session), size).hex(),
                "proof": [p.hex() for p in proof]}


class ConsistencyQuery(Schema):
    """Query of the consistency proof."""

    class Meta:
        unknown = EXCLUDE

    first = fields.Integer(required=True, validate=validate.Range(min=1))
    second = fields.Integer(validate=validate.Range(min=1))


@bp.get("/audit/proof/consistency")
@require("reviewer")
def consistency() -> dict[str, Any]:
    """The RFC 9162 consistency proof between the trees of ``first`` and ``second``."""
    args = context.load_args(ConsistencyQuery())
    with context.reading() as session:
        second = args.get("second") or audit_log.log_size(audit_store(session))
        proof = audit_log.consistency_proof(audit_store(session), args["first"], second)
        return {"first": args["first"], "second": second,
                "first_root": audit_log.root_at(audit_store(session), args["first"]).hex(),
                "second_root": audit_log.root_at(audit_store(session), second).hex(),
                "proof": [p.hex() for p in proof]}


@bp.get("/audit/verify")
@require("reviewer")
def verify() -> dict[str, Any]:
    """Recompute the whole tree and check every signed tree head."""
    report = verify_node_log(context.node())
    with context.transaction() as session:
        audit_log.record(audit_store(session), now=context.now(), actor=caller().audit_name,
                         action="audit_verify", outcome="ok" if report.ok else "error",
                         detail={"entries": report.entries, "ok": report.ok})
    return report_json(report)


class ExportQuery(Schema):
    """Query of the export: the format (and the entry filters)."""

    class Meta:
        unknown = EXCLUDE

    format = fields.String(load_default="jsonl", validate=validate.OneOf(["jsonl", "csv"]))


@bp.get("/audit/export")
@require("reviewer")
def export() -> Response:
    """Export the (filtered) log as JSON Lines or CSV; the export itself is logged."""
    fmt = context.load_args(ExportQuery())["format"]
    args = {k: v for k, v in request.args.to_dict().items() if k != "format"}
    query = parse_query(args)
    with context.transaction() as session:
        audit_log.record(audit_store(session), now=context.now(), actor=caller().audit_name, action="export",
                         object_type="audit_log", detail={"format": fmt, "filters": args})
    store = context.node().store

    def generate() -> Any:
        with store.read() as session:
            rows = export_csv(audit_store(session), query) if fmt == "csv" else export_jsonl(audit_store(session), query)
            yield from rows

    mime = "text/csv" if fmt == "csv" else "application/jsonl"
    resp = Response(stream_with_context(generate()), mimetype=mime)
    resp.headers["Content-Disposition"] = f'attachment; filename="audit.{fmt}"'
    return resp


@bp.get("/audit/report")
@require("reviewer")
def report() -> dict[str, Any]:
    """The compliance report (counts by partner, action, legal basis; refusals; purges;
    notices past review; subjects by sex and minors)."""
    with context.reading() as session:
        return compliance(session, now=context.now())


@bp.get("/audit/findings")
@require("reviewer")
def findings() -> dict[str, Any]:
    """Split views and inconsistent histories detected in partners' logs."""
    with context.reading() as session:
        return {"items": [{"peer": f.peer, "kind": f.kind, "detected_at": f.detected_at.isoformat(),
                           "detail": f.detail, "first": f.first_head, "second": f.second_head}
                          for f in list_findings(audit_store(session))]}
