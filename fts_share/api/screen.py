"""Screening (officers, and partner nodes: hit / no-hit only) and match alerts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, url_for
from marshmallow import EXCLUDE, Schema, fields, validate

from fts_share.api.auth import caller, require
from fts_share.clock import to_rfc3339
from fts_share.errors import NotFound, ValidationError
from fts_share.http import context
from fts_share.jsontext import MAX_ROW_ID
from fts_share.notices import schemas
from fts_share.services import alerts as alert_service
from fts_share.services import batchjobs, jobqueue, screening

bp = Blueprint("api_screen", __name__)


@bp.post("/screen")
@require("officer", "node")
def screen() -> dict[str, Any]:
    """Screen one name or a batch against this node's watchlists.

    Officers see the matched record and the explanation; a partner node learns only
    hit / no-hit, the strength and the reference (the Prüm model). Both are logged."""
    who = caller()
    data = schemas.load_screen_request(context.json_body(), **context.vocabularies(),
                                       max_rows=context.node().config.api.max_batch_rows)
    rows = data["batch"] if "batch" in data else [{
        "name": data["name"], "dob": data.get("dob"), "nationality": data.get("nationality"),
        "documents": [d["number"] for d in data.get("documents", [])], "ref": None}]
    with context.work() as work:
        results = screening.screen(work, queries=screening.iter_queries(rows),
                                   purpose=data["purpose"], legal_basis=data["legal_basis"],
                                   actor=who.audit_name,
                                   partner=who.name if who.kind == "node" else None,
                                   batch="batch" in data)
    if "batch" in data:
        return {"results": results, "screened": len(results),
                "with_hits": sum(1 for r in results if r["hit"])}
    return results[0]


@bp.post("/screen/jobs")
@require("officer")
def submit_job() -> tuple[dict[str, Any], int, dict[str, str]]:
    """Queue a batch screening (a manifest of rows): 202 with the job's Location;
    the rows are screened by a worker, out of this request."""
    who = caller()
    body = context.json_body()
    if not isinstance(body, dict) or "batch" not in body:
        raise ValidationError({"batch": ["a batch screening needs its rows"]})
    data = schemas.load_screen_request(body, **context.vocabularies(),
                                       max_rows=context.node().config.api.max_batch_rows)
    assert who.user_id is not None  # officers are users
    with context.work() as work:
        job_id = batchjobs.create(work, rows=data["batch"], purpose=data["purpose"],
                                  legal_basis=data["legal_basis"], owner=who.user_id,
                                  actor=who.audit_name)
        jobqueue.enqueue(work, "screen_batch", job_id, clock=context.state().clock)
    found = _job_view(job_id, who.user_id)
    return found, 202, {"Location": url_for("api_screen.job", job_id=job_id)}


@bp.get("/screen/jobs/<job_id>")
@require("officer")
def job(job_id: str) -> dict[str, Any]:
    """A batch screening's status and progress, then its results (its owner only)."""
    who = caller()
    if len(job_id) > 32 or who.user_id is None:
        raise NotFound("no such screening job")
    return _job_view(job_id, who.user_id)


def _job_view(job_id: str, owner: int) -> dict[str, Any]:
    found = batchjobs.get(context.node(), job_id, owner=owner, now=context.now())
    finished = found["finished"]
    return {"id": found["id"], "status": found["status"], "total": found["total"],
            "done": found["done"], "created": to_rfc3339(found["created"]),
            "finished": to_rfc3339(finished) if finished else None,
            "expires": to_rfc3339(found["expires"]), "error": found["error"],
            "results": found["results"]}


class AlertQuery(Schema):
    """Query of ``GET /alerts``."""

    class Meta:
        unknown = EXCLUDE

    status = fields.String(validate=validate.OneOf(["new", "confirmed", "dismissed"]))
    after = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ROW_ID))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


@bp.get("/alerts")
@require("officer")
def alerts() -> dict[str, Any]:
    """Match alerts raised by incoming notices, oldest first, each with its ranked
    matches and the sightings of its subject."""
    args = context.load_args(AlertQuery())
    with context.read() as work:
        rows = alert_service.list_alerts(work, status=args.get("status"),
                                         after_id=args["after"], limit=args["limit"])
        items = alert_service.alerts_json(work, rows)
    return {"items": items, "next": items[-1]["id"] if len(items) == args["limit"] else None}


@bp.post("/alerts/<int:alert_id>/decision")
@require("officer")
def decide(alert_id: int) -> dict[str, Any]:
    """Confirm, dismiss or reopen an alert, with a reason (kept in its history)."""
    if alert_id > MAX_ROW_ID:
        raise ValidationError({"alert_id": [f"must be at most {MAX_ROW_ID}"]})
    data = schemas.load_decision(context.json_body())
    with context.work() as work:
        alert = alert_service.decide(work, alert_id=alert_id, decision=data["decision"],
                                     actor=caller().audit_name, reason=data["reason"],
                                     note=data.get("note"))
        return alert_service.alerts_json(work, [alert])[0]
