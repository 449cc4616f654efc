"""The table of hit feedback: every ``hit`` message this node sent (an officer here
confirmed, or took back, a match on a received notice) or received (a partner reports
a hit on a notice published here). Rows are never changed: the newest row of a
(partner, notice) is its current state, the others its history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fts_share.storage.base import Base, UTCDateTime

SENT, RECEIVED = "sent", "received"


class HitReport(Base):
    """One hit message: ``direction`` ``sent`` (``partner`` is the notice's origin) or
    ``received`` (``partner`` is the node that reported it); ``message_id`` is the
    message's ``id`` on the wire, unique per direction and partner."""

    __tablename__ = "hit_reports"
    __table_args__ = (UniqueConstraint("direction", "partner", "message_id",
                                       name="uq_hit_reports_message"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    direction: Mapped[str] = mapped_column(String(10))
    message_id: Mapped[str] = mapped_column(String(36))
    partner: Mapped[str] = mapped_column(String(16))
    notice_id: Mapped[str] = mapped_column(String(36), index=True)
    notice_version: Mapped[int] = mapped_column(Integer)
    alert_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    state: Mapped[str] = mapped_column(String(12))  # confirmed, withdrawn
    decided: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    contact: Mapped[str] = mapped_column(String(200))
    seq: Mapped[int] = mapped_column(BigInteger)  # the envelope's sequence number
