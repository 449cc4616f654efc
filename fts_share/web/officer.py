"""Officer pages: publish (with the live name preview), inbox, open (purpose first),
update, withdraw, and the match alerts."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from fts_share.errors import Conflict, Forbidden, FtsError, Gone, NotFound, ValidationError
from fts_share.http import context
from fts_share.notices import schemas
from fts_share.notices.details import known_details
from fts_share.services import alerts as alert_service
from fts_share.services import hit_reports, notice_photos, publishing, screening
from fts_share.services import inbox as inbox_service
from fts_share.web import errors, forms, security, users, views
from fts_share.web.labels import label, message

bp = Blueprint("officer", __name__, url_prefix="/officer")
bp.before_request(security.check_csrf)
errors.register(bp)
PER_PAGE = 25


def name_preview(text: str) -> dict[str, Any]:
    """The engine's reading of a name, with role labels (or the error, translated)."""
    try:
        reading = screening.read_name(text)
    except ValidationError as exc:
        return {"text": text, "error": "; ".join(message(m) for ms in exc.errors.values()
                                                 for m in ms)}
    for part in reading["parts"]:
        part["role_label"] = label("role", part["role"])
    return reading


def _render_form(nf: forms.NoticeForm, *, mode: str, notice_id: str | None = None,
                 version: int | None = None, errs: dict[str, list[str]] | None = None,
                 previews: list[dict[str, Any]] | None = None, status: int = 200
                 ) -> ResponseReturnValue:
    photos = context.node().config.handling.photos
    errs = dict(errs or {})
    if not photos:  # no photo field on the form: its errors go to the summary
        for name in ("photo", "photo_legal_basis"):
            if name in errs:
                errs.setdefault(forms.FORM_ERROR, []).extend(errs.pop(name))
    return render_template("officer/publish.html", form=nf.values, rows=nf.rows,
                           errors=errs, mode=mode, notice_id=notice_id, version=version,
                           previews=previews or [], photos=photos,
                           **views.notice_form_context()), status


def _previews(nf: forms.NoticeForm) -> list[dict[str, Any]]:
    return [name_preview(n["full"]) for n in nf.data["subject"]["names"]]


@bp.route("/publish", methods=["GET", "POST"])
@users.require("officer")
def publish() -> ResponseReturnValue:
    """The notice form; validated by the API's loader, errors next to their fields.
    The "preview" button shows how the engine reads the names, storing nothing."""
    if request.method == "GET":
        return _render_form(forms.blank(), mode="publish")
    nf = forms.read_form(request.form, request.files.get("photo"))
    if request.form.get("action") == "preview":
        return _render_form(nf, mode="publish", previews=_previews(nf))
    user = users.current_user()
    assert user is not None
    try:
        data = publishing.read_notice_input(context.node().config, nf.data)
        with context.work() as work:
            row = publishing.publish(work, data=data, actor=user.actor)
            notice_id = row.notice_id
    except ValidationError as exc:
        return _render_form(nf, mode="publish", errs=nf.errors(exc.errors), status=422)
    flash(_("Notice published to %(n)s partner(s).", n=len(row.recipients)), "ok")
    return redirect(url_for("officer.inbox", box="published", published=notice_id))


@bp.post("/preview-name")
@users.require("officer")
def preview_name() -> ResponseReturnValue:
    """JSON for the live preview: ``{"name": ...}`` -> the engine's reading."""
    body = request.get_json(silent=True)
    name = body.get("name") if isinstance(body, dict) else None
    if not isinstance(name, str) or len(name) > 400:
        return jsonify({"error": _("Invalid input")}), 422
    return jsonify(name_preview(name))


@bp.get("/")
@users.require("officer")
def inbox() -> ResponseReturnValue:
    """Received notices (or, with ``box=published``, those published here): metadata
    only, latest version first; the content is opened with a purpose."""
    box = "published" if request.args.get("box") == "published" else "received"
    status = request.args.get("status") or None
    if status not in (None, "active", "superseded", "withdrawn", "purged"):
        status = None
    page = views.page_number()
    with context.read() as work:
        rows, total = inbox_service.latest_notices(work, authored=box == "published",
                                                   status=status, page=page,
                                                   per_page=PER_PAGE)
        new_alerts = alert_service.count(work, "new")
        hits = (hit_reports.confirmed_counts(work, [r.notice_id for r in rows])
                if box == "published" else {})
    return render_template("officer/inbox.html", rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PER_PAGE)), box=box, status=status,
                           new_alerts=new_alerts, hits=hits)


def _summary(notice_id: str) -> Any:
    with context.read() as work:
        row = inbox_service.latest_notice(work, notice_id)
    if row is None:
        abort(404)
    return row


def _feedback(notice_id: str) -> dict[str, Any]:
    """What the notice's page shows beside its metadata: the hits partners reported
    on it and its related notices."""
    with context.read() as work:
        return {k: v for k, v in hit_reports.feedback(work, notice_id).items() if k != "id"}


@bp.get("/notices/<notice_id>")
@users.require("officer")
def open_gate(notice_id: str) -> ResponseReturnValue:
    """Ask the purpose and legal basis before anything of the content is shown."""
    intent = "edit" if request.args.get("intent") == "edit" else "view"
    return render_template("officer/open.html", row=_summary(notice_id), intent=intent,
                           errors={}, form={}, **_feedback(notice_id),
                           **views.notice_form_context())


def _open(notice_id: str, purpose: str, legal_basis: list[str]) -> dict[str, Any]:
    """publishing.open_notice; a refusal it logs is committed before the error is shown."""
    user = users.current_user()
    assert user is not None
    failure: FtsError | None = None
    with context.work() as work:
        try:
            return publishing.open_notice(work, notice_id=notice_id, actor=user.actor,
                                          purpose=purpose, legal_basis=legal_basis)
        except (Forbidden, Gone) as exc:
            failure = exc  # leave the block normally: the access_refused entry is kept
    raise failure


@bp.post("/notices/<notice_id>/open")
@users.require("officer")
def open_notice(notice_id: str) -> ResponseReturnValue:
    """Open the content for the stated purpose (logged with it); with ``intent=edit``
    the update form comes back prefilled."""
    intent = "edit" if request.form.get("intent") == "edit" else "view"
    raw = {"purpose": request.form.get("purpose", ""),
           "legal_basis": request.form.getlist("legal_basis")}
    try:
        asked = publishing.read_open_request(context.node().config,
                                             {k: v for k, v in raw.items() if v})
    except ValidationError as exc:
        errs = {k.split(".")[0]: [message(m) for m in v] for k, v in exc.errors.items()}
        return render_template("officer/open.html", row=_summary(notice_id), intent=intent,
                               errors=errs, form=raw, **_feedback(notice_id),
                               **views.notice_form_context()), 422
    view = _open(notice_id, asked["purpose"], asked["legal_basis"])
    if intent == "edit":
        if not view["authored"] or view["status"] != "active":
            abort(409)
        return _render_form(forms.notice_values(view["notice"]), mode="update",
                            notice_id=notice_id, version=view["version"])
    return render_template("officer/notice.html", view=view, notice=view["notice"],
                           notice_id=notice_id, purpose=asked["purpose"],
                           legal_basis=asked["legal_basis"],
                           details=known_details(view["notice"].get("ext")),
                           photos=context.node().config.handling.photos)


@bp.get("/notices/<notice_id>/photo")
@users.require("officer")
def photo(notice_id: str) -> ResponseReturnValue:
    """The photo of a notice version, for the purpose and legal basis it was opened
    with (checked and logged again; never cached)."""
    raw = {"purpose": request.args.get("purpose", ""),
           "legal_basis": request.args.getlist("legal_basis")}
    version = request.args.get("version", "")
    try:
        asked = publishing.read_open_request(context.node().config,
                                             {k: v for k, v in raw.items() if v})
    except ValidationError:
        abort(422)
    user = users.current_user()
    assert user is not None
    failure: FtsError | None = None
    with context.work() as work:
        try:
            image, media_type = notice_photos.open_photo(
                work, notice_id=notice_id, version=int(version) if version.isdigit() else None,
                actor=user.actor, purpose=asked["purpose"], legal_basis=asked["legal_basis"])
        except (Forbidden, Gone) as exc:
            failure = exc  # the access_refused entry is kept
    if failure is not None:
        raise failure
    resp = Response(image, mimetype=media_type)
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Disposition"] = "inline"
    return resp


@bp.post("/notices/<notice_id>/update")
@users.require("officer")
def update(notice_id: str) -> ResponseReturnValue:
    """Publish a new version that supersedes the one the form was prefilled from."""
    nf = forms.read_form(request.form, request.files.get("photo"))
    version = request.form.get("version", "")
    expected = int(version) if version.isdigit() else None
    if request.form.get("action") == "preview":
        return _render_form(nf, mode="update", notice_id=notice_id, version=expected,
                            previews=_previews(nf))
    user = users.current_user()
    assert user is not None
    try:
        data = publishing.read_notice_input(context.node().config, nf.data)
        with context.work() as work:
            row = publishing.update(work, notice_id=notice_id, data=data, actor=user.actor,
                                    expected_version=expected,
                                    keep_photo=bool(request.form.get("keep_photo")))
            new_version = row.version
    except ValidationError as exc:
        return _render_form(nf, mode="update", notice_id=notice_id, version=expected,
                            errs=nf.errors(exc.errors), status=422)
    flash(_("Notice updated: version %(v)s.", v=new_version), "ok")
    return redirect(url_for("officer.inbox", box="published"))


@bp.route("/notices/<notice_id>/withdraw", methods=["GET", "POST"])
@users.require("officer")
def withdraw(notice_id: str) -> ResponseReturnValue:
    """Withdraw a notice published here, with a reason (a tombstone goes to every
    recipient)."""
    row = _summary(notice_id)
    errs: dict[str, list[str]] = {}
    reason = ""
    if request.method == "POST":
        reason = request.form.get("reason", "")
        user = users.current_user()
        assert user is not None
        try:
            data = publishing.read_withdrawal({"reason": reason} if reason.strip() else {})
            with context.work() as work:
                publishing.withdraw(work, notice_id=notice_id, reason=data["reason"],
                                    actor=user.actor)
        except ValidationError as exc:
            errs = {"reason": [message(m) for v in exc.errors.values() for m in v]}
        else:
            flash(_("Notice withdrawn."), "ok")
            return redirect(url_for("officer.inbox", box="published"))
    return render_template("officer/withdraw.html", row=row, errors=errs,
                           reason=reason), 422 if errs else 200


@bp.get("/alerts")
@users.require("officer")
def alerts() -> ResponseReturnValue:
    """Match alerts, each side by side: the notice's subject as matched and this node's
    watchlist record, with the engine's explanation; confirm or dismiss."""
    status = request.args.get("status", "new")
    if status not in ("new", "confirmed", "dismissed"):
        status = "new"
    after = request.args.get("after", "0")
    after_id = int(after) if after.isdigit() else 0
    with context.read() as work:
        rows = alert_service.list_alerts(work, status=status, after_id=after_id,
                                         limit=PER_PAGE + 1)
        items = alert_service.with_records(work, rows[:PER_PAGE])
    nxt = rows[PER_PAGE - 1].id if len(rows) > PER_PAGE else None
    return render_template("officer/alerts.html", items=items, status=status, next=nxt)


@bp.get("/alerts/<int:alert_id>")
@users.require("officer")
def alert(alert_id: int) -> ResponseReturnValue:
    """One alert: both sides, the explanation, and every decision with its reason."""
    with context.read() as work:
        try:
            found = alert_service.get(work, alert_id)
        except NotFound:
            abort(404)
    return render_template("officer/alerts.html", items=[found], history=found["history"],
                           hit_feedback=found["hit_feedback"],
                           status=found["alert"].status, next=None)


@bp.post("/alerts/<int:alert_id>/decision")
@users.require("officer")
def decide(alert_id: int) -> ResponseReturnValue:
    """Confirm, dismiss or reopen one alert, with a reason (kept and logged)."""
    raw = {k: request.form[k] for k in ("decision", "reason", "note")
           if request.form.get(k, "").strip()}
    user = users.current_user()
    assert user is not None
    try:
        data = schemas.load_decision(raw)
        with context.work() as work:
            alert_service.decide(work, alert_id=alert_id, decision=data["decision"],
                                 actor=user.audit_name, reason=data["reason"],
                                 note=data.get("note"))
    except ValidationError as exc:
        flash(_("The decision was not recorded: %(why)s",
                why="; ".join(f"{label('field', k)}: {message(m)}"
                              for k, v in exc.errors.items() for m in v)), "error")
    except Conflict:
        flash(_("The alert already has this status."), "error")
    else:
        flash(_("Alert %(id)s: %(decision)s.", id=alert_id,
                decision=label("decision", data["decision"])), "ok")
    if request.form.get("back") == "alert":
        return redirect(url_for("officer.alert", alert_id=alert_id))
    return redirect(url_for("officer.alerts"))


