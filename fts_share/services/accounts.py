"""Users of a node, their bearer tokens, and who is calling.

A token is 32 random bytes shown once, prefixed ``fts_``; only its SHA-256 is stored
(a random 256-bit secret needs no slow hash). A new token expires after
``api.token_days`` (90 by default; 0: never) unless its issuer says otherwise; listing
and revoking tokens is :mod:`fts_share.services.tokens`. Every request looks the token
up in the store, so a revocation holds at the next request in every process. Roles:
officer, reviewer, admin. A partner node calls with an RFC 9421 signature by a key the
roster lists. Sign-ins, sign-outs, token issues and refusals are written to the audit log.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fts_share.audit.log import record
from fts_share.clock import to_rfc3339
from fts_share.config import MAX_TOKEN_DAYS
from fts_share.crypto.httpsig import verify_request
from fts_share.crypto.keys import PublicKey
from fts_share.errors import (
    Conflict,
    CryptoError,
    NotFound,
    RosterError,
    Unauthenticated,
    ValidationError,
)
from fts_share.services.node import Node
from fts_share.services.roster import require_fresh
from fts_share.services.unit import Work, unit_of_work
from fts_share.storage.account_tables import SeenNonce, Token, User

ROLES = ("officer", "reviewer", "admin")
TOKEN_PREFIX = "fts_"


@dataclass(frozen=True)
class Account:
    """A user as the porch sees one: the row's id, the name and the role."""

    id: int
    name: str
    role: str


def _account(user: User) -> Account:
    return Account(id=user.id, name=user.name, role=user.role)


def token_hash(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _valid_name(name: str) -> bool:
    plain = name.replace("-", "").replace(".", "").replace("_", "")
    return bool(name) and len(name) <= 120 and plain.isalnum()


def create_user(work: Work, *, name: str, role: str, actor: str = "system") -> Account:
    """Create a user; names are unique (logged)."""
    if role not in ROLES:
        raise ValidationError({"role": [f"must be one of {', '.join(ROLES)}"]})
    if not _valid_name(name):
        raise ValidationError({"name": ["1-120 letters, digits, '.', '-' or '_'"]})
    if work.session.scalars(select(User).where(User.name == name)).first() is not None:
        raise Conflict(f"user {name!r} exists")
    user = User(name=name, role=role, created=work.now, disabled=False)
    work.session.add(user)
    work.session.flush()
    record(work.audit, now=work.now, actor=actor, action="user_change", object_type="user",
           object_id=name, detail={"role": role, "change": "created"})
    return _account(user)


def token_expiry(now: datetime, days: int) -> datetime | None:
    """When a token issued at ``now`` for ``days`` days expires (None: ``days`` is 0,
    it never does)."""
    if not 0 <= days <= MAX_TOKEN_DAYS:
        raise ValidationError({"expires_in": [f"expected 0 to {MAX_TOKEN_DAYS} days, got {days}"]})
    return now + timedelta(days=days) if days else None


def issue_token(work: Work, user: Account, *, label: str = "",
                expires: datetime | None = None, days: int | None = None,
                actor: str = "system") -> str:
    """Issue a new token for ``user`` and return it (the only time it is visible).

    It expires at ``expires`` if given, else ``days`` days from now (0: never), else
    after the node's ``api.token_days``. The issue is logged (never the token)."""
    if expires is None:
        expires = token_expiry(work.now, work.settings.api.token_days if days is None else days)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = Token(user_id=user.id, token_hash=token_hash(token), label=label[:120],
                created=work.now, expires=expires, revoked=False)
    work.session.add(row)
    work.session.flush()
    record(work.audit, now=work.now, actor=actor, action="user_change", object_type="user",
           object_id=user.name, detail={"change": "token_issued", "token_id": int(row.id),
                                        "expires": to_rfc3339(expires) if expires else None})
    return token


def find_user(work: Work, name: str) -> Account:
    """The user ``name``, or NotFound."""
    user = work.session.scalars(select(User).where(User.name == name)).first()
    if user is None:
        raise NotFound(f"no user {name!r}")
    return _account(user)


def issue_token_for(work: Work, name: str, *, label: str = "", days: int | None = None,
                    actor: str = "system") -> str:
    """Issue another token for the existing user ``name`` (lifetime as
    :func:`issue_token`)."""
    return issue_token(work, find_user(work, name), label=label, days=days, actor=actor)


class TokenRefused(Unauthenticated):
    """A bearer token is not accepted. The caller always reads the same "invalid token";
    ``reason`` (unknown, revoked or expired token, disabled user) is for the log only."""

    def __init__(self, reason: str) -> None:
        super().__init__("invalid token")
        self.reason = reason


def _token_row(work: Work, token: str) -> Token:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        raise TokenRefused("invalid token")
    digest = token_hash(token)
    row = work.session.scalars(select(Token).where(Token.token_hash == digest)).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        raise TokenRefused("invalid token")
    if row.revoked:
        raise TokenRefused("revoked token")
    if row.expires is not None and row.expires <= work.now:
        raise TokenRefused("expired token")
    return row


def _holder(work: Work, token: str) -> tuple[Account, Token]:
    row = _token_row(work, token)
    user = work.session.get(User, row.user_id)
    if user is None or user.disabled:
        raise TokenRefused("disabled user")
    return _account(user), row


def authenticate(work: Work, token: str) -> Account:
    """The user holding ``token``, or :class:`TokenRefused` (same message for every
    failure; the reason is for the log)."""
    return _holder(work, token)[0]


@dataclass(frozen=True)
class SignIn:
    """A web sign-in: the user and the id of the token row it used (never the token)."""

    user: Account
    token_id: int


def sign_in(work: Work, token: str) -> SignIn:
    """Check ``token`` (Unauthenticated if it is not valid) and log the sign-in."""
    user, row = _holder(work, token)
    record(work.audit, now=work.now, actor=f"user:{user.name}", action="sign_in",
           object_type="session", detail={"role": user.role})
    return SignIn(user=user, token_id=int(row.id))


def sign_out(work: Work, *, actor: str) -> None:
    """Log the end of a web session."""
    record(work.audit, now=work.now, actor=actor, action="sign_out", object_type="session")


def session_user(work: Work, *, user_id: int, token_id: int) -> Account | None:
    """The user of a web session, if the token it started with is still valid."""
    row = work.session.get(Token, token_id)
    if row is None or row.user_id != user_id or row.revoked:
        return None
    if row.expires is not None and row.expires <= work.now:
        return None
    user = work.session.get(User, user_id)
    return None if user is None or user.disabled else _account(user)


def log_refusal(work: Work, *, actor: str, object_type: str, object_id: str,
                detail: Mapping[str, Any]) -> None:
    """Write a refused access to the audit log."""
    record(work.audit, now=work.now, actor=actor, action="access_refused",
           object_type=object_type, object_id=object_id, outcome="refused", detail=dict(detail))


class SignatureRefused(Unauthenticated):
    """A partner's request signature is not accepted; ``reason`` says why (for the log,
    never for the caller)."""

    def __init__(self, reason: str) -> None:
        super().__init__("request signature not accepted")
        self.reason = reason


def authenticate_node(node: Node, *, now: datetime, method: str, url: str,
                      headers: Mapping[str, str], body: bytes) -> str:
    """The code of the partner that signed this request (RFC 9421, a key the roster
    lists, a nonce not seen before), or :class:`SignatureRefused`. Each nonce is
    remembered in a transaction of its own. No roster in force is a RosterError; a
    roster older than ``federation.roster_max_days`` is :class:`RosterStale` (503):
    a stale node serves no partner."""
    roster = node.roster
    require_fresh(node, now=now)

    def key_for(kid: str) -> PublicKey:
        code = roster.owner_of(kid)
        roster.member(code, now=now)
        return roster.signing_key(code, kid, at=now)

    def remember_nonce(keyid: str, nonce: str, expires: datetime) -> bool:
        try:
            with unit_of_work(node, now) as work:
                work.session.add(SeenNonce(keyid=keyid, nonce=nonce[:120], expires=expires))
            return True
        except IntegrityError:
            return False

    try:
        verified = verify_request(method=method, url=url, headers=headers, body=body,
                                  key_for=key_for, now=now,
                                  max_skew=node.config.federation.max_clock_skew,
                                  remember_nonce=remember_nonce)
    except (CryptoError, RosterError) as exc:
        raise SignatureRefused(str(exc)) from None
    return roster.owner_of(verified.keyid)
