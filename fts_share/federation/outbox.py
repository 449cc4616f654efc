"""The outbox: sealing envelopes in this node's sequence and per-partner links.

Every envelope this node seals gets the next global sequence number and the digest of
the previous envelope (a hash chain, as in Secure Scuttlebutt feeds). For each
recipient it also gets the next number ``n`` on that partner's *link*: the partner's
feed is its link in order, and ``n`` is its cursor. A link has no holes, so a partner
can tell a truncated, reordered or gapped page from a complete one.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Mapping, Sequence

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from fts_share.crypto.envelope import Recipient, envelope_digest, seal
from fts_share.federation.roster import Roster
from fts_share.node import Node
from fts_share.storage.models import OutboxEnvelope, OutboxLink

OUTBOX_LOCK_ID = 0x0F75_0001


def lock_outbox(session: Session) -> None:
    """Serialise sequence allocation (PostgreSQL advisory lock; SQLite already holds
    the write lock from ``BEGIN IMMEDIATE``)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": OUTBOX_LOCK_ID})


def append(session: Session, node: Node, *, roster: Roster, payload: Mapping[str, Any],
           kind: str, label: str, recipients: Sequence[str], notice_id: str,
           notice_version: int, now: datetime) -> OutboxEnvelope:
    """Seal ``payload`` for ``recipients`` and append it to the outbox and their links."""
    lock_outbox(session)
    last = session.scalars(select(OutboxEnvelope).order_by(OutboxEnvelope.seq.desc())
                           .limit(1)).first()
    seq = 1 if last is None else last.seq + 1
    prev = None if last is None else last.digest
    codes = sorted(set(recipients))
    keys = [Recipient(node=c, key=roster.encryption_key(c, now=now)) for c in codes]
    envelope = seal(payload, origin=node.code, seq=seq, prev=prev, created=now, label=label,
                    kind=kind, signer=node.signing, recipients=keys)
    row = OutboxEnvelope(seq=seq, digest=envelope_digest(envelope), prev=prev, created=now,
                         kind=kind, label=label, notice_id=notice_id,
                         notice_version=notice_version,
                         envelope=json.dumps(envelope, separators=(",", ":")))
    session.add(row)
    session.flush()
    heads = dict(session.execute(select(OutboxLink.recipient, func.max(OutboxLink.n))
                                 .where(OutboxLink.recipient.in_(codes))
                                 .group_by(OutboxLink.recipient)).all())
    session.execute(insert(OutboxLink), [{"recipient": code, "n": int(heads.get(code) or 0) + 1,
                                          "seq": seq} for code in codes])
    return row


def link_page(session: Session, *, partner: str, after: int,
              limit: int) -> tuple[list[tuple[int, OutboxEnvelope]], int]:
    """The envelopes of ``partner``'s link after ``after`` (at most ``limit``), and the
    link's head (its highest ``n``)."""
    rows = session.execute(
        select(OutboxLink.n, OutboxEnvelope)
        .join(OutboxEnvelope, OutboxEnvelope.seq == OutboxLink.seq)
        .where(OutboxLink.recipient == partner, OutboxLink.n > after)
        .order_by(OutboxLink.n).limit(limit)).all()
    head = session.scalar(select(func.coalesce(func.max(OutboxLink.n), 0))
                          .where(OutboxLink.recipient == partner)) or 0
    return [(int(n), env) for n, env in rows], int(head)
