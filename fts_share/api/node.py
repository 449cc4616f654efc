"""Node information and the roster in force (public)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from fts_share.http import context
from fts_share.services import roster

bp = Blueprint("api_node", __name__)


@bp.get("/node")
def node_info() -> dict[str, Any]:
    """The node's code, roster status and public keys."""
    return roster.node_info(context.node(), now=context.now())


@bp.get("/roster")
def roster_document() -> dict[str, Any]:
    """The signed roster in force, so partners can pick up a newer version."""
    return roster.roster_document(context.node())
