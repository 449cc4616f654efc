"""The operator's endpoints, without the /api/v1 prefix: ``GET /healthz`` (200 while
the process runs) and ``GET /readyz`` (200 when the node is ready; 503 problem+json
naming the checks that failed). They carry no personal data, are not rate limited,
and ``/healthz`` never touches the database."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, json

from fts_share.errors import Unavailable
from fts_share.http import context
from fts_share.services import health

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


def is_operations_request(blueprint: str | None) -> bool:
    """True for a request of this blueprint (the app's other hooks skip it)."""
    return blueprint == BLUEPRINT


def init_app(app: Flask) -> None:
    """Register the operator's endpoints on ``app`` (the app keeps them outside the
    rate limits: :func:`fts_share.http.limits.exempt`)."""
    app.register_blueprint(bp)
