"""Publishing, updating, withdrawing, listing and opening notices.

Each function runs inside the caller's transaction and writes its audit entry there,
so an action and its record land together or not at all.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from fts_share.audit.log import record
from fts_share.storage.audit_store import audit_store
from fts_share.clock import to_rfc3339
from fts_share.crypto.canonical import unb64u
from fts_share.crypto.envelope import verify_authorship
from fts_share.errors import (Conflict, Forbidden, FtsError, Gone, NotFound, RosterError,
                              ValidationError)
from fts_share.federation import outbox
from fts_share.node import Node
from fts_share.notices import store
from fts_share.storage.models import Notice

REVIEW_MAX_YEARS = 5


@dataclass(frozen=True)
class Actor:
    """Who acts: a user of this node (name and role)."""

    name: str
    role: str

    @property
    def audit_name(self) -> str:
        """The actor as written in the audit log."""
        return f"user:{self.name}"


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _review_date(node: Node, data: Mapping[str, Any], now: datetime) -> str:
    """The review date: given, or the default (stricter for minors); never beyond the
    maximum, never in the past."""
    handling = node.config.handling
    minor = bool(data["subject"].get("minor"))
    years = handling.minor_review_years if minor else handling.review_years
    default = _add_years(now.date(), min(years, REVIEW_MAX_YEARS))
    given = data["handling"].get("review_date")
    if not given:
        return default.isoformat()
    day = date.fromisoformat(given)
    if day <= now.date():
        raise ValidationError({"handling.review_date": ["must be in the future"]})
    if day > default:
        limit = "for a minor " if minor else ""
        raise ValidationError({"handling.review_date": [
            f"must be at most {years} year(s) ahead {limit}({default.isoformat()})"]})
    return day.isoformat()


def _recipients(node: Node, data: Mapping[str, Any], now: datetime) -> list[str]:
    handling, roster = data["handling"], node.roster
    try:
        codes = roster.audience(handling["audience"], handling.get("recipients", []),
                                exclude=node.code, now=now)
    except RosterError as exc:  # a named recipient that is not an active partner
        raise ValidationError({"handling.recipients": [exc.detail]}) from None
    if not codes:
        raise ValidationError({"handling.recipients": ["no partner on the roster to send to"]})
    return codes


def _seal_version(session: Session, node: Node, *, data: Mapping[str, Any], actor: Actor,
                  notice_id: str, version: int, supersedes: int | None,
                  now: datetime) -> Notice:
    notice = {k: v for k, v in data.items()}
    notice["handling"] = dict(data["handling"], review_date=_review_date(node, data, now))
    recipients = _recipients(node, data, now)
    notice["provenance"] = {"id": notice_id, "version": version, "supersedes": supersedes,
                            "origin": node.code, "officer": actor.name,
                            "created": to_rfc3339(now), "recipients": recipients}
    env = outbox.append(session, node, roster=node.roster, payload={"notice": notice},
                        kind="notice", label=notice["handling"]["tlp"], recipients=recipients,
                        notice_id=notice_id, notice_version=version, now=now)
    return store.store_version(session, node.storage_key, notice=notice, origin=node.code,
                               authored=True, content={"notice": notice},
                               envelope_digest=env.digest, now=now)


def publish(session: Session, node: Node, *, data: Mapping[str, Any], actor: Actor,
            now: datetime) -> Notice:
    """Publish a new notice (``data`` validated by the notice schema)."""
    row = _seal_version(session, node, data=data, actor=actor, notice_id=str(uuid.uuid4()),
                        version=1, supersedes=None, now=now)
    record(audit_store(session), now=now, actor=actor.audit_name, action="publish", object_type="notice",
           object_id=row.notice_id, object_version=1, legal_basis=row.legal_basis,
           detail={"label": row.label, "recipients": row.recipients})
    return row


def _own_latest(session: Session, node: Node, notice_id: str) -> Notice:
    row = store.latest(session, notice_id)
    if row.origin != node.code:
        raise Forbidden("only the originating node can change a notice")
    if row.status == "withdrawn":
        raise Conflict(f"notice {notice_id} was withdrawn")
    return row


def update(session: Session, node: Node, *, notice_id: str, data: Mapping[str, Any],
           actor: Actor, now: datetime, expected_version: int | None = None) -> Notice:
    """Publish a new version that supersedes the latest one. Partners dropped from the
    recipients receive a tombstone, so the old content is purged there too."""
    old = _own_latest(session, node, notice_id)
    if expected_version is not None and expected_version != old.version:
        raise Conflict(f"notice {notice_id} is at version {old.version}, not {expected_version}")
    row = _seal_version(session, node, data=data, actor=actor, notice_id=notice_id,
                        version=old.version + 1, supersedes=old.version, now=now)
    dropped = sorted(set(old.recipients) - set(row.recipients))
    if dropped:
        _tombstone(session, node, notice_id=notice_id, version=row.version, recipients=dropped,
                   reason="no longer a recipient", actor=actor, label=old.label, now=now)
    record(audit_store(session), now=now, actor=actor.audit_name, action="update", object_type="notice",
           object_id=notice_id, object_version=row.version, legal_basis=row.legal_basis,
           detail={"supersedes": old.version, "recipients": row.recipients,
                   "dropped": dropped})
    return row


def _tombstone(session: Session, node: Node, *, notice_id: str, version: int,
               recipients: Sequence[str], reason: str, actor: Actor, label: str,
               now: datetime) -> None:
    payload = {"tombstone": {"id": notice_id, "version": version, "reason": reason,
                             "officer": actor.name, "created": to_rfc3339(now)}}
    outbox.append(session, node, roster=node.roster, payload=payload, kind="tombstone",
                  label=label, recipients=recipients, notice_id=notice_id,
                  notice_version=version, now=now)


def withdraw(session: Session, node: Node, *, notice_id: str, reason: str, actor: Actor,
             now: datetime) -> Notice:
    """Withdraw a notice: a signed tombstone goes to every recipient of any version."""
    row = _own_latest(session, node, notice_id)
    versions = session.scalars(select(Notice).where(Notice.notice_id == notice_id)).all()
    recipients = sorted({c for v in versions for c in v.recipients})
    _tombstone(session, node, notice_id=notice_id, version=row.version, recipients=recipients,
               reason=reason, actor=actor, label=row.label, now=now)
    for v in versions:
        v.status = "withdrawn"
    record(audit_store(session), now=now, actor=actor.audit_name, action="withdraw", object_type="notice",
           object_id=notice_id, object_version=row.version, legal_basis=row.legal_basis,
           detail={"reason": reason[:500], "recipients": recipients})
    return row


def visible_to(row: Notice, actor: Actor) -> bool:
    """TLP:RED content is shown only to the users named on the notice (and its author)."""
    if row.label != "RED":
        return True
    return actor.name in row.named_users or (row.authored and actor.name == row.officer)


def list_notices(session: Session, *, status: str | None = None, origin: str | None = None,
                 after_id: int = 0, limit: int = 50) -> list[Notice]:
    """Metadata of the newest version of each notice (no content, no names), in the
    order they were stored, after row ``after_id`` (keyset paging)."""
    q = store.latest_versions().where(Notice.id > after_id)
    if status:
        q = q.where(Notice.status == status)
    if origin:
        q = q.where(Notice.origin == origin)
    return list(session.scalars(q.order_by(Notice.id).limit(limit)).all())


def open_notice(session: Session, node: Node, *, notice_id: str, actor: Actor, purpose: str,
                legal_basis: Sequence[str], now: datetime,
                version: int | None = None) -> dict[str, Any]:
    """The decrypted view of a notice, for a stated purpose; the opening is logged,
    and so is a refusal."""
    row = store.latest(session, notice_id) if version is None else session.scalars(
        select(Notice).where(Notice.notice_id == notice_id, Notice.version == version)).first()
    if row is None:
        raise NotFound(f"no notice {notice_id} v{version}")

    def refuse(exc: FtsError) -> FtsError:
        return exc.logged(now=now, actor=actor.audit_name, action="access_refused",
                          object_type="notice", object_id=notice_id, object_version=row.version,
                          partner=row.origin, purpose=purpose, legal_basis=list(legal_basis),
                          outcome="refused", detail={"reason": exc.detail})

    if actor.role != "officer":
        raise refuse(Forbidden("only officers open notice content"))
    if not visible_to(row, actor):
        raise refuse(Forbidden("TLP:RED: shown only to the users named on the notice"))
    if row.purged_at is not None:
        raise refuse(Gone(f"notice {notice_id} v{row.version}: content purged ({row.status})"))
    content = store.read_content(session, node.storage_key, row)
    notice = _decode(content)
    purposes = notice.get("handling", {}).get("purposes")
    if purposes and purpose not in purposes:
        raise refuse(Forbidden(f"the source allows opening only for: {', '.join(purposes)}"))
    record(audit_store(session), now=now, actor=actor.audit_name, action="open", object_type="notice",
           object_id=notice_id, object_version=row.version, partner=row.origin,
           purpose=purpose, legal_basis=legal_basis)
    return {"notice": notice, "status": row.status, "origin": row.origin,
            "version": row.version, "authored": row.authored,
            "verified_author": content.get("signer")}


def _decode(content: Mapping[str, Any]) -> dict[str, Any]:
    """The notice inside stored content (authored: as is; received: the signed
    statement, re-verified is not needed here, it was verified at ingestion)."""
    if "notice" in content:
        return dict(content["notice"])
    import json

    statement = json.loads(unb64u(content["signed"]))
    return dict(statement["payload"]["notice"])


__all__ = ["Actor", "publish", "update", "withdraw", "list_notices", "open_notice",
           "verify_authorship"]
