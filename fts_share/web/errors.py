"""HTML error pages for the web blueprints (the JSON API keeps problem+json)."""

from __future__ import annotations

import logging

from flask import Blueprint, g, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from fts_share.errors import FtsError, Unavailable

log = logging.getLogger(__name__)


def titles() -> dict[int, str]:
    """Translated titles of the statuses a page can show."""
    return {400: _("Bad request"), 401: _("Sign-in required"), 403: _("Access refused"),
            404: _("Not found"), 405: _("Method not allowed"), 409: _("Conflict"),
            410: _("Content purged"), 413: _("File too large"), 422: _("Invalid input"),
            500: _("Something went wrong"), 502: _("A partner node answered badly"),
            503: _("Temporarily unavailable")}


def page(status: int, detail: str | None = None) -> ResponseReturnValue:
    """The error page for ``status``."""
    title = titles().get(status, _("Something went wrong"))
    return render_template("error.html", status=status, title=title, detail=detail), status


def _csrf(exc: CSRFError) -> ResponseReturnValue:
    return page(400, _("The form expired or was not sent from this site. "
                       "Reload the page and try again."))


def _http(exc: HTTPException) -> ResponseReturnValue:
    status = exc.code or 500
    detail = {403: _("Your role does not give access to this page. The refusal was logged."),
              404: _("There is nothing at this address."),
              413: _("The upload is larger than this node accepts.")}.get(status)
    return page(status, detail)


def _fts(exc: FtsError) -> ResponseReturnValue:
    # The detail of a product error is meant for users; a crypto error stays opaque.
    detail = exc.to_problem()["detail"] if exc.status < 500 else None
    if isinstance(exc, Unavailable):
        g.setdefault("fts_web_user", None)  # the page is drawn without asking the store
        detail = _("The node cannot reach its database. Nothing was changed; "
                   "try again in a moment.")
    return page(exc.status, detail)


def _unexpected(exc: Exception) -> ResponseReturnValue:
    log.exception("web page failed")
    return page(500)


def register(bp: Blueprint) -> None:
    """Attach the HTML error pages to ``bp``."""
    bp.register_error_handler(CSRFError, _csrf)
    bp.register_error_handler(HTTPException, _http)
    bp.register_error_handler(FtsError, _fts)
    bp.register_error_handler(Exception, _unexpected)
