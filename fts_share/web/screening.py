"""Screening pages: one name, or an uploaded CSV (size and type limited; one bad row
and nothing is screened). Long batches run in the background with a progress page
that refreshes itself (no JavaScript needed)."""

from __future__ import annotations

import csv
import io
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.exceptions import RequestEntityTooLarge

from fts_share.errors import FtsError, ValidationError
from fts_share.http import context
from fts_share.notices import schemas
from fts_share.services import metrics, screening
from fts_share.web import errors, security, users, views
from fts_share.web.bidi import ltr
from fts_share.web.labels import message

bp = Blueprint("screening", __name__, url_prefix="/officer/screen")
bp.before_request(security.check_csrf)
errors.register(bp)

MAX_UPLOAD_BYTES = 512 * 1024
CSV_TYPES = ("text/csv", "text/plain", "application/csv", "application/vnd.ms-excel",
             "application/octet-stream")
COLUMNS = ("ref", "name", "dob", "nationality")
#: Batches up to this size are screened while the page loads.
SYNC_ROWS = 200
MAX_JOBS = 20


@dataclass
class Job:
    """One batch screening running in the background, visible to its owner only."""

    owner: int
    total: int
    done: int = 0
    results: list[dict[str, Any]] | None = None
    failed: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def _jobs() -> dict[str, Job]:
    jobs: dict[str, Job] = current_app.extensions.setdefault("fts_web_jobs", {})
    return jobs


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
    return _page(single=result, screened_name=data["name"], which="one")


def _run(app: Any, job: Job, data: dict[str, Any], actor: str) -> None:
    def progress(done: int, total: int) -> None:
        job.done = done

    with app.app_context():
        try:
            with context.work() as work:
                results = screening.screen(work, queries=screening.iter_queries(data["batch"]),
                                           purpose=data["purpose"],
                                           legal_basis=data["legal_basis"], actor=actor,
                                           progress=progress, batch=True)
            job.results = results
        except FtsError as exc:
            job.failed = exc.detail
        except Exception:  # the page must say it failed, not spin forever
            job.failed = "unexpected error"
            raise
        finally:
            metrics.job_ended(context.node().code)


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
    if len(data["batch"]) <= SYNC_ROWS:
        with context.work() as work:
            results = screening.screen(work, queries=screening.iter_queries(data["batch"]),
                                       purpose=data["purpose"],
                                       legal_basis=data["legal_basis"],
                                       actor=user.audit_name, batch=True)
        return _page(batch=results, total=len(results))
    return redirect(url_for("screening.job", job_id=_start_job(data, user)))


def _batch_errors(exc: ValidationError) -> dict[str, list[str]]:
    """A batch's validation errors: rows by line under ``file``, and the form's fields."""
    rows = _row_errors(exc)
    field_errors = {k: [message(m) for m in v] for k, v in exc.errors.items()
                    if k in ("purpose", "legal_basis")}
    return {"file": [m for m in rows if not m.startswith(("purpose", "legal_basis"))],
            **field_errors}


def _start_job(data: dict[str, Any], user: users.WebUser) -> str:
    """Screen a long batch in the background (503 when too many run); the job's id."""
    jobs = _jobs()
    if sum(1 for j in jobs.values() if j.results is None and j.failed is None) >= MAX_JOBS:
        abort(503)
    job_id = secrets.token_urlsafe(12)
    job = jobs[job_id] = Job(owner=user.id, total=len(data["batch"]))
    metrics.job_started(context.node().code)
    threading.Thread(target=_run, args=(current_app._get_current_object(), job, data,  # type: ignore[attr-defined]
                                        user.audit_name), daemon=True).start()
    return job_id


@bp.get("/jobs/<job_id>")
@users.require("officer")
def job(job_id: str) -> ResponseReturnValue:
    """The progress of a background batch, then its results."""
    user = users.current_user()
    found = _jobs().get(job_id)
    if found is None or user is None or found.owner != user.id:
        abort(404)
    if found.results is None:
        return render_template("officer/screen_job.html", job=found, job_id=job_id)
    return _page(batch=found.results, total=found.total)
