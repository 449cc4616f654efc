"""Each request's id and measurements: the id (a well-formed ``X-Request-ID`` of the
client, or a new one) is set for the logs while the request is served
(:data:`fts_share.services.logs.REQUEST_ID`) and echoed in the response's
``X-Request-ID``; one log line per request says its method, route template, status
and duration (never its path's values, query or body), and the request is counted in
the metrics by route template."""

from __future__ import annotations

import logging
import time
from contextvars import Token

from flask import Flask, Response, g, request

from fts_share.http import context
from fts_share.services import logs, metrics

HEADER = "X-Request-ID"
log = logging.getLogger("fts_share.requests")


METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _method() -> str:
    """The method as a metric label: any other token a client invents is ``OTHER``."""
    return request.method if request.method in METHODS else "OTHER"


def _route() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else "(unmatched)"


def _start() -> None:
    rid = logs.request_id(request.headers.get(HEADER))
    g.fts_request_id = rid
    g.fts_request_token = logs.REQUEST_ID.set(rid)
    g.fts_request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    rid = g.get("fts_request_id")
    if rid is None:
        return response
    response.headers[HEADER] = rid
    seconds = time.perf_counter() - g.fts_request_started
    route = _route()
    node = context.node().code
    method = _method()
    metrics.observe_request(node, method=method, route=route,
                            status=response.status_code, seconds=seconds)
    log.info("%s %s %d", method, route, response.status_code,
             extra={"method": method, "route": route, "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 1), "node": node})
    return response


def _teardown(_exc: BaseException | None) -> None:
    token: Token[str | None] | None = g.pop("fts_request_token", None)
    if token is not None:
        logs.REQUEST_ID.reset(token)


def init_app(app: Flask) -> None:
    """Give every request of ``app`` its id, its log line and its count (first of the
    app's hooks, so that every later line carries the id)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
    app.teardown_request(_teardown)
