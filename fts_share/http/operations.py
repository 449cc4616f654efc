"""The operator's endpoints, without the /api/v1 prefix: ``GET /healthz`` (200 while
the process runs), ``GET /readyz`` (200 when the node is ready; 503 problem+json
naming the checks that failed) and ``GET /metrics`` (Prometheus text, unless the
node's ``[ops] metrics = false``). They carry no personal data, are not rate limited,
and neither ``/healthz`` nor ``/metrics`` touches the database."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, json

from fts_share.errors import NotFound, Unavailable
from fts_share.http import context
from fts_share.services import health, metrics
from fts_share.services.node import Node

BLUEPRINT = "operations"
bp = Blueprint(BLUEPRINT, __name__)


def _json(doc: dict[str, Any]) -> Response:
    resp = Response(json.dumps(doc), status=200, mimetype="application/json")
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/healthz")
def healthz() -> Response:
    """200 while the process runs (a liveness probe)."""
    return _json({"status": "alive"})


@bp.get("/readyz")
def readyz() -> Response:
    """200 and the checks when the node is ready; otherwise 503 problem+json."""
    found = health.readiness(context.node())
    if not found.ready:
        raise Unavailable(f"not ready: {', '.join(found.failing)}",
                          not_ready=found.failing, checks=found.checks_json())
    return _json({"status": "ready", "checks": found.checks_json()})


@bp.get("/metrics")
def prometheus() -> Response:
    """This node's metrics in Prometheus text format (every worker's in multiprocess
    mode); 404 when the node's ``[ops] metrics`` is off."""
    if not context.node().config.ops.metrics:
        raise NotFound("metrics are off on this node ([ops] metrics = false)")
    body, content_type = metrics.exposition()
    resp = Response(body, status=200, content_type=content_type)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def is_operations_request(blueprint: str | None) -> bool:
    """True for a request of this blueprint (the app's other hooks skip it)."""
    return blueprint == BLUEPRINT


def init_app(app: Flask, node: Node) -> None:
    """Register the operator's endpoints on ``app`` and count what ``node`` commits
    (the app keeps them outside the rate limits: :func:`fts_share.http.limits.exempt`)."""
    app.register_blueprint(bp)
    metrics.watch(node)
