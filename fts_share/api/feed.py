"""The partner feed: envelopes addressed to the calling node, in link order."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate

from fts_share.api.auth import caller, require
from fts_share.audit.log import latest_tree_head, log_size, record, sign_tree_head
from fts_share.federation import logcheck
from fts_share.federation.feed import MAX_PAGE_LIMIT, build_page
from fts_share.http import context

bp = Blueprint("api_feed", __name__)


class FeedQuery(Schema):
    """Query of ``GET /feed``: the cursor to continue from, and a page size."""

    class Meta:
        unknown = EXCLUDE

    after = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**62))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=MAX_PAGE_LIMIT))
    tree_size = fields.Integer(load_default=None, validate=validate.Range(min=0, max=2**62))


def current_tree_head(session: Any) -> dict[str, Any]:
    """This node's newest signed tree head, signing a fresh one if the log grew."""
    node = context.node()
    latest = latest_tree_head(session)
    if latest is not None and latest.size == log_size(session):
        return latest.to_json()
    head = sign_tree_head(session, now=context.now(), sign=node.signing.sign,
                          key_id=node.signing.kid)
    return head.to_json()


@bp.get("/feed")
@require("node")
def feed() -> dict[str, Any]:
    """A signed page of the caller's link after ``after`` (see docs/protocol.md)."""
    args = context.load_args(FeedQuery())
    partner = caller().name
    node = context.node()
    now = context.now()
    with context.transaction() as session:
        page, seqs = build_page(session, node, partner=partner, after=args["after"],
                                limit=args["limit"], now=now, tree_head=None,
                                roster_version=node.roster.version)
        for seq in seqs:
            record(session, now=now, actor=f"node:{partner}", action="deliver",
                   object_type="envelope", object_id=str(seq), partner=partner)
        head = current_tree_head(session)
        page["tree_head"] = head
        page["tree_consistency"] = logcheck.consistency_for(session, have=args["tree_size"],
                                                            head_size=head["size"])
        page["findings"] = logcheck.findings_about(session, partner)
        page["peer_heads"] = logcheck.relayed_heads(session, exclude={partner, node.code})
    return page

