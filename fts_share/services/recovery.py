"""Recovery after a restore, steps 5 and 6 on this node's side: the announcement of
its restore epoch, and the restore marks its verifier reads (``docs/protocol.md``,
"Recovery after a restore"; :mod:`fts_share.audit.epochs`).

Both are derived from the ``restore`` entries of the log at each call: nothing is
cached, so a restore is announced from the first request after it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fts_share.audit.epochs import RestoreMark, announcement_of, restore_marks, sign_announcement
from fts_share.crypto import keys
from fts_share.storage.audit_tables import AuditEntry

#: Read for every feed page (built once, with its cache key).
_RESTORES = (select(AuditEntry.seq, AuditEntry.time, AuditEntry.detail)
             .where(AuditEntry.action == "restore", AuditEntry.object_type == "node")
             .order_by(AuditEntry.seq))


def marks(session: Session) -> list[RestoreMark]:
    """The ``restore`` entries of this node's log, as restore marks (epoch 1 first)."""
    rows = session.execute(_RESTORES).all()
    return restore_marks((int(seq), time, detail or {}) for seq, time, detail in rows)


def announcement(session: Session, *, node: str, key: keys.PrivateKey) -> dict[str, Any] | None:
    """The signed announcement of this node's latest restore (``restore`` of node
    info and feed pages), or None while the node was never restored (epoch 0)."""
    latest = announcement_of(node, marks(session))
    if latest is None:
        return None
    return sign_announcement(latest, key_id=key.kid, sign=key.sign)
