"""Onward dissemination: exporting a notice, and a recipient re-sharing it.

The source's restrictions travel with the notice and are never widened: the caveat
``no-onward-dissemination`` forbids both re-sharing and export by a recipient, and a
TLP:RED or TLP:AMBER+STRICT notice is never re-shared. A re-shared notice is the
origin's own signed statement, sealed again by the sharing node for the new recipients,
so the label, caveats and content cannot be changed on the way, and every recipient
can still prove who wrote it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Mapping, Sequence

from sqlalchemy.orm import Session

from fts_share.audit.log import record
from fts_share.storage.audit_store import audit_store
from fts_share.clock import to_rfc3339
from fts_share.crypto.canonical import unb64u
from fts_share.errors import Conflict, Forbidden, FtsError, Gone, ValidationError
from fts_share.federation import outbox
from fts_share.node import Node
from fts_share.notices import store
from fts_share.notices.service import Actor, visible_to
from fts_share.storage.models import Notice

NO_ONWARD = "no-onward-dissemination"
NEVER_RESHARED = ("RED", "AMBER+STRICT")


def _refuse(session: Session, row: Notice, actor: Actor, *, action: str, reason: str,
            now: datetime, purpose: str | None = None,
            legal_basis: Sequence[str] = ()) -> FtsError:
    """A Forbidden that is logged as refused access even though the action rolls back."""
    return Forbidden(reason).logged(
        now=now, actor=actor.audit_name, action="access_refused", object_type="notice",
        object_id=row.notice_id, object_version=row.version, partner=row.origin,
        purpose=purpose, legal_basis=list(legal_basis), outcome="refused",
        detail={"attempted": action, "reason": reason})


def _usable(session: Session, row: Notice, actor: Actor, *, action: str, now: datetime,
            purpose: str | None, legal_basis: Sequence[str]) -> None:
    if actor.role != "officer":
        raise _refuse(session, row, actor, action=action, now=now, purpose=purpose,
                      legal_basis=legal_basis, reason="only officers handle notice content")
    if not visible_to(row, actor):
        raise _refuse(session, row, actor, action=action, now=now, purpose=purpose,
                      legal_basis=legal_basis,
                      reason="TLP:RED: shown only to the users named on the notice")
    if row.purged_at is not None:
        raise Gone(f"notice {row.notice_id} v{row.version}: content purged ({row.status})")
    if not row.authored and NO_ONWARD in row.caveats:
        raise _refuse(session, row, actor, action=action, now=now, purpose=purpose,
                      legal_basis=legal_basis,
                      reason="the source forbids onward dissemination of this notice")


def export_notice(session: Session, node: Node, *, notice_id: str, actor: Actor, purpose: str,
                  legal_basis: Sequence[str], now: datetime) -> dict[str, Any]:
    """A self-contained copy of a notice (with the origin's signature when received),
    for a stated purpose; refused when the source forbids onward dissemination."""
    row = store.latest(session, notice_id)
    _usable(session, row, actor, action="export", now=now, purpose=purpose,
            legal_basis=legal_basis)
    content = store.read_content(session, node.storage_key, row)
    doc: dict[str, Any] = {"exported_by": node.code, "exported_at": to_rfc3339(now),
                           "origin": row.origin, "version": row.version, "tlp": row.label,
                           "caveats": row.caveats}
    if "notice" in content:
        doc["notice"] = content["notice"]
    else:
        doc["notice"] = json.loads(unb64u(content["signed"]))["payload"]["notice"]
        doc["authorship"] = {k: content[k] for k in ("signed", "signature", "signer")}
    record(audit_store(session), now=now, actor=actor.audit_name, action="export", object_type="notice",
           object_id=notice_id, object_version=row.version, partner=row.origin,
           purpose=purpose, legal_basis=legal_basis, detail={"tlp": row.label})
    return doc


def share_notice(session: Session, node: Node, *, notice_id: str, recipients: Sequence[str],
                 actor: Actor, purpose: str, legal_basis: Sequence[str],
                 now: datetime) -> list[str]:
    """Re-share a received notice with other partners, as the origin signed it."""
    row = store.latest(session, notice_id)
    if row.authored:
        raise Conflict("this node wrote the notice: publish a new version to add recipients")
    if row.status != "active":
        raise Conflict(f"notice {notice_id} is {row.status}")
    _usable(session, row, actor, action="share", now=now, purpose=purpose,
            legal_basis=legal_basis)
    if row.label in NEVER_RESHARED:
        raise _refuse(session, row, actor, action="share", now=now, purpose=purpose,
                      legal_basis=legal_basis,
                      reason=f"TLP:{row.label} is never shared beyond its recipients")
    codes = sorted(set(recipients) - {node.code, row.origin})
    if not codes:
        raise ValidationError({"recipients": ["name at least one other partner"]})
    for code in codes:
        try:
            node.roster.member(code, now=now)
        except Exception:
            raise ValidationError({"recipients": [f"{code} is not an active partner"]}) from None
    content = store.read_content(session, node.storage_key, row)
    payload = {"forwarded": {"origin": row.origin,
                             **{k: content[k] for k in ("signed", "signature", "signer")}}}
    outbox.append(session, node, roster=node.roster, payload=payload, kind="notice",
                  label=row.label, recipients=codes, notice_id=notice_id,
                  notice_version=row.version, now=now)
    record(audit_store(session), now=now, actor=actor.audit_name, action="share", object_type="notice",
           object_id=notice_id, object_version=row.version, partner=row.origin,
           purpose=purpose, legal_basis=legal_basis, detail={"recipients": codes})
    return codes


def forwarded_statement(payload: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The forwarded part of a re-shared envelope's payload, if it is one."""
    fwd = payload.get("forwarded")
    return fwd if isinstance(fwd, Mapping) else None
