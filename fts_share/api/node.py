"""Node information and the roster in force (public)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from fts_share.errors import RosterError
from fts_share.http import context

bp = Blueprint("api_node", __name__)


@bp.get("/node")
def node_info() -> dict[str, Any]:
    """The node's code, roster status and public keys."""
    node = context.node()
    info: dict[str, Any] = {"code": node.code, "url": node.config.url,
                            "keys": node.public_keys()}
    try:
        roster = node.roster
        member = roster.members.get(node.code)
        info["roster"] = {"version": roster.version, "issued": roster.document["issued"],
                          "listed": member is not None,
                          "role": member.role if member else None,
                          "status": member.status if member else None}
    except RosterError as exc:
        info["roster"] = {"version": None, "error": str(exc)}
    return info


@bp.get("/roster")
def roster_document() -> dict[str, Any]:
    """The signed roster in force, so partners can pick up a newer version."""
    return dict(context.node().roster.document)
