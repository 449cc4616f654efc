"""The application factory: the only place a Flask app is made."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask

from fts_share.clock import Clock, utcnow

if TYPE_CHECKING:
    from fts_share.services.node import Node


def create_app(home: Path | str | None = None, *, node: Node | None = None,
               clock: Clock = utcnow, test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app of the node at ``home`` (or of an already opened ``node``)."""
    if node is None:
        if home is None:
            raise ValueError("create_app needs a node home or an opened node")
        from fts_share.services.running import open_node

        node = open_node(Path(home))
    app = Flask(__name__)
    secret = node.config.path(node.config.secret_key_file).read_bytes()
    app.config.from_mapping(
        SECRET_KEY=secret,
        MAX_CONTENT_LENGTH=node.config.api.max_body_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=node.config.url.startswith("https://"),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=node.config.web.session_hours),
        JSON_SORT_KEYS=False,
    )
    if test_config:
        app.config.update(test_config)

    from fts_share.api import problems, register_blueprints
    from fts_share.http import context, limits, operations, refused, tracing
    from fts_share.web import init_app as init_web

    context.init_app(app, node=node, clock=clock)
    tracing.init_app(app)  # first: every later hook's log lines carry the request id
    limits.init_app(app, node.config.limits)
    refused.init_app(app)
    problems.init_app(app)
    register_blueprints(app)
    operations.init_app(app, node)  # /healthz, /readyz, /metrics
    limits.exempt(app, operations.bp)
    init_web(app)
    return app
