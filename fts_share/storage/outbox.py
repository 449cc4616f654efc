"""The outbox tables behind :class:`fts_share.federation.outbox.OutboxStore` and
:class:`fts_share.federation.feed.FeedLinks`."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from fts_share.federation.feed import LinkedEnvelope
from fts_share.federation.outbox import OutboxEntry
from fts_share.storage.models import OutboxEnvelope, OutboxLink

OUTBOX_LOCK_ID = 0x0F75_0001


class SqlOutbox:
    """The outbox of the node, in the session's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def lock(self) -> None:
        """Serialise sequence allocation (PostgreSQL advisory lock; SQLite already holds
        the write lock from ``BEGIN IMMEDIATE``)."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text("SELECT pg_advisory_xact_lock(:k)"),
                                 {"k": OUTBOX_LOCK_ID})

    def last(self) -> tuple[int, str] | None:
        """The ``(seq, digest)`` of the newest envelope, if any."""
        row = self.session.execute(select(OutboxEnvelope.seq, OutboxEnvelope.digest)
                                   .order_by(OutboxEnvelope.seq.desc()).limit(1)).first()
        return None if row is None else (int(row[0]), str(row[1]))

    def add(self, entry: OutboxEntry, recipients: Sequence[str]) -> None:
        """Store ``entry`` and append it to the links of ``recipients``."""
        self.session.add(OutboxEnvelope(
            seq=entry.seq, digest=entry.digest, prev=entry.prev, created=entry.created,
            kind=entry.kind, label=entry.label, notice_id=entry.notice_id,
            notice_version=entry.notice_version,
            envelope=json.dumps(entry.envelope, separators=(",", ":"))))
        self.session.flush()
        heads = dict(self.session.execute(
            select(OutboxLink.recipient, func.max(OutboxLink.n))
            .where(OutboxLink.recipient.in_(recipients))
            .group_by(OutboxLink.recipient)).all())
        self.session.execute(insert(OutboxLink), [
            {"recipient": code, "n": int(heads.get(code) or 0) + 1, "seq": entry.seq}
            for code in recipients])

    def link_page(self, partner: str, *, after: int,
                  limit: int) -> tuple[list[LinkedEnvelope], int]:
        """The envelopes of ``partner``'s link after ``after`` (at most ``limit``), and
        the link's head (its highest ``n``)."""
        rows = self.session.execute(
            select(OutboxLink.n, OutboxEnvelope.seq, OutboxEnvelope.digest,
                   OutboxEnvelope.envelope)
            .join(OutboxEnvelope, OutboxEnvelope.seq == OutboxLink.seq)
            .where(OutboxLink.recipient == partner, OutboxLink.n > after)
            .order_by(OutboxLink.n).limit(limit)).all()
        head = self.session.scalar(select(func.coalesce(func.max(OutboxLink.n), 0))
                                   .where(OutboxLink.recipient == partner)) or 0
        return [LinkedEnvelope(n=int(n), seq=int(seq), digest=str(digest), envelope=str(env))
                for n, seq, digest, env in rows], int(head)

    def shares_of(self, notice_id: str) -> list[tuple[str, str]]:
        """``(label, recipient)`` of every notice envelope about ``notice_id`` this node
        sent (its own versions, or copies it re-shared)."""
        return [(str(label), str(recipient)) for label, recipient in self.session.execute(
            select(OutboxEnvelope.label, OutboxLink.recipient)
            .join(OutboxLink, OutboxLink.seq == OutboxEnvelope.seq)
            .where(OutboxEnvelope.notice_id == notice_id, OutboxEnvelope.kind == "notice"))]
