"""Officer API: publish, list, search the received ones, open (the decrypted view),
update and withdraw."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from marshmallow import EXCLUDE, Schema, fields, validate

from fts_share.api.auth import caller, require
from fts_share.errors import ValidationError
from fts_share.http import context
from fts_share.jsontext import MAX_ROW_ID
from fts_share.notices import schemas
from fts_share.services import hit_reports, notice_search, publishing

bp = Blueprint("api_notices", __name__)


class ListQuery(Schema):
    """Query of ``GET /notices``."""

    class Meta:
        unknown = EXCLUDE

    status = fields.String(validate=validate.OneOf(["active", "superseded", "withdrawn", "purged"]))
    origin = fields.String(validate=validate.Regexp(r"^[A-Z]{3}$"))
    after = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ROW_ID))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class OpenQuery(Schema):
    """Query of ``GET /notices/ID``: the purpose and legal basis of opening it."""

    class Meta:
        unknown = EXCLUDE

    purpose = fields.String(required=True)
    legal_basis = fields.List(fields.String(), required=True)
    version = fields.Integer(validate=validate.Range(min=1, max=MAX_ROW_ID))


class ShareRequest(Schema):
    """Body of ``POST /notices/ID/share``: the partners, the purpose, the legal basis."""

    recipients = fields.List(fields.String(validate=validate.Regexp(r"^[A-Z]{3}$")),
                             required=True, validate=validate.Length(min=1, max=200))
    purpose = fields.String(required=True, validate=validate.Length(max=64))
    legal_basis = fields.List(fields.String(validate=validate.Length(max=64)), required=True,
                              validate=validate.Length(min=1, max=20))


def _open_request(purpose: str, legal_basis: list[str]) -> dict[str, Any]:
    return publishing.read_open_request(context.node().config,
                                        {"purpose": purpose, "legal_basis": legal_basis})


@bp.post("/notices")
@require("officer")
def publish() -> tuple[dict[str, Any], int, dict[str, str]]:
    """Publish a notice to the partners it names."""
    data = publishing.read_notice_input(context.node().config, context.json_body())
    with context.work() as work:
        out = publishing.summary(publishing.publish(work, data=data, actor=caller().actor))
    return out, 201, {"Location": f"/api/v1/notices/{out['id']}"}


@bp.get("/notices")
@require("officer")
def list_notices() -> dict[str, Any]:
    """Notices authored here or received, latest first by row (metadata only)."""
    args = context.load_args(ListQuery(), request.args.to_dict())
    with context.read() as work:
        rows = publishing.list_notices(work, status=args.get("status"),
                                       origin=args.get("origin"), after_id=args["after"],
                                       limit=args["limit"])
        items = [publishing.summary(r) for r in rows]
        nxt = rows[-1].id if len(rows) == args["limit"] else None
    return {"items": items, "next": nxt}


@bp.post("/notices/search")
@require("officer")
def search() -> dict[str, Any]:
    """Search the notices received here (name through the matching engine, nationality,
    date of birth, origin, date), for a stated purpose and legal basis (both logged)."""
    data = schemas.load_notice_search(context.json_body(), **context.vocabularies())
    with context.work() as work:
        return notice_search.search(work, criteria=notice_search.Criteria.of(data),
                                    page=data["page"], per_page=data["per_page"],
                                    purpose=data["purpose"], legal_basis=data["legal_basis"],
                                    actor=caller().audit_name)


@bp.get("/notices/<notice_id>")
@require("officer")
def open_notice(notice_id: str) -> dict[str, Any]:
    """The decrypted notice, for a stated purpose and legal basis (both logged)."""
    raw: dict[str, Any] = request.args.to_dict()
    raw["legal_basis"] = request.args.getlist("legal_basis")
    args = context.load_args(OpenQuery(), raw)
    opened = _open_request(args["purpose"], args["legal_basis"])
    with context.work() as work:
        return publishing.open_notice(work, notice_id=notice_id, actor=caller().actor,
                                      purpose=opened["purpose"],
                                      legal_basis=opened["legal_basis"],
                                      version=args.get("version"))


@bp.put("/notices/<notice_id>")
@require("officer")
def update(notice_id: str) -> dict[str, Any]:
    """Publish a new version that supersedes the current one (``If-Match: vN``)."""
    data = publishing.read_notice_input(context.node().config, context.json_body())
    expected = _if_match()
    with context.work() as work:
        row = publishing.update(work, notice_id=notice_id, data=data, actor=caller().actor,
                                expected_version=expected)
        return publishing.summary(row)


def _if_match() -> int | None:
    """The version of ``If-Match: "vN"`` (absent or not a version: None); a version out
    of range is a ValidationError naming the header."""
    expected = request.headers.get("If-Match", "").strip('"').lstrip("v")
    if not (expected.isascii() and expected.isdigit()):
        return None
    if len(expected) > 10 or int(expected) > MAX_ROW_ID:
        raise ValidationError({"If-Match": [f"the version must be at most {MAX_ROW_ID}"]})
    return int(expected)


@bp.post("/notices/<notice_id>/withdraw")
@require("officer")
def withdraw(notice_id: str) -> dict[str, Any]:
    """Withdraw a notice: a signed tombstone goes to every recipient."""
    data = publishing.read_withdrawal(context.json_body())
    with context.work() as work:
        row = publishing.withdraw(work, notice_id=notice_id, reason=data["reason"],
                                  actor=caller().actor)
        return publishing.summary(row)


def _purpose_args() -> dict[str, Any]:
    raw: dict[str, Any] = request.args.to_dict()
    raw["legal_basis"] = request.args.getlist("legal_basis")
    args = context.load_args(OpenQuery(), raw)
    return _open_request(args["purpose"], args["legal_basis"])


@bp.get("/notices/<notice_id>/export")
@require("officer")
def export(notice_id: str) -> dict[str, Any]:
    """A self-contained copy of the notice (refused under no-onward-dissemination)."""
    opened = _purpose_args()
    with context.work() as work:
        return publishing.export_notice(work, notice_id=notice_id, actor=caller().actor,
                                        purpose=opened["purpose"],
                                        legal_basis=opened["legal_basis"])


@bp.post("/notices/<notice_id>/share")
@require("officer")
def share(notice_id: str) -> dict[str, Any]:
    """Re-share a received notice with other partners, as its origin signed it."""
    body = context.load_args(ShareRequest(), context.json_body())
    opened = _open_request(body["purpose"], body["legal_basis"])
    with context.work() as work:
        codes = publishing.share_notice(work, notice_id=notice_id, recipients=body["recipients"],
                                        actor=caller().actor, purpose=opened["purpose"],
                                        legal_basis=opened["legal_basis"])
    return {"id": notice_id, "shared_with": codes}


@bp.get("/notices/<notice_id>/hits")
@require("officer")
def hits(notice_id: str) -> dict[str, Any]:
    """The hits partners reported on a notice published here (each partner's current
    state and its history) and the notice's related notices; metadata only."""
    with context.read() as work:
        return hit_reports.feedback(work, notice_id)
