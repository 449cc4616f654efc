"""Screening (officers, and partner nodes: hit / no-hit only) and match alerts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate

from fts_share.api import context
from fts_share.api.auth import caller, require
from fts_share.notices import schemas
from fts_share.screening import service
from fts_share.storage.models import Alert

bp = Blueprint("api_screen", __name__)


def _vocab() -> dict[str, Any]:
    h = context.node().config.handling
    return {"legal_bases": list(h.legal_bases), "purposes": list(h.purposes)}


@bp.post("/screen")
@require("officer", "node")
def screen() -> dict[str, Any]:
    """Screen one name or a batch against this node's watchlists.

    Officers see the matched record and the explanation; a partner node learns only
    hit / no-hit, the strength and the reference (the Prüm model). Both are logged."""
    who = caller()
    data = schemas.load_screen_request(context.json_body(), **_vocab(),
                                       max_rows=context.node().config.api.max_batch_rows)
    rows = data["batch"] if "batch" in data else [{
        "name": data["name"], "dob": data.get("dob"), "nationality": data.get("nationality"),
        "documents": [d["number"] for d in data.get("documents", [])], "ref": None}]
    with context.transaction() as session:
        results = service.screen(session, context.node(), queries=service.iter_queries(rows),
                                 purpose=data["purpose"], legal_basis=data["legal_basis"],
                                 actor=who.audit_name, now=context.now(),
                                 partner=who.name if who.kind == "node" else None,
                                 batch="batch" in data)
    if "batch" in data:
        return {"results": results, "screened": len(results),
                "with_hits": sum(1 for r in results if r["hit"])}
    return results[0]


class AlertQuery(Schema):
    """Query of ``GET /alerts``."""

    class Meta:
        unknown = EXCLUDE

    status = fields.String(validate=validate.OneOf(["new", "confirmed", "dismissed"]))
    after = fields.Integer(load_default=0, validate=validate.Range(min=0))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


def alert_json(alert: Alert) -> dict[str, Any]:
    """An alert as officers see it."""
    return {"id": alert.id, "created": alert.created.isoformat(), "notice": alert.notice_id,
            "notice_version": alert.notice_version, "record": alert.record_id,
            "source": alert.source, "kind": alert.kind, "score": alert.score,
            "measures": alert.measures, "explanation": alert.explanation,
            "status": alert.status, "decided_by": alert.decided_by,
            "decided_at": alert.decided_at.isoformat() if alert.decided_at else None}


@bp.get("/alerts")
@require("officer")
def alerts() -> dict[str, Any]:
    """Match alerts raised by incoming notices, oldest first."""
    args = context.load_args(AlertQuery())
    with context.reading() as session:
        rows = service.list_alerts(session, status=args.get("status"), after_id=args["after"],
                                   limit=args["limit"])
        items = [alert_json(a) for a in rows]
    return {"items": items, "next": items[-1]["id"] if len(items) == args["limit"] else None}


@bp.post("/alerts/<int:alert_id>/decision")
@require("officer")
def decide(alert_id: int) -> dict[str, Any]:
    """Confirm or dismiss an alert."""
    data = schemas.load_decision(context.json_body())
    with context.transaction() as session:
        alert = service.decide(session, alert_id=alert_id, decision=data["decision"],
                               actor=caller().audit_name, note=data.get("note"),
                               now=context.now())
        return alert_json(alert)
