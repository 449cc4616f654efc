"""Reviewer pages: the audit log (filters, paging), the tree head with a live
"verified" badge, inclusion proofs checked in the page, the compliance report with
charts, and exports. Reviewers read the log; they never see notice content."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from fts_share.errors import ValidationError
from fts_share.http import context
from fts_share.services import reviewing
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
        with context.read() as work:
            page = reviewing.entries(work, args)
        entries, nxt = page["items"], page["next"]
    except ValidationError as exc:
        errs = {k: [message(m) for m in v] for k, v in exc.errors.items()}
        errs = {("notice" if k == "object_id" else k): v for k, v in errs.items()}
    export_args = {k: v for k, v in form.items() if v}
    return render_template("reviewer/log.html", form=form, errors=errs, entries=entries,
                           next=nxt,
                           actions=[(a, label("action", a)) for a in reviewing.ENTRY_ACTIONS],
                           outcomes=[(o, label("outcome", o))
                                     for o in reviewing.ENTRY_OUTCOMES],
                           export_args=export_args), 422 if errs else 200


@bp.get("/tree")
@users.require("reviewer")
def tree() -> ResponseReturnValue:
    """The signed tree head and a badge: the whole log recomputed now, every signed
    head checked (the verification is itself logged)."""
    user = users.current_user()
    assert user is not None
    with context.work() as work:
        report = reviewing.verify(work, actor=user.audit_name, via="web")
        head = reviewing.tree_head(work)
        heads = reviewing.recent_tree_heads(work, limit=10)
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
                with context.work() as work:
                    ctx.update(reviewing.checked_inclusion(work, int(raw_index),
                                                           int(raw_size) if raw_size else None))
            except ValidationError as exc:
                errs = {k: [message(m) for m in v] for k, v in exc.errors.items()}
    return render_template("reviewer/proof.html", errors=errs, **ctx), 422 if errs else 200


@bp.get("/report")
@users.require("reviewer")
def report() -> ResponseReturnValue:
    """The compliance report with charts (server-made SVG) and tables."""
    with context.read() as work:
        doc = reviewing.compliance(work)
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
        with context.work() as work:
            query = reviewing.start_export(work, actor=user.audit_name, fmt=fmt, filters=args,
                                           via="web")
    except ValidationError as exc:
        return errors.page(422, "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.errors.items()))
    lines = reviewing.export_lines(context.node(), query, fmt, now=context.now())
    resp = Response(stream_with_context(lines),
                    mimetype="text/csv" if fmt == "csv" else "application/jsonl")
    resp.headers["Content-Disposition"] = f'attachment; filename="audit.{fmt}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp
