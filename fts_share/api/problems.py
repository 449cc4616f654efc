"""RFC 9457 problem+json: the one place errors become HTTP responses."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, json, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from fts_share.errors import PROBLEM_BASE, FtsError, RateLimited, Unavailable
from fts_share.http import limits

PROBLEM_MIME = "application/problem+json"
log = logging.getLogger(__name__)


def problem_response(doc: dict[str, Any]) -> Response:
    """A problem document as a response.

    ``instance`` is the template of the route that answered (``/api/v1/notices/<notice_id>``),
    never the path as sent: a path can carry a name or a document number, and problem
    documents end up in clients' logs. It is absent when no route matched.
    """
    if request.url_rule is not None:
        doc.setdefault("instance", request.url_rule.rule)
    resp = Response(json.dumps(doc), status=int(doc["status"]), mimetype=PROBLEM_MIME)
    if doc["status"] == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="fts-share"'
    return resp


def _fts_error(exc: FtsError) -> Response:
    if isinstance(exc, Unavailable):
        log.warning("request refused for now: %s", exc.detail)
    elif exc.status >= 500:
        log.error("request failed: %s", exc.detail)
    resp = problem_response(exc.to_problem())
    if isinstance(exc, (RateLimited, Unavailable)):
        resp.headers["Retry-After"] = str(exc.retry_after)  # RFC 9110 10.2.3
    return resp


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    if status == 429:  # flask-limiter's per-address limit
        return _fts_error(limits.breach())
    slug = {413: "too-large", 404: "not-found", 405: "method-not-allowed",
            400: "malformed"}.get(status, "http")
    resp = problem_response({"type": PROBLEM_BASE + slug, "title": exc.name, "status": status,
                             "detail": exc.description or exc.name})
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        resp.headers["Allow"] = ", ".join(sorted(exc.valid_methods))  # RFC 9110 15.5.6
    return resp


def _unexpected(exc: Exception) -> Response:
    log.exception("unexpected error")
    return problem_response({"type": PROBLEM_BASE + "internal", "title": "Internal error",
                             "status": 500, "detail": "an unexpected error occurred"})


def init_app(app: Flask) -> None:
    """Map every error to problem+json (HTML pages keep their own handlers)."""
    app.register_error_handler(FtsError, _fts_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
