"""The tables of the people who use a node and of what signs them in: users, their bearer
tokens, web sessions, and the nonces of signed partner requests (replay protection).

Apart from :mod:`fts_share.storage.models` so that a process that serves no one (``fts-share
poll``) does not declare and map them (docs/benchmarks.md, session 21, r21-fixed); every
table is on the one metadata of :mod:`fts_share.storage.schema`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from fts_share.storage.base import Base, UTCDateTime

__all__ = ["SeenNonce", "Token", "User", "WebSession"]


class User(Base):
    """A person who uses this node: officer, reviewer or admin."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    created: Mapped[datetime] = mapped_column(UTCDateTime())
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class Token(Base):
    """A bearer token of a user, stored as the SHA-256 of the secret only."""

    __tablename__ = "tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(120), default="")
    created: Mapped[datetime] = mapped_column(UTCDateTime())
    expires: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class WebSession(Base):
    """A signed-in web session, checked by the server at every request: the cookie holds
    a random secret, this table its SHA-256. Signing out sets ``ended``."""

    __tablename__ = "web_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("tokens.id"))
    created: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    ended: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class SeenNonce(Base):
    """Nonces of signed partner requests, kept until they expire: replay protection."""

    __tablename__ = "seen_nonces"
    keyid: Mapped[str] = mapped_column(String(80), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(120), primary_key=True)
    expires: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
