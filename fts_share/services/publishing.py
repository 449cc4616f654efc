"""Publishing: publishing, updating and withdrawing this node's notices; listing,
opening, exporting and re-sharing notices held here.

Each function runs in the unit of work's transaction and writes its audit entry there,
so an action and its record land together or not at all. A re-shared notice is the
origin's own signed statement, sealed again by the sharing node for the new recipients,
so the label, caveats and content cannot be changed on the way, and every recipient
can still prove who wrote it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from fts_share.audit.log import record
from fts_share.clock import to_rfc3339
from fts_share.config import NodeConfig
from fts_share.errors import (
    Conflict,
    Forbidden,
    FtsError,
    Gone,
    NotFound,
    RosterError,
    ValidationError,
)
from fts_share.matching import analyze_name
from fts_share.notices import schemas
from fts_share.notices.details import known_details
from fts_share.notices.rules import (
    NEVER_RESHARED,
    NO_ONWARD,
    Actor,
    decode_content,
    review_date,
    visible_to,
)
from fts_share.services import dissemination
from fts_share.services.unit import Work
from fts_share.storage import notices as store
from fts_share.storage.models import Notice

__all__ = [
    "Actor",
    "export_notice",
    "list_notices",
    "open_notice",
    "publish",
    "read_notice_input",
    "read_open_request",
    "read_withdrawal",
    "share_notice",
    "summary",
    "update",
    "withdraw",
]


# -- reading what an officer submits (the notice's edge schemas) -----------------------
def read_notice_input(settings: NodeConfig, data: Any) -> dict[str, Any]:
    """A submitted notice, validated and normalised with this node's vocabularies."""
    h = settings.handling
    loaded = schemas.load_notice_input(data, legal_bases=h.legal_bases, purposes=h.purposes,
                                       photos=h.photos)
    _check_readable_names(loaded)
    return loaded


def _check_readable_names(notice: Mapping[str, Any]) -> None:
    """Refuse a notice none of whose names the matching engine can read (a particle
    alone such as "ابن", a title alone): it could never be screened. The error names
    each name's field (``subject.names.0.full``) with the reason."""
    subject = notice.get("subject")
    names = subject.get("names") if isinstance(subject, Mapping) else None
    if not names:
        return
    problems: dict[str, list[str]] = {}
    for i, name in enumerate(names):
        field = f"subject.names.{i}.full"
        try:
            analyze_name(name.get("full"), field=field)
            return
        except ValidationError as exc:
            problems[field] = [m for msgs in exc.errors.values() for m in msgs]
    raise ValidationError(problems)


def read_open_request(settings: NodeConfig, data: Any) -> dict[str, Any]:
    """``{"purpose", "legal_basis"}`` of opening a notice, from this node's vocabularies."""
    h = settings.handling
    return schemas.load_open_request(data, purposes=h.purposes, legal_bases=h.legal_bases)


def read_withdrawal(data: Any) -> dict[str, Any]:
    """``{"reason": str}`` of a withdrawal."""
    return schemas.load_withdrawal(data)


def summary(row: Notice) -> dict[str, Any]:
    """What a list shows of a notice: metadata only, never the subject's names."""
    return {"id": row.notice_id, "version": row.version, "origin": row.origin,
            "authored": row.authored, "status": row.status, "tlp": row.label,
            "caveats": row.caveats, "legal_basis": row.legal_basis,
            "recipients": row.recipients, "created": to_rfc3339(row.created),
            "review_date": row.review_date.isoformat(), "movement": row.movement_kind,
            "minor": row.subject_minor}


# -- this node's notices --------------------------------------------------------------
def _recipients(work: Work, data: Mapping[str, Any]) -> list[str]:
    handling, roster = data["handling"], work.node.roster
    try:
        codes = roster.audience(handling["audience"], handling.get("recipients", []),
                                exclude=work.code, now=work.now)
    except RosterError as exc:  # a named recipient that is not an active partner
        raise ValidationError({"handling.recipients": [exc.detail]}) from None
    if not codes:
        raise ValidationError({"handling.recipients": ["no partner on the roster to send to"]})
    return codes


def _seal_version(work: Work, *, data: Mapping[str, Any], actor: Actor, notice_id: str,
                  version: int, supersedes: int | None) -> Notice:
    notice = {k: v for k, v in data.items()}
    notice["handling"] = dict(data["handling"],
                              review_date=review_date(work.settings.handling, data, work.now))
    recipients = _recipients(work, data)
    notice["provenance"] = {"id": notice_id, "version": version, "supersedes": supersedes,
                            "origin": work.code, "officer": actor.name,
                            "created": to_rfc3339(work.now), "recipients": recipients}
    env = dissemination.append(work, payload={"notice": notice}, kind="notice",
                               label=notice["handling"]["tlp"], recipients=recipients,
                               notice_id=notice_id, notice_version=version)
    return store.store_version(work.session, work.node.storage_key, notice=notice,
                               origin=work.code, authored=True, content={"notice": notice},
                               envelope_digest=env.digest, now=work.now)


def publish(work: Work, *, data: Mapping[str, Any], actor: Actor) -> Notice:
    """Publish a new notice (``data`` validated by :func:`read_notice_input`)."""
    row = _seal_version(work, data=data, actor=actor, notice_id=str(uuid.uuid4()),
                        version=1, supersedes=None)
    record(work.audit, now=work.now, actor=actor.audit_name, action="publish",
           object_type="notice", object_id=row.notice_id, object_version=1,
           legal_basis=row.legal_basis, detail={"label": row.label, "recipients": row.recipients})
    return row


def _own_latest(work: Work, notice_id: str) -> Notice:
    row = store.latest(work.session, notice_id)
    if row.origin != work.code:
        raise Forbidden("only the originating node can change a notice")
    if row.status == "withdrawn":
        raise Conflict(f"notice {notice_id} was withdrawn")
    return row


def _keep_photo(work: Work, old: Notice, data: Mapping[str, Any]) -> Mapping[str, Any]:
    """``data`` with the photo of version ``old`` when it gives none (photos on)."""
    ext = dict(data.get("ext") or {})
    if "photo" in ext or not work.settings.handling.photos or old.purged_at is not None:
        return data
    content = store.read_content(work.session, work.node.storage_key, old)
    photo = known_details(decode_content(content).get("ext")).get("photo")
    return {**data, "ext": {**ext, "photo": photo}} if photo else data


def update(work: Work, *, notice_id: str, data: Mapping[str, Any], actor: Actor,
           expected_version: int | None = None, keep_photo: bool = False) -> Notice:
    """Publish a new version that supersedes the latest one. Partners dropped from the
    recipients receive a tombstone, so the old content is purged there too. With
    ``keep_photo``, a version that gives no photo keeps the previous version's."""
    old = _own_latest(work, notice_id)
    if expected_version is not None and expected_version != old.version:
        raise Conflict(f"notice {notice_id} is at version {old.version}, not {expected_version}")
    if keep_photo:
        data = _keep_photo(work, old, data)
    row = _seal_version(work, data=data, actor=actor, notice_id=notice_id,
                        version=old.version + 1, supersedes=old.version)
    dropped = sorted(set(old.recipients) - set(row.recipients))
    if dropped:
        dissemination.tombstone(work, notice_id=notice_id, version=row.version,
                                recipients=dropped, reason="no longer a recipient",
                                officer=actor.name, label=old.label)
    record(work.audit, now=work.now, actor=actor.audit_name, action="update",
           object_type="notice", object_id=notice_id, object_version=row.version,
           legal_basis=row.legal_basis,
           detail={"supersedes": old.version, "recipients": row.recipients, "dropped": dropped})
    return row


def withdraw(work: Work, *, notice_id: str, reason: str, actor: Actor) -> Notice:
    """Withdraw a notice: a signed tombstone goes to every recipient of any version."""
    row = _own_latest(work, notice_id)
    versions = work.session.scalars(select(Notice).where(Notice.notice_id == notice_id)).all()
    recipients = sorted({c for v in versions for c in v.recipients})
    dissemination.tombstone(work, notice_id=notice_id, version=row.version,
                            recipients=recipients, reason=reason, officer=actor.name,
                            label=row.label)
    for v in versions:
        v.status = "withdrawn"
    record(work.audit, now=work.now, actor=actor.audit_name, action="withdraw",
           object_type="notice", object_id=notice_id, object_version=row.version,
           legal_basis=row.legal_basis,
           detail={"reason": reason[:500], "recipients": recipients})
    return row


# -- notices held here ----------------------------------------------------------------
def list_notices(work: Work, *, status: str | None = None, origin: str | None = None,
                 after_id: int = 0, limit: int = 50) -> list[Notice]:
    """Metadata of the newest version of each notice (no content, no names), in the
    order they were stored, after row ``after_id`` (keyset paging)."""
    q = store.latest_versions().where(Notice.id > after_id)
    if status:
        q = q.where(Notice.status == status)
    if origin:
        q = q.where(Notice.origin == origin)
    return list(work.session.scalars(q.order_by(Notice.id).limit(limit)).all())


def _version(work: Work, notice_id: str, version: int | None) -> Notice:
    if version is None:
        return store.latest(work.session, notice_id)
    row = work.session.scalars(select(Notice).where(Notice.notice_id == notice_id,
                                                    Notice.version == version)).first()
    if row is None:
        raise NotFound(f"no notice {notice_id} v{version}")
    return row


def open_notice(work: Work, *, notice_id: str, actor: Actor, purpose: str,
                legal_basis: Sequence[str], version: int | None = None,
                part: str | None = None) -> dict[str, Any]:
    """The decrypted view of a notice, for a stated purpose; the opening is logged
    (with ``part``, e.g. ``"photo"``, when only that part is shown), and so is a
    refusal."""
    row = _version(work, notice_id, version)

    def refuse(exc: FtsError) -> FtsError:
        return exc.logged(now=work.now, actor=actor.audit_name, action="access_refused",
                          object_type="notice", object_id=notice_id, object_version=row.version,
                          partner=row.origin, purpose=purpose, legal_basis=list(legal_basis),
                          outcome="refused", detail={"reason": exc.detail})

    if actor.role != "officer":
        raise refuse(Forbidden("only officers open notice content"))
    if not visible_to(row, actor):
        raise refuse(Forbidden("TLP:RED: shown only to the users named on the notice"))
    if row.purged_at is not None:
        raise refuse(Gone(f"notice {notice_id} v{row.version}: content purged ({row.status})"))
    content = store.read_content(work.session, work.node.storage_key, row)
    notice = decode_content(content)
    purposes = notice.get("handling", {}).get("purposes")
    if purposes and purpose not in purposes:
        raise refuse(Forbidden(f"the source allows opening only for: {', '.join(purposes)}"))
    record(work.audit, now=work.now, actor=actor.audit_name, action="open",
           object_type="notice", object_id=notice_id, object_version=row.version,
           partner=row.origin, purpose=purpose, legal_basis=legal_basis,
           detail={"part": part} if part else None)
    return {"notice": notice, "status": row.status, "origin": row.origin,
            "version": row.version, "authored": row.authored,
            "verified_author": content.get("signer")}


# -- onward dissemination -------------------------------------------------------------
def _refuse(work: Work, row: Notice, actor: Actor, *, action: str, reason: str,
            purpose: str | None = None, legal_basis: Sequence[str] = ()) -> FtsError:
    """A Forbidden that is logged as refused access even though the action rolls back."""
    return Forbidden(reason).logged(
        now=work.now, actor=actor.audit_name, action="access_refused", object_type="notice",
        object_id=row.notice_id, object_version=row.version, partner=row.origin,
        purpose=purpose, legal_basis=list(legal_basis), outcome="refused",
        detail={"attempted": action, "reason": reason})


def _usable(work: Work, row: Notice, actor: Actor, *, action: str, purpose: str | None,
            legal_basis: Sequence[str]) -> None:
    reason = None
    if actor.role != "officer":
        reason = "only officers handle notice content"
    elif not visible_to(row, actor):
        reason = "TLP:RED: shown only to the users named on the notice"
    elif row.purged_at is not None:
        raise Gone(f"notice {row.notice_id} v{row.version}: content purged ({row.status})")
    elif not row.authored and NO_ONWARD in row.caveats:
        reason = "the source forbids onward dissemination of this notice"
    if reason is not None:
        raise _refuse(work, row, actor, action=action, reason=reason, purpose=purpose,
                      legal_basis=legal_basis)


def export_notice(work: Work, *, notice_id: str, actor: Actor, purpose: str,
                  legal_basis: Sequence[str]) -> dict[str, Any]:
    """A self-contained copy of a notice (with the origin's signature when received),
    for a stated purpose; refused when the source forbids onward dissemination."""
    row = store.latest(work.session, notice_id)
    _usable(work, row, actor, action="export", purpose=purpose, legal_basis=legal_basis)
    content = store.read_content(work.session, work.node.storage_key, row)
    doc: dict[str, Any] = {"exported_by": work.code, "exported_at": to_rfc3339(work.now),
                           "origin": row.origin, "version": row.version, "tlp": row.label,
                           "caveats": row.caveats}
    doc["notice"] = decode_content(content)
    if "notice" not in content:
        doc["authorship"] = {k: content[k] for k in ("signed", "signature", "signer")}
    record(work.audit, now=work.now, actor=actor.audit_name, action="export",
           object_type="notice", object_id=notice_id, object_version=row.version,
           partner=row.origin, purpose=purpose, legal_basis=legal_basis,
           detail={"tlp": row.label})
    return doc


def _share_recipients(work: Work, row: Notice, recipients: Sequence[str]) -> list[str]:
    codes = sorted(set(recipients) - {work.code, row.origin})
    if not codes:
        raise ValidationError({"recipients": ["name at least one other partner"]})
    for code in codes:
        try:
            work.node.roster.member(code, now=work.now)
        except FtsError:
            raise ValidationError({"recipients": [f"{code} is not an active partner"]}) from None
    return codes


def share_notice(work: Work, *, notice_id: str, recipients: Sequence[str], actor: Actor,
                 purpose: str, legal_basis: Sequence[str]) -> list[str]:
    """Re-share a received notice with other partners, as the origin signed it."""
    row = store.latest(work.session, notice_id)
    if row.authored:
        raise Conflict("this node wrote the notice: publish a new version to add recipients")
    if row.status != "active":
        raise Conflict(f"notice {notice_id} is {row.status}")
    _usable(work, row, actor, action="share", purpose=purpose, legal_basis=legal_basis)
    if row.label in NEVER_RESHARED:
        raise _refuse(work, row, actor, action="share", purpose=purpose,
                      legal_basis=legal_basis,
                      reason=f"TLP:{row.label} is never shared beyond its recipients")
    codes = _share_recipients(work, row, recipients)
    content = store.read_content(work.session, work.node.storage_key, row)
    payload = {"forwarded": {"origin": row.origin,
                             **{k: content[k] for k in ("signed", "signature", "signer")}}}
    dissemination.append(work, payload=payload, kind="notice", label=row.label,
                         recipients=codes, notice_id=notice_id, notice_version=row.version)
    record(work.audit, now=work.now, actor=actor.audit_name, action="share",
           object_type="notice", object_id=notice_id, object_version=row.version,
           partner=row.origin, purpose=purpose, legal_basis=legal_basis,
           detail={"recipients": codes})
    return codes
