"""Installing a roster version: verify against the pinned anchor, refuse rollbacks."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fts_share.audit.log import record
from fts_share.storage.audit_store import audit_store
from fts_share.errors import RosterError
from fts_share.federation.roster import Roster
from fts_share.node import Node
from fts_share.storage.models import RosterVersion


def install(session: Session, node: Node, document: Mapping[str, Any], *, now: datetime,
            actor: str = "system") -> Roster:
    """Install ``document`` if it is validly signed and newer than the one in force.

    Re-installing the version in force is a no-op; an older version is refused (a
    rollback could resurrect a revoked key).
    """
    roster = Roster.verify(document, node.anchor)
    current = session.scalar(select(func.max(RosterVersion.version))) or 0
    if roster.version == current:
        row = session.get(RosterVersion, current)
        if row is not None and json.loads(row.document) == dict(document):
            return roster
        raise RosterError(f"roster version {current} is installed with other content")
    if roster.version < current:
        raise RosterError(f"roster version {roster.version} is older than {current} in force")
    session.add(RosterVersion(version=roster.version, issued=roster.issued,
                              document=json.dumps(dict(document), ensure_ascii=False),
                              installed=now))
    record(audit_store(session), now=now, actor=actor, action="roster_change", object_type="roster",
           object_id=str(roster.version), detail={"previous": current,
                                                  "members": len(roster.members)})
    node.forget_roster()
    return roster
