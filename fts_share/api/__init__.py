"""The JSON API under /api/v1: thin views that parse, call one service, and dump."""

from __future__ import annotations

from flask import Flask

API_PREFIX = "/api/v1"


def register_blueprints(app: Flask) -> None:
    """Register every API blueprint on ``app``."""
    from fts_share.api import audit, edges, feed, node, notices, openapi, peers, screen

    edges.init_app(app)
    for module in (node, feed, notices, screen, audit, openapi, peers):
        app.register_blueprint(module.bp, url_prefix=API_PREFIX)
