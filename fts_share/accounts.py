"""Users of a node and their bearer tokens.

A token is 32 random bytes shown once, prefixed ``fts_``; only its SHA-256 is stored
(a random 256-bit secret needs no slow hash). Roles: officer, reviewer, admin.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fts_share.audit.log import record
from fts_share.storage.audit_store import audit_store
from fts_share.errors import Conflict, Unauthenticated, ValidationError
from fts_share.storage.models import Token, User

ROLES = ("officer", "reviewer", "admin")
TOKEN_PREFIX = "fts_"


def token_hash(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_user(session: Session, *, name: str, role: str, now: datetime,
                actor: str = "system") -> User:
    """Create a user; names are unique."""
    if role not in ROLES:
        raise ValidationError({"role": [f"must be one of {', '.join(ROLES)}"]})
    if not name or len(name) > 120 or not name.replace("-", "").replace(".", "").replace("_", "").isalnum():
        raise ValidationError({"name": ["1-120 letters, digits, '.', '-' or '_'"]})
    if session.scalars(select(User).where(User.name == name)).first() is not None:
        raise Conflict(f"user {name!r} exists")
    user = User(name=name, role=role, created=now, disabled=False)
    session.add(user)
    session.flush()
    record(audit_store(session), now=now, actor=actor, action="user_change", object_type="user",
           object_id=name, detail={"role": role, "change": "created"})
    return user


def issue_token(session: Session, user: User, *, now: datetime, label: str = "",
                expires: datetime | None = None) -> str:
    """Issue a new token for ``user`` and return it (the only time it is visible)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(Token(user_id=user.id, token_hash=token_hash(token), label=label[:120],
                      created=now, expires=expires, revoked=False))
    session.flush()
    return token


def authenticate(session: Session, token: str, *, now: datetime) -> User:
    """The user holding ``token``, or Unauthenticated (same error for every failure)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        raise Unauthenticated("invalid token")
    digest = token_hash(token)
    row = session.scalars(select(Token).where(Token.token_hash == digest)).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest) or row.revoked:
        raise Unauthenticated("invalid token")
    if row.expires is not None and row.expires <= now:
        raise Unauthenticated("invalid token")
    user = session.get(User, row.user_id)
    if user is None or user.disabled:
        raise Unauthenticated("invalid token")
    return user
