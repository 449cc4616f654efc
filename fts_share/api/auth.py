"""Who is calling: a user with a bearer token, or a partner node with an RFC 9421
signature. Refusals are written to the audit log."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import g, request

from fts_share.errors import Forbidden, Unauthenticated
from fts_share.http import context, limits, refused
from fts_share.http.callers import Caller
from fts_share.http.target import target_uri
from fts_share.services import accounts

F = TypeVar("F", bound=Callable[..., Any])


def _refuse(actor: str | None, reason: str, exc: Exception) -> Exception:
    """Log a refused request and return ``exc`` to raise. ``actor`` None: the caller is
    not authenticated, and the refusal is counted with the others of its address and
    minute, one audit entry each (``fts_share.http.refused``)."""
    if actor is None:
        refused.count(reason[:120])
        return exc
    detail = {"reason": reason[:500]}
    # The route's template, not the path as sent: a path can carry a name or a
    # document number, and the log is kept for years (docs/security.md).
    route = request.url_rule.rule if request.url_rule is not None else "(no route)"
    with context.work() as work:
        accounts.log_refusal(work, actor=actor or "system", object_type="endpoint",
                             object_id=context.printable(f"{request.method} {route}")[:200],
                             detail=detail)
    return exc


def _user() -> Caller | None:
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise _refuse(None, "malformed authorization", Unauthenticated("bearer token required"))
    try:
        with context.read() as work:
            user = accounts.authenticate(work, token.strip())
    except accounts.TokenRefused as exc:
        # One answer for every failure; the reason (unknown, revoked, expired) is logged.
        raise _refuse(None, exc.reason, exc) from None
    return Caller(kind="user", name=user.name, role=user.role, user_id=user.id)


def _node() -> Caller | None:
    if "Signature" not in request.headers:
        return None
    node = context.node()
    # Never request.url: it is decoded and takes its authority from the Host header.
    url = target_uri(request.environ, node.config.url)
    try:
        code = accounts.authenticate_node(node, now=context.now(),
                                          method=request.method, url=url,
                                          headers=dict(request.headers),
                                          body=request.get_data(cache=True))
    except accounts.SignatureRefused as exc:
        raise _refuse(None, f"bad request signature: {exc.reason}", exc) from None
    return Caller(kind="node", name=code, role="node")


def caller() -> Caller:
    """The authenticated caller of this request (cached on ``g``)."""
    if "fts_caller" not in g:
        found = _node() or _user()
        if found is None:
            raise _refuse(None, "no credentials", Unauthenticated("credentials required"))
        g.fts_caller = found
        limits.check_client(found)
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
