"""Administrator pages: the polling state of each partner, and the age of the roster
in force when it is aging or stale."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from fts_share.errors import RosterError
from fts_share.http import context
from fts_share.services import peers
from fts_share.services import roster as roster_service
from fts_share.web import errors, security, users

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(security.check_csrf)
errors.register(bp)

ROSTER_STATUS = {"active": _l("active"), "suspended": _l("suspended"),
                 "not listed": _l("not on the roster")}


@bp.get("/peers")
@users.require("admin")
def peer_states() -> ResponseReturnValue:
    """Each partner's last success, last error, failures in a row, next attempt and
    position in its feed."""
    with context.read() as work:
        states = peers.peer_states(work)
    try:
        freshness = roster_service.freshness(context.node(), now=context.now())
    except RosterError:
        freshness = None
    return render_template("admin/peers.html", states=states, roster_status=ROSTER_STATUS,
                           freshness=freshness)
