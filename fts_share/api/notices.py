"""Officer API: publish, list, open (the decrypted view), update and withdraw."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from marshmallow import EXCLUDE, Schema, fields, validate

from fts_share.api.auth import caller, require
from fts_share.http import context
from fts_share.notices import dissemination, schemas, service
from fts_share.storage.models import Notice

bp = Blueprint("api_notices", __name__)


class ListQuery(Schema):
    """Query of ``GET /notices``."""

    class Meta:
        unknown = EXCLUDE

    status = fields.String(validate=validate.OneOf(["active", "superseded", "withdrawn", "purged"]))
    origin = fields.String(validate=validate.Regexp(r"^[A-Z]{3}$"))
    after = fields.Integer(load_default=0, validate=validate.Range(min=0))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class OpenQuery(Schema):
    """Query of ``GET /notices/ID``: the purpose and legal basis of opening it."""

    class Meta:
        unknown = EXCLUDE

    purpose = fields.String(required=True)
    legal_basis = fields.List(fields.String(), required=True)
    version = fields.Integer(validate=validate.Range(min=1))


class ShareRequest(Schema):
    """Body of ``POST /notices/ID/share``: the partners, the purpose, the legal basis."""

    recipients = fields.List(fields.String(validate=validate.Regexp(r"^[A-Z]{3}$")),
                             required=True, validate=validate.Length(min=1, max=200))
    purpose = fields.String(required=True, validate=validate.Length(max=64))
    legal_basis = fields.List(fields.String(validate=validate.Length(max=64)), required=True,
                              validate=validate.Length(min=1, max=20))


def summary(row: Notice) -> dict[str, Any]:
    """What a list shows of a notice: metadata only, never the subject's names."""
    return {"id": row.notice_id, "version": row.version, "origin": row.origin,
            "authored": row.authored, "status": row.status, "tlp": row.label,
            "caveats": row.caveats, "legal_basis": row.legal_basis,
            "recipients": row.recipients, "created": row.created.isoformat(),
            "review_date": row.review_date.isoformat(), "movement": row.movement_kind,
            "minor": row.subject_minor}


def _vocab() -> dict[str, Any]:
    h = context.node().config.handling
    return {"legal_bases": list(h.legal_bases), "purposes": list(h.purposes)}


@bp.post("/notices")
@require("officer")
def publish() -> tuple[dict[str, Any], int, dict[str, str]]:
    """Publish a notice to the partners it names."""
    data = schemas.load_notice_input(context.json_body(), **_vocab())
    with context.transaction() as session:
        row = service.publish(session, context.node(), data=data, actor=caller().actor,
                              now=context.now())
        out = summary(row)
    return out, 201, {"Location": f"/api/v1/notices/{out['id']}"}


@bp.get("/notices")
@require("officer")
def list_notices() -> dict[str, Any]:
    """Notices authored here or received, latest first by row (metadata only)."""
    args = context.load_args(ListQuery(), request.args.to_dict())
    with context.reading() as session:
        rows = service.list_notices(session, status=args.get("status"),
                                    origin=args.get("origin"), after_id=args["after"],
                                    limit=args["limit"])
        items = [summary(r) for r in rows]
        nxt = rows[-1].id if len(rows) == args["limit"] else None
    return {"items": items, "next": nxt}


@bp.get("/notices/<notice_id>")
@require("officer")
def open_notice(notice_id: str) -> dict[str, Any]:
    """The decrypted notice, for a stated purpose and legal basis (both logged)."""
    raw: dict[str, Any] = request.args.to_dict()
    raw["legal_basis"] = request.args.getlist("legal_basis")
    args = context.load_args(OpenQuery(), raw)
    vocab = _vocab()
    opened = schemas.load_open_request({"purpose": args["purpose"],
                                        "legal_basis": args["legal_basis"]}, **vocab)
    with context.transaction() as session:
        return service.open_notice(session, context.node(), notice_id=notice_id,
                                   actor=caller().actor, purpose=opened["purpose"],
                                   legal_basis=opened["legal_basis"], now=context.now(),
                                   version=args.get("version"))


@bp.put("/notices/<notice_id>")
@require("officer")
def update(notice_id: str) -> dict[str, Any]:
    """Publish a new version that supersedes the current one (``If-Match: vN``)."""
    data = schemas.load_notice_input(context.json_body(), **_vocab())
    expected = request.headers.get("If-Match", "").strip('"').lstrip("v") or None
    with context.transaction() as session:
        row = service.update(session, context.node(), notice_id=notice_id, data=data,
                             actor=caller().actor, now=context.now(),
                             expected_version=int(expected) if expected and expected.isdigit() else None)
        return summary(row)


@bp.post("/notices/<notice_id>/withdraw")
@require("officer")
def withdraw(notice_id: str) -> dict[str, Any]:
    """Withdraw a notice: a signed tombstone goes to every recipient."""
    data = schemas.load_withdrawal(context.json_body())
    with context.transaction() as session:
        row = service.withdraw(session, context.node(), notice_id=notice_id,
                               reason=data["reason"], actor=caller().actor, now=context.now())
        return summary(row)


def _purpose_args() -> dict[str, Any]:
    raw: dict[str, Any] = request.args.to_dict()
    raw["legal_basis"] = request.args.getlist("legal_basis")
    args = context.load_args(OpenQuery(), raw)
    return schemas.load_open_request({"purpose": args["purpose"],
                                      "legal_basis": args["legal_basis"]}, **_vocab())


@bp.get("/notices/<notice_id>/export")
@require("officer")
def export(notice_id: str) -> dict[str, Any]:
    """A self-contained copy of the notice (refused under no-onward-dissemination)."""
    opened = _purpose_args()
    with context.transaction() as session:
        return dissemination.export_notice(session, context.node(), notice_id=notice_id,
                                           actor=caller().actor, purpose=opened["purpose"],
                                           legal_basis=opened["legal_basis"],
                                           now=context.now())


@bp.post("/notices/<notice_id>/share")
@require("officer")
def share(notice_id: str) -> dict[str, Any]:
    """Re-share a received notice with other partners, as its origin signed it."""
    body = context.load_args(ShareRequest(), context.json_body())
    opened = schemas.load_open_request({"purpose": body["purpose"],
                                        "legal_basis": body["legal_basis"]}, **_vocab())
    with context.transaction() as session:
        codes = dissemination.share_notice(session, context.node(), notice_id=notice_id,
                                           recipients=body["recipients"], actor=caller().actor,
                                           purpose=opened["purpose"],
                                           legal_basis=opened["legal_basis"], now=context.now())
    return {"id": notice_id, "shared_with": codes}
