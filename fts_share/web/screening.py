"""Screening pages: one name, or an uploaded CSV (size and type limited; one bad row
and nothing is screened). Long batches run in the background with a progress page
that refreshes itself (no JavaScript needed)."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.exceptions import RequestEntityTooLarge

from fts_share.errors import NotFound, ValidationError
from fts_share.http import context
from fts_share.notices import schemas
from fts_share.services import batchjobs, hit_links, jobqueue, screening
from fts_share.web import errors, security, users, views
from fts_share.web import screening_results as results
from fts_share.web.bidi import ltr
from fts_share.web.labels import message

bp = Blueprint("screening", __name__, url_prefix="/officer/screen")
bp.before_request(security.check_csrf)
errors.register(bp)

MAX_UPLOAD_BYTES = 512 * 1024
CSV_TYPES = ("text/csv", "text/plain", "application/csv", "application/vnd.ms-excel",
             "application/octet-stream")
COLUMNS = ("ref", "name", "dob", "nationality")
#: Batches up to this size are screened while the page loads (longer ones in the
#: background, with a progress page); every batch is a stored job either way.
SYNC_ROWS = 200


class BadUpload(Exception):
    """The upload is refused; ``field`` is where the message is shown."""

    def __init__(self, message: str, field: str = "file") -> None:
        super().__init__(message)
        self.message, self.field = message, field


def _upload_text(upload: Any) -> str:
    """The text of an upload: a .csv of a CSV type, within the size, UTF-8, no NUL."""
    if upload is None or not upload.filename:
        raise BadUpload(_("Choose a CSV file."))
    if not upload.filename.lower().endswith(".csv") or upload.mimetype not in CSV_TYPES:
        raise BadUpload(_("Only CSV files (.csv) are accepted."))
    data = upload.stream.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise BadUpload(_("The file is larger than %(kb)s KB.", kb=MAX_UPLOAD_BYTES // 1024))
    try:
        text = str(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise BadUpload(_("The file is not UTF-8 text.")) from None
    if "\x00" in text:
        raise BadUpload(_("Only CSV files (.csv) are accepted."))
    return text


def read_csv(upload: Any) -> list[dict[str, Any]]:
    """The rows of an uploaded screening CSV (header: ``name`` and optionally ``ref``,
    ``dob``, ``nationality``). Raises :class:`BadUpload` for the wrong type or size."""
    reader = csv.DictReader(io.StringIO(_upload_text(upload)))
    header = reader.fieldnames or []
    unknown = [c for c in header if c not in COLUMNS]
    if "name" not in header or unknown:
        raise BadUpload(_("Line 1: the header must have a name column and only: %(cols)s.",
                          cols=", ".join(COLUMNS)))
    rows = []
    for row in reader:
        if None in row:
            raise BadUpload(_("Line %(line)s: more fields than the header.",
                              line=reader.line_num))
        rows.append({k: v.strip() for k, v in row.items() if v is not None and v.strip()})
    if not rows:
        raise BadUpload(_("The file has no rows."))
    return rows


def _row_errors(exc: ValidationError) -> list[str]:
    """``batch.3.dob`` -> "Line 5 (dob): ..." (line 1 is the header)."""
    out: list[str] = []
    for path, msgs in sorted(exc.errors.items()):
        parts = path.split(".")
        if parts[0] == "batch" and len(parts) > 1 and parts[1].isdigit():
            where = Markup("%s") % _("Line %(line)s", line=int(parts[1]) + 2)
            if len(parts) > 2:
                where += Markup(" (%s)") % ltr(parts[2])
        else:
            where = Markup("%s") % parts[0]
        out.extend(where + Markup(": %s") % message(m) for m in msgs)
    return out


def _unreadable_names(rows: list[dict[str, Any]]) -> list[str]:
    """Names the engine cannot read (only particles or titles...), by line: checked
    before screening so that a bad row screens nothing."""
    out: list[str] = []
    for i, row in enumerate(rows):
        try:
            screening.analyze(row["name"])
        except ValidationError as exc:
            out.extend(Markup("%s (%s): %s") % (_("Line %(line)s", line=i + 2), ltr("name"),
                                                message(m))
                       for msgs in exc.errors.values() for m in msgs)
        if len(out) >= 20:
            break
    return out


def _form_request() -> tuple[dict[str, Any], dict[str, list[str]]]:
    raw: dict[str, Any] = {"purpose": request.form.get("purpose", ""),
                           "legal_basis": request.form.getlist("legal_basis")}
    return {k: v for k, v in raw.items() if v}, {}


def _page(**kw: Any) -> ResponseReturnValue:
    kw.setdefault("errors", {})
    kw.setdefault("which", "batch" if request.endpoint == "screening.batch" else "one")
    kw.setdefault("form", request.form if request.method == "POST" else {})
    status = kw.pop("status", 200)
    return render_template("officer/screen.html", max_kb=MAX_UPLOAD_BYTES // 1024,
                           **views.notice_form_context(), **kw), status


@bp.get("/")
@users.require("officer")
def form() -> ResponseReturnValue:
    """The screening form: one name, or a CSV file."""
    return _page()


@bp.post("/")
@users.require("officer")
def screen_one() -> ResponseReturnValue:
    """Screen one name (validated by the API's loader); hits with their explanation."""
    raw, _unused = _form_request()
    for key in ("name", "dob", "nationality"):
        if request.form.get(key, "").strip():
            raw[key] = request.form[key].strip()
    if request.form.get("document", "").strip():
        raw["documents"] = [request.form["document"].strip()]
    user = users.current_user()
    assert user is not None
    try:
        data = schemas.load_screen_request(raw, **views.vocabularies(),
                                           max_rows=context.node().config.api.max_batch_rows)
        query = screening.Query(name=data["name"], dob=data["dob"],
                                nationality=data["nationality"],
                                documents=[d["number"] for d in data["documents"]])
        with context.work() as work:
            result = screening.screen(work, queries=[query], purpose=data["purpose"],
                                      legal_basis=data["legal_basis"],
                                      actor=user.audit_name)[0]
    except ValidationError as exc:
        errs = {("document" if k.startswith("documents") else k.split(".")[0]):
                [message(m) for m in v] for k, v in exc.errors.items()}
        return _page(errors=errs, status=422, which="one")
    return _page(single=_annotated([result], external=False)[0],
                 screened_name=data["name"], which="one")


@bp.post("/batch")
@users.require("officer")
def batch() -> ResponseReturnValue:
    """Screen an uploaded CSV: every row is validated first; a bad row is reported and
    nothing is screened."""
    raw, _unused = _form_request()
    user = users.current_user()
    assert user is not None
    try:
        raw["batch"] = read_csv(request.files.get("file"))
    except BadUpload as bad:
        return _page(errors={bad.field: [bad.message]}, status=422)
    except RequestEntityTooLarge:
        return _page(errors={"file": [_("The file is larger than %(kb)s KB.",
                                        kb=MAX_UPLOAD_BYTES // 1024)]}, status=413)
    try:
        data = schemas.load_screen_request(raw, **views.vocabularies(),
                                           max_rows=context.node().config.api.max_batch_rows)
    except ValidationError as exc:
        return _page(errors=_batch_errors(exc), status=422)
    unreadable = _unreadable_names(data["batch"])
    if unreadable:
        return _page(errors={"file": unreadable}, status=422)
    inline = len(data["batch"]) <= SYNC_ROWS  # a few rows: screened in this request
    with context.work() as work:
        job_id = batchjobs.create(work, rows=data["batch"], purpose=data["purpose"],
                                  legal_basis=data["legal_basis"], owner=user.id,
                                  actor=user.audit_name)
        if not inline:
            jobqueue.enqueue(work, "screen_batch", job_id, clock=context.state().clock)
    if inline:
        batchjobs.run(context.node(), job_id, context.state().clock)
    return redirect(url_for("screening.job", job_id=job_id))


def _batch_errors(exc: ValidationError) -> dict[str, list[str]]:
    """A batch's validation errors: rows by line under ``file``, and the form's fields."""
    rows = _row_errors(exc)
    field_errors = {k: [message(m) for m in v] for k, v in exc.errors.items()
                    if k in ("purpose", "legal_basis")}
    return {"file": [m for m in rows if not m.startswith(("purpose", "legal_basis"))],
            **field_errors}


def _owned_job(job_id: str) -> dict[str, Any]:
    """The job, without its results, if it is the signed-in officer's (404 otherwise)."""
    user = users.current_user()
    if user is None or len(job_id) > 32:
        abort(404)
    try:
        return batchjobs.get(context.node(), job_id, owner=user.id, now=context.now(),
                             with_results=False)
    except NotFound:
        abort(404)


def hit_link(reference: str, external: bool = False) -> str | None:
    """Where a hit leads: its received notice's page, or its list entry's page."""
    if not reference:
        return None
    notice = hit_links.notice_of(reference)
    if notice is not None:
        return url_for("officer.open_gate", notice_id=notice[1], _external=external)
    return url_for("screening.list_entry", entry_id=reference, _external=external)


def _annotated(rows: list[dict[str, Any]], *, external: bool) -> list[dict[str, Any]]:
    """The job's rows with each hit's decision (read now) and link."""
    refs = [h.get("reference", "") for r in rows for h in r.get("hits", [])]
    with context.read() as work:
        decided = hit_links.decisions(work, refs)
    return results.annotate(rows, decided, lambda ref: hit_link(ref, external))


@bp.get("/entries/<path:entry_id>")
@users.require("officer")
def list_entry(entry_id: str) -> ResponseReturnValue:
    """A UN or national list entry a hit names, read-only (a received notice's subject
    is read on the notice's page, behind its purpose gate: 404 here)."""
    if len(entry_id) > 80:
        abort(404)
    user = users.current_user()
    assert user is not None
    try:
        with context.work() as work:
            entry = hit_links.list_entry(work, entry_id, actor=user.audit_name)
    except NotFound:
        abort(404)
    return render_template("officer/list_entry.html", entry=entry)


@bp.get("/jobs/<job_id>")
@users.require("officer")
def job(job_id: str) -> ResponseReturnValue:
    """The progress of a batch, then its results: filtered, paged, exportable. Without
    a filter only the page's rows are read; a filter reads the job's rows."""
    found = _owned_job(job_id)
    if found["status"] != "done":
        return render_template("officer/screen_job.html", job=found, job_id=job_id)
    filters = results.Filters.from_args(request.args)
    try:
        wanted = int(request.args.get("page", "1"))
    except ValueError:
        wanted = 1
    if filters.query():
        rows = results.apply(_annotated(_job_rows(job_id), external=False), filters)
        shown, page, pages = results.page_of(rows, wanted)
        matching = len(rows)
    else:
        page, pages = results.clamp(found["total"], wanted)
        shown = _annotated(_job_rows(job_id, offset=(page - 1) * results.PAGE_ROWS,
                                     limit=results.PAGE_ROWS), external=False)
        matching = found["total"]
    summary = found["summary"]
    return render_template("officer/screen_results.html", job=found, job_id=job_id,
                           rows=shown, matching=matching, page=page, pages=pages,
                           filters=filters, measures=summary["measures"],
                           decisions=hit_links.DECISIONS, with_hits=summary["with_hits"])


def _job_rows(job_id: str, offset: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
    """The signed-in officer's done job's results, from ``offset``, at most ``limit``."""
    user = users.current_user()
    assert user is not None
    return batchjobs.results(context.node(), job_id, owner=user.id, now=context.now(),
                             offset=offset, limit=limit)


@bp.get("/jobs/<job_id>/results.<fmt>")
@users.require("officer")
def export(job_id: str, fmt: str) -> ResponseReturnValue:
    """The job's results (with the page's filters) as CSV or JSON, to download."""
    if fmt not in ("csv", "json"):
        abort(404)
    found = _owned_job(job_id)
    if found["status"] != "done":
        abort(404)
    filters = results.Filters.from_args(request.args)
    rows = results.apply(_annotated(_job_rows(job_id), external=True), filters)
    body = results.to_csv(rows) if fmt == "csv" else results.to_json(found, rows, filters)
    kind = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    return Response(body, mimetype=kind.split(";")[0], headers={
        "Content-Type": kind, "Cache-Control": "no-store",
        "Content-Disposition": f'attachment; filename="screening-{job_id[:8]}.{fmt}"'})
