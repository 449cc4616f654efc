"""Reviewer pages: the audit log (filters, paging), the tree head with a live
"verified" badge, inclusion proofs checked in the page, the compliance report with
charts, and exports. Reviewers read the log; they never see notice content."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from fts_share.api import context
from fts_share.api.feed import current_tree_head
from fts_share.audit import log as audit_log
from fts_share.audit import merkle
from fts_share.audit.entry import ACTIONS, OUTCOMES
from fts_share.audit.errors import VerificationError
from fts_share.audit.export import export_csv, export_jsonl
from fts_share.storage.audit_store import audit_store
from fts_share.storage.audit_tables import AuditEntry
from fts_share.audit.query import entry_to_json, list_entries, parse_query
from fts_share.errors import ValidationError
from fts_share.reviewing import compliance, verify_node_log
from fts_share.web import charts, errors, i18n, security, users
from fts_share.web.labels import VOCABULARIES, label, message

bp = Blueprint("reviewer", __name__, url_prefix="/review")
bp.before_request(security.check_csrf)
errors.register(bp)
FILTERS = ("since", "until", "actor", "action", "partner", "notice", "outcome", "order")
PER_PAGE = 50


def _query_args() -> tuple[dict[str, str], dict[str, str]]:
    """The filter form's values, and the same as ``parse_query`` takes them (days are
    turned into RFC 3339 times, ``until`` inclusive of its day)."""
    form = {k: request.args.get(k, "").strip() for k in FILTERS}
    args = {k: v for k, v in form.items() if v and k not in ("since", "until")}
    for key, suffix in (("since", "T00:00:00Z"), ("until", "T23:59:59.999999Z")):
        value = form[key]
        if value:
            args[key] = value + suffix if len(value) == 10 else value
    return form, args


@bp.get("/")
@users.require("reviewer")
def log() -> ResponseReturnValue:
    """The audit log with filters and keyset paging."""
    form, args = _query_args()
    cursor = request.args.get("cursor")
    if cursor:
        args["cursor"] = cursor
    args["limit"] = str(PER_PAGE)
    errs: dict[str, list[str]] = {}
    entries: list[dict[str, Any]] = []
    nxt = None
    try:
        query = parse_query(args)
        with context.reading() as db:
            page = list_entries(audit_store(db), query)
            entries = [entry_to_json(e) for e in page.entries]
            nxt = page.next_cursor
    except ValidationError as exc:
        errs = {k: [message(m) for m in v] for k, v in exc.errors.items()}
        errs = {("notice" if k == "object_id" else k): v for k, v in errs.items()}
    export_args = {k: v for k, v in form.items() if v}
    return render_template("reviewer/log.html", form=form, errors=errs, entries=entries,
                           next=nxt, actions=[(a, label("action", a)) for a in ACTIONS],
                           outcomes=[(o, label("outcome", o)) for o in OUTCOMES],
                           export_args=export_args), 422 if errs else 200


@bp.get("/tree")
@users.require("reviewer")
def tree() -> ResponseReturnValue:
    """The signed tree head and a badge: the whole log recomputed now, every signed
    head checked (the verification is itself logged)."""
    user = users.current_user()
    assert user is not None
    report = verify_node_log(context.node())
    with context.transaction() as db:
        audit_log.record(audit_store(db), now=context.now(), actor=user.audit_name, action="audit_verify",
                         outcome="ok" if report.ok else "error",
                         detail={"entries": report.entries, "ok": report.ok, "via": "web"})
        head = current_tree_head(db)
        heads = [h.to_json() for h in audit_log.tree_heads(audit_store(db), limit=10)]
    return render_template("reviewer/tree.html", head=head, heads=heads, report=report,
                           result=report.to_json())


@bp.get("/proof")
@users.require("reviewer")
def proof() -> ResponseReturnValue:
    """The RFC 9162 inclusion proof of one entry, verified here against the root."""
    raw_index, raw_size = request.args.get("index", ""), request.args.get("size", "")
    errs: dict[str, list[str]] = {}
    ctx: dict[str, Any] = {"index": raw_index, "size": raw_size}
    if raw_index:
        if not raw_index.isdigit() or (raw_size and not raw_size.isdigit()):
            errs["index"] = [_("Enter a whole number.")]
        else:
            try:
                ctx.update(_proof(int(raw_index), int(raw_size) if raw_size else None))
            except ValidationError as exc:
                errs = {k: [message(m) for m in v] for k, v in exc.errors.items()}
    return render_template("reviewer/proof.html", errors=errs, **ctx), 422 if errs else 200


def _proof(index: int, size: int | None) -> dict[str, Any]:
    with context.transaction() as db:
        head = current_tree_head(db)
        size = size or int(head["size"])
        path = audit_log.inclusion_proof(audit_store(db), index, size)
        root = audit_log.root_at(audit_store(db), size)
        entry = db.get(AuditEntry, index)
        leaf = bytes(entry.leaf_hash) if entry is not None else b""
        doc = entry_to_json(entry) if entry is not None else None
    try:
        merkle.verify_inclusion(leaf_hash=leaf, index=index, size=size, proof=path, root=root)
        verified, problem = True, None
    except VerificationError as exc:
        verified, problem = False, str(exc)
    signed = head if int(head["size"]) == size else None
    return {"entry": doc, "leaf": leaf.hex(), "root": root.hex(), "path": [p.hex() for p in path],
            "size": size, "verified": verified, "problem": problem, "signed": signed,
            "matches_head": signed is not None and signed["root"] in (root.hex(),)}


@bp.get("/report")
@users.require("reviewer")
def report() -> ResponseReturnValue:
    """The compliance report with charts (server-made SVG) and tables."""
    with context.reading() as db:
        doc = compliance(db, now=context.now())
    rtl = i18n.current() in i18n.RTL
    notices = doc["notices"]
    minors = notices["minors"]
    sex = {s: notices["subjects_by_sex"].get(s, 0) for s in ("female", "male", "unknown")}
    minor_sex = {s: minors["by_sex"].get(s, 0) for s in ("female", "male", "unknown")}
    sex_labels = {k: str(v) for k, v in VOCABULARIES["sex"].items()}
    svg = {
        "partner": charts.bar_chart(_("Entries by partner"), doc["by_partner"], rtl=rtl),
        "basis": charts.bar_chart(_("Entries by legal basis"), doc["by_legal_basis"], rtl=rtl),
        "action": charts.bar_chart(_("Entries by action"), doc["by_action"],
                                   labels={a: label("action", a) for a in doc["by_action"]},
                                   rtl=rtl),
        "days": charts.column_chart(_("Actions per day"), list(doc["per_day"].items())),
        "sex": charts.bar_chart(_("Subjects by sex"), sex, labels=sex_labels, rtl=rtl),
        "minors": charts.bar_chart(_("Minors by sex"), minor_sex, labels=sex_labels, rtl=rtl),
    }
    return render_template("reviewer/report.html", doc=doc, svg=svg, sex=sex,
                           minor_sex=minor_sex)


@bp.get("/export.<fmt>")
@users.require("reviewer")
def export(fmt: str) -> ResponseReturnValue:
    """The (filtered) log as CSV or JSON Lines; the export is logged first."""
    if fmt not in ("csv", "jsonl"):
        return errors.page(404)
    user = users.current_user()
    assert user is not None
    _form, args = _query_args()
    try:
        query = parse_query(args)
    except ValidationError as exc:
        return errors.page(422, "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.errors.items()))
    with context.transaction() as db:
        audit_log.record(audit_store(db), now=context.now(), actor=user.audit_name, action="export",
                         object_type="audit_log", detail={"format": fmt, "filters": args,
                                                          "via": "web"})
    store = context.node().store

    def generate() -> Any:
        with store.read() as db:
            yield from (export_csv(audit_store(db), query) if fmt == "csv" else export_jsonl(audit_store(db), query))

    resp = Response(stream_with_context(generate()),
                    mimetype="text/csv" if fmt == "csv" else "application/jsonl")
    resp.headers["Content-Disposition"] = f'attachment; filename="audit.{fmt}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp
