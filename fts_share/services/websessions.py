"""Web sessions, held by the server.

The session cookie carries a random secret; the ``web_sessions`` table holds its
SHA-256, the user, the token the user signed in with, when it started and when it was
last used. Every request checks the row, so the limits hold across workers and
restarts whatever the cookie says:

- a session ends ``web.session_hours`` after sign-in (8 hours by default),
- or after ``web.idle_minutes`` without a request (30 minutes by default),
- or when the user signs out: the row is ended, and replaying the old cookie fails,
- or when the token it started with is revoked or expires, or the user is disabled.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete

from fts_share.services import accounts
from fts_share.services.accounts import Account
from fts_share.services.unit import Work
from fts_share.storage.account_tables import WebSession


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _limits(work: Work) -> tuple[timedelta, timedelta]:
    web = work.settings.web
    return timedelta(hours=web.session_hours), timedelta(minutes=web.idle_minutes)


def start(work: Work, *, user_id: int, token_id: int) -> str:
    """Open a session for a user who just signed in; returns the cookie's secret.
    Sessions past their absolute limit are deleted on the way."""
    absolute, _ = _limits(work)
    work.session.execute(delete(WebSession).where(WebSession.created < work.now - absolute))
    secret = secrets.token_urlsafe(32)
    work.session.add(WebSession(id=_digest(secret), user_id=user_id, token_id=token_id,
                                created=work.now, last_seen=work.now, ended=None))
    work.session.flush()
    return secret


def _live(work: Work, row: WebSession | None) -> bool:
    absolute, idle = _limits(work)
    return (row is not None and row.ended is None and work.now < row.created + absolute
            and work.now < row.last_seen + idle)


def check(work: Work, secret: str) -> Account | None:
    """The user of the live session ``secret`` (its last use set to now), or None if
    it ended, expired, went idle, or its token or user is no longer valid."""
    if not secret or len(secret) > 200:
        return None
    row = work.session.get(WebSession, _digest(secret))
    if row is None or not _live(work, row):
        return None
    user = accounts.session_user(work, user_id=row.user_id, token_id=row.token_id)
    if user is not None:
        row.last_seen = work.now
    return user


def end(work: Work, secret: str) -> None:
    """End the session ``secret`` on the server (signing out)."""
    row = work.session.get(WebSession, _digest(secret)) if secret else None
    if row is not None and row.ended is None:
        row.ended = work.now
