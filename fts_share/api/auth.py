"""Who is calling: a user with a bearer token, or a partner node with an RFC 9421
signature. Refusals are written to the audit log."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable, TypeVar, cast

from flask import g, request
from sqlalchemy.exc import IntegrityError

from fts_share import accounts
from fts_share.api import context
from fts_share.audit.log import record
from fts_share.storage.audit_store import audit_store
from fts_share.crypto.httpsig import verify_request
from fts_share.errors import CryptoError, Forbidden, RosterError, Unauthenticated
from fts_share.notices.rules import Actor
from fts_share.storage.models import SeenNonce

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Caller:
    """The authenticated caller: ``kind`` is "user" or "node"."""

    kind: str
    name: str
    role: str

    @property
    def actor(self) -> Actor:
        """The caller as a service actor."""
        return Actor(name=self.name, role=self.role)

    @property
    def audit_name(self) -> str:
        """The caller as written in the audit log."""
        return f"{self.kind}:{self.name}"


def _refuse(actor: str | None, reason: str, exc: Exception) -> Exception:
    """Log a refused request (``actor`` None: the caller is not authenticated, and the
    entry is the node's own, ``system``) and return ``exc`` to raise."""
    detail = {"reason": reason[:500]}
    if actor is None:
        detail["caller"] = "unauthenticated"
    with context.transaction() as session:
        record(audit_store(session), now=context.now(), actor=actor or "system", action="access_refused",
               object_type="endpoint", object_id=f"{request.method} {request.path}"[:200],
               outcome="refused", detail=detail)
    return exc


def _user() -> Caller | None:
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise _refuse(None, "malformed authorization", Unauthenticated("bearer token required"))
    try:
        with context.reading() as session:
            user = accounts.authenticate(session, token.strip(), now=context.now())
    except Unauthenticated as exc:
        raise _refuse(None, "invalid token", exc) from None
    return Caller(kind="user", name=user.name, role=user.role)


def _remember_nonce(keyid: str, nonce: str, expires: Any) -> bool:
    try:
        with context.transaction() as session:
            session.add(SeenNonce(keyid=keyid, nonce=nonce[:120], expires=expires))
        return True
    except IntegrityError:
        return False


def _node() -> Caller | None:
    if "Signature" not in request.headers:
        return None
    node = context.node()
    now = context.now()
    roster = node.roster

    def key_for(kid: str) -> Any:
        code = roster.owner_of(kid)
        roster.member(code, now=now)
        return roster.signing_key(code, kid, at=now)

    try:
        verified = verify_request(method=request.method, url=request.url,
                                  headers=dict(request.headers), body=request.get_data(cache=True),
                                  key_for=key_for, now=now,
                                  max_skew=node.config.federation.max_clock_skew,
                                  remember_nonce=_remember_nonce)
    except (CryptoError, RosterError) as exc:
        raise _refuse(None, f"bad request signature: {exc}",
                      Unauthenticated("request signature not accepted")) from None
    code = roster.owner_of(verified.keyid)
    return Caller(kind="node", name=code, role="node")


def caller() -> Caller:
    """The authenticated caller of this request (cached on ``g``)."""
    if "fts_caller" not in g:
        found = _node() or _user()
        if found is None:
            raise _refuse(None, "no credentials", Unauthenticated("credentials required"))
        g.fts_caller = found
    return cast(Caller, g.fts_caller)


def require(*roles: str) -> Callable[[F], F]:
    """Allow only callers whose role (``node`` for partner nodes) is in ``roles``."""

    def wrap(view: F) -> F:
        @functools.wraps(view)
        def inner(*args: Any, **kwargs: Any) -> Any:
            who = caller()
            if who.role not in roles:
                raise _refuse(who.audit_name, f"role {who.role} not allowed",
                              Forbidden(f"this needs the role {' or '.join(roles)}"))
            return view(*args, **kwargs)

        inner.required_roles = roles  # type: ignore[attr-defined]
        return cast(F, inner)

    return wrap
