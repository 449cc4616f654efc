"""The tables of grouped alerts: every match an alert holds, and every sighting of its
subject (a received notice version linked to it).

With grouping on (``[alerts] grouping``), an alert stands for one subject: its
``alert_matches`` are every watchlist record any sighting matched, ranked when read;
its ``alert_sightings`` the received notices linked to the subject (by the matching
engine's score or a shared document number). With grouping off, each alert holds one
match and one sighting, as alerts did before grouping.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from fts_share.storage.base import Base, UTCDateTime

JSONType = JSON().with_variant(JSON(), "postgresql")


class AlertMatch(Base):
    """One match of one sighting against one watchlist record, held by an alert."""

    __tablename__ = "alert_matches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime())
    notice_id: Mapped[str] = mapped_column(String(36))
    notice_version: Mapped[int] = mapped_column(Integer)
    record_id: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(30))
    score: Mapped[float] = mapped_column()
    explanation: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    measures: Mapped[list[str]] = mapped_column(JSONType, default=list)


class AlertSighting(Base):
    """One received notice version linked to an alert's subject, and why: ``opened``
    (the notice that opened the alert), ``same_notice`` (a later version of a linked
    notice), ``document`` (a shared document number) or ``score`` (the matching
    engine's score at or above ``[alerts] link_score``)."""

    __tablename__ = "alert_sightings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime())
    notice_id: Mapped[str] = mapped_column(String(36))
    notice_version: Mapped[int] = mapped_column(Integer)
    origin: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[str] = mapped_column(String(80), index=True)
    linked_by: Mapped[str] = mapped_column(String(20))
