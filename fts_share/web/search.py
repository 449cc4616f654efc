"""The officer's search of received notices: a form (name in any script, nationality,
date of birth range, origin, notice date range, with the purpose and legal basis) and
one page of results at a time. The criteria travel in the POSTed form, never in the
address, so a name does not end up in access logs or the browser's history."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from fts_share.errors import ValidationError
from fts_share.http import context
from fts_share.notices import schemas
from fts_share.notices.requests import SEARCH_CRITERIA, SEARCH_MAX_PAGE
from fts_share.services import notice_search
from fts_share.web import errors, security, users, views
from fts_share.web.labels import message

bp = Blueprint("search", __name__, url_prefix="/officer/search")
bp.before_request(security.check_csrf)
errors.register(bp)
PER_PAGE = 25


def _page(**kw: Any) -> ResponseReturnValue:
    kw.setdefault("errors", {})
    kw.setdefault("form", request.form if request.method == "POST" else {})
    status = kw.pop("status", 200)
    return render_template("officer/search.html", criteria=SEARCH_CRITERIA, **views.notice_form_context(),
                           **kw), status


def _raw_form() -> dict[str, Any]:
    """The search as the API takes it, from the form (empty fields left out)."""
    raw: dict[str, Any] = {k: request.form[k].strip() for k in SEARCH_CRITERIA
                           if request.form.get(k, "").strip()}
    if request.form.get("purpose"):
        raw["purpose"] = request.form["purpose"]
    if request.form.getlist("legal_basis"):
        raw["legal_basis"] = request.form.getlist("legal_basis")
    text = request.form.get("page", "1")
    raw["page"] = int(text) if text.isascii() and text.isdigit() and len(text) < 6 else 1
    raw["page"] = max(1, min(raw["page"], SEARCH_MAX_PAGE))
    raw["per_page"] = PER_PAGE
    return raw


@bp.get("/")
@users.require("officer")
def form() -> ResponseReturnValue:
    """The search form."""
    return _page()


@bp.post("/")
@users.require("officer")
def results() -> ResponseReturnValue:
    """Search (validated by the API's loader): one page of received notices, each with
    its names, origin, dates, score and a link to open it; errors next to the fields."""
    user = users.current_user()
    assert user is not None
    try:
        data = schemas.load_notice_search(_raw_form(), **views.vocabularies())
        with context.work() as work:
            found = notice_search.search(work, criteria=notice_search.Criteria.of(data),
                                         page=data["page"], per_page=data["per_page"],
                                         purpose=data["purpose"],
                                         legal_basis=data["legal_basis"],
                                         actor=user.audit_name)
    except ValidationError as exc:
        errs = {k.split(".")[0]: [message(m) for m in v] for k, v in exc.errors.items()}
        return _page(errors=errs, status=422)
    return _page(found=found)
