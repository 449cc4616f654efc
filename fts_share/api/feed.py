"""The partner feed: envelopes addressed to the calling node, in link order."""

from __future__ import annotations

from flask import Blueprint, Response
from marshmallow import EXCLUDE, Schema, fields, validate

from fts_share.api.auth import caller, require
from fts_share.http import context
from fts_share.jsontext import MAX_ROW_ID
from fts_share.services import dissemination

bp = Blueprint("api_feed", __name__)


class FeedQuery(Schema):
    """Query of ``GET /feed``: the cursor to continue from, and a page size."""

    class Meta:
        unknown = EXCLUDE

    after = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ROW_ID))
    limit = fields.Integer(load_default=100,
                           validate=validate.Range(min=1, max=dissemination.MAX_PAGE_LIMIT))
    tree_size = fields.Integer(load_default=None,
                               validate=validate.Range(min=0, max=MAX_ROW_ID))
    held_seq = fields.Integer(load_default=None,
                              validate=validate.Range(min=0, max=MAX_ROW_ID))


@bp.get("/feed")
@require("node")
def feed() -> Response:
    """A signed page of the caller's link after ``after`` (see docs/protocol.md); the
    stored envelopes are served as they are, not parsed and written again."""
    args = context.load_args(FeedQuery())
    partner = caller().name
    with context.work() as work:
        page = dissemination.feed_page(work, partner=partner, after=args["after"],
                                       limit=args["limit"], tree_size=args["tree_size"],
                                       held_seq=args["held_seq"], raw=True)
    return Response(dissemination.page_json(page), mimetype="application/json")
