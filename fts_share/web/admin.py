"""Administrator pages: the polling state of each partner, the age of the roster in
force when it is aging or stale, and the UN list imports run as jobs, with their
progress."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import RequestEntityTooLarge

from fts_share.errors import NotFound, RosterError
from fts_share.http import context
from fts_share.services import jobqueue, listimports, peers
from fts_share.services import roster as roster_service
from fts_share.web import errors, security, users

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(security.check_csrf)
errors.register(bp)

ROSTER_STATUS = {"active": _l("active"), "suspended": _l("suspended"),
                 "not listed": _l("not on the roster")}
IMPORT_STATUS = {"queued": _l("Queued"), "running": _l("Running"), "done": _l("Done"),
                 "failed": _l("Failed")}
IMPORT_STAGE = {"queued": _l("waiting for a worker"), "parsing": _l("reading the file"),
                "importing": _l("importing the entries"), "done": _l("finished")}
IMPORT_COUNTS = {"total": _l("Entries in the file"), "added": _l("Added"),
                 "updated": _l("Updated"), "delisted": _l("Delisted"),
                 "name_count": _l("Names"), "names_not_indexed": _l("Names not indexed"),
                 "entries_without_readable_name": _l("Entries without a readable name"),
                 "unknown_nationalities": _l("Unknown nationalities (kept as text)")}


@bp.get("/peers")
@users.require("admin")
def peer_states() -> ResponseReturnValue:
    """Each partner's last success, last error, failures in a row, next attempt and
    position in its feed."""
    with context.read() as work:
        states = peers.peer_states(work)
    try:
        freshness = roster_service.freshness(context.node(), now=context.now())
    except RosterError:
        freshness = None
    return render_template("admin/peers.html", states=states, roster_status=ROSTER_STATUS,
                           freshness=freshness)


@bp.get("/imports")
@users.require("admin")
def imports() -> ResponseReturnValue:
    """The latest UN list imports, newest first, with their progress; the form that
    uploads one."""
    return _imports_page()


def _imports_page(errors: dict[str, list[str]] | None = None,
                  status: int = 200) -> ResponseReturnValue:
    rows = listimports.recent(context.node(), now=context.now())
    max_kb = context.node().config.api.max_body_bytes // 1024
    return render_template("admin/imports.html", imports=rows, status=IMPORT_STATUS,
                           stage=IMPORT_STAGE, errors=errors or {}, max_kb=max_kb), status


@bp.post("/imports")
@users.require("admin")
def upload_import() -> ResponseReturnValue:
    """Queue the import of an uploaded UN list export; its page shows the progress."""
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        kb = context.node().config.api.max_body_bytes // 1024
        return _imports_page({"file": [_("The file is larger than %(kb)s KB.", kb=kb)]}, 413)
    content = upload.stream.read() if upload is not None and upload.filename else b""
    if not content:
        return _imports_page({"file": [_("Choose a UN list XML file.")]}, 422)
    if not content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return _imports_page({"file": [_("This is not an XML file.")]}, 422)
    user = users.current_user()
    assert user is not None and upload is not None
    import_id = jobqueue.submit_import(context.node(), content,
                                       file_name=upload.filename or "upload.xml",
                                       owner=user.audit_name, clock=context.state().clock)
    return redirect(url_for("admin.import_page", import_id=import_id))


@bp.get("/imports/<import_id>")
@users.require("admin")
def import_page(import_id: str) -> ResponseReturnValue:
    """One import: its progress, then its counts or the reason it failed."""
    try:
        found = listimports.get(context.node(), import_id, now=context.now())
    except NotFound:
        abort(404)
    return render_template("admin/import.html", item=found, status=IMPORT_STATUS,
                           stage=IMPORT_STAGE, counts=IMPORT_COUNTS)
