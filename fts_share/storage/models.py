"""The node database: the tables of exchanging, receiving and screening notices.

The alert, audit and hit-report tables live in their own modules and are imported here
(every process that uses these tables uses them too); the tables of users, tokens and
web sessions (:mod:`fts_share.storage.account_tables`) and of batch jobs
(:mod:`fts_share.storage.jobs_tables`) are declared only by a process that imports
them: a poll does not. :mod:`fts_share.storage.schema` has every table, on the one
metadata (and one alembic history) of the whole node.

Content at rest: a notice's content (authored or received) is stored encrypted under a
per-notice data key (:class:`NoticeKey`); purging a notice deletes that key and the
ciphertext, so the content is unrecoverable while the audit record remains.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from fts_share.storage import alert_tables as _alert_tables  # noqa: F401  (same metadata)
from fts_share.storage import audit_tables as _audit_tables  # noqa: F401  (same metadata)
from fts_share.storage import hit_tables as _hit_tables  # noqa: F401  (same metadata)
from fts_share.storage.base import Base, UTCDateTime

__all__ = [
    "Alert",
    "Base",
    "FederationEvent",
    "Notice",
    "NoticeKey",
    "OutboxEnvelope",
    "OutboxLink",
    "Peer",
    "ReceivedEnvelope",
    "RefusalCount",
    "RosterVersion",
    "WatchlistChange",
    "WatchlistEntry",
]

JSONType = JSON().with_variant(JSON(), "postgresql")


class RosterVersion(Base):
    """A verified, signed coalition roster; the highest version is in force."""

    __tablename__ = "roster_versions"
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    issued: Mapped[datetime] = mapped_column(UTCDateTime())
    document: Mapped[str] = mapped_column(Text)
    installed: Mapped[datetime] = mapped_column(UTCDateTime())


class OutboxEnvelope(Base):
    """An envelope this node sealed, in this node's global sequence order."""

    __tablename__ = "outbox"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    prev: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(20))
    notice_id: Mapped[str] = mapped_column(String(36), index=True)
    notice_version: Mapped[int] = mapped_column(Integer)
    envelope: Mapped[str] = mapped_column(Text)


class OutboxLink(Base):
    """The per-recipient link: the n-th envelope this node addressed to a partner.

    A partner's feed is its link, in order of ``n``; ``n`` is the feed cursor. Because
    a link has no holes, a partner detects a truncated, reordered or gapped page.
    """

    __tablename__ = "outbox_links"
    recipient: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(ForeignKey("outbox.seq"))


class OutboxFloor(Base):
    """After a restore, where this node's sequences continue (docs/protocol.md,
    "Recovery after a restore"). The row of ``recipient`` ``"*"`` holds the lowest
    global sequence number the next envelope may take minus one; the row of a partner,
    the lowest link position minus one. ``pending``: the partner has not polled since
    the restore, so its link cannot take an envelope yet."""

    __tablename__ = "outbox_floors"
    recipient: Mapped[str] = mapped_column(String(16), primary_key=True)
    floor: Mapped[int] = mapped_column(BigInteger, default=0)
    pending: Mapped[bool] = mapped_column(Boolean, default=False)


class Peer(Base):
    """Polling state for one partner: the cursor into its feed and back-off."""

    __tablename__ = "peers"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_success: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class ReceivedEnvelope(Base):
    """An envelope received from a partner and accepted (verified, addressed to us)."""

    __tablename__ = "received"
    __table_args__ = (UniqueConstraint("origin", "seq", name="uq_received_origin_seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    origin: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int] = mapped_column(BigInteger)
    link_n: Mapped[int] = mapped_column(BigInteger)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    prev: Mapped[str | None] = mapped_column(String(64), nullable=True)
    kind: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(20))
    created: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decrypted: Mapped[bool] = mapped_column(Boolean, default=False)
    envelope: Mapped[str | None] = mapped_column(Text, nullable=True)


class FederationEvent(Base):
    """Something a poll saw that a reviewer must know: rejection, gap, fork, split view."""

    __tablename__ = "federation_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    peer: Mapped[str] = mapped_column(String(16), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="")


class Notice(Base):
    """One version of a notice, authored here or received; content is encrypted."""

    __tablename__ = "notices"
    __table_args__ = (UniqueConstraint("notice_id", "version", name="uq_notices_id_version"),
                      Index("ix_notices_origin_status", "origin", "status"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[str] = mapped_column(String(36), index=True)
    version: Mapped[int] = mapped_column(Integer)
    origin: Mapped[str] = mapped_column(String(16))
    authored: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20))  # active, superseded, withdrawn, purged
    label: Mapped[str] = mapped_column(String(20))
    caveats: Mapped[list[str]] = mapped_column(JSONType, default=list)
    legal_basis: Mapped[list[str]] = mapped_column(JSONType, default=list)
    recipients: Mapped[list[str]] = mapped_column(JSONType, default=list)
    named_users: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created: Mapped[datetime] = mapped_column(UTCDateTime())
    review_date: Mapped[date] = mapped_column(Date)
    subject_sex: Mapped[str | None] = mapped_column(String(10), nullable=True)
    subject_minor: Mapped[bool] = mapped_column(Boolean, default=False)
    movement_kind: Mapped[str | None] = mapped_column(String(30), nullable=True)
    officer: Mapped[str | None] = mapped_column(String(120), nullable=True)
    envelope_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    nonce: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class NoticeKey(Base):
    """The data key of one notice version, wrapped with the node's storage key."""

    __tablename__ = "notice_keys"
    notice_row: Mapped[int] = mapped_column(ForeignKey("notices.id"), primary_key=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)


class Alert(Base):
    """A match between a notice's subject (or a screening) and a watchlist record; with
    grouping on, one alert per subject, its best match here and every match and
    sighting in :mod:`fts_share.storage.alert_tables`."""

    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime())
    notice_id: Mapped[str] = mapped_column(String(36), index=True)
    notice_version: Mapped[int] = mapped_column(Integer)
    record_id: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(20))  # un, national, notice
    kind: Mapped[str] = mapped_column(String(30))  # match, travel_ban_hit, ...
    score: Mapped[float] = mapped_column()
    explanation: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    measures: Mapped[list[str]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(20), default="new")
    decided_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class AlertDecision(Base):
    """One decision on an alert, with its reason: the history is kept, each revision
    (confirm, dismiss, reopen) a new row; the alert holds the latest status."""

    __tablename__ = "alert_decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))
    decision: Mapped[str] = mapped_column(String(20))  # confirmed, dismissed, reopened
    previous: Mapped[str] = mapped_column(String(20))  # the alert's status before
    reason: Mapped[str] = mapped_column(Text)


class WatchlistEntry(Base):
    """A screening record: a UN list entry, a national watchlist row, or a received
    notice's subject (``source="notice"``)."""

    __tablename__ = "watchlist"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    source: Mapped[str] = mapped_column(String(20), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="individual")
    regime: Mapped[str | None] = mapped_column(String(200), nullable=True)
    names: Mapped[list[str]] = mapped_column(JSONType, default=list)
    dobs: Mapped[list[str]] = mapped_column(JSONType, default=list)
    nationalities: Mapped[list[str]] = mapped_column(JSONType, default=list)
    documents: Mapped[list[str]] = mapped_column(JSONType, default=list)
    measures: Mapped[list[str]] = mapped_column(JSONType, default=list)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated: Mapped[datetime] = mapped_column(UTCDateTime())


class WatchlistChange(Base):
    """One change to the watchlist, in the transaction that made it: the monotonic
    sequence every worker's screening index replays (:mod:`fts_share.storage.watchlist`).
    ``op`` is ``upsert``, ``delete``, or ``reset`` (a bulk statement: rebuild)."""

    __tablename__ = "watchlist_changes"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    entry_id: Mapped[str] = mapped_column(String(80))
    op: Mapped[str] = mapped_column(String(8))


class RefusalCount(Base):
    """Refused unauthenticated requests of one source in one UTC minute, by reason: the
    counters that :mod:`fts_share.services.refusals` turns into one audit entry per source
    and minute once the minute has closed."""

    __tablename__ = "refusal_counts"
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    minute: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True, index=True)
    reason: Mapped[str] = mapped_column(String(120), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)
