"""Administrators: the polling state of each partner."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from fts_share.api.auth import require
from fts_share.http import context
from fts_share.services import peers

bp = Blueprint("api_peers", __name__)


@bp.get("/peers")
@require("admin")
def peer_states() -> dict[str, Any]:
    """Each partner's last success, last error, failures in a row, next attempt and
    position in its feed (``schemas/peers.schema.json``)."""
    with context.read() as work:
        return peers.peer_states(work)
