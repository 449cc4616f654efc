"""Who is signed in: the Flask session holds a random session secret, new at every
sign-in, of a session the server keeps (:mod:`fts_share.services.websessions`: 8 hours
at most, 30 minutes idle, ended on the server at sign-out). Every request re-checks the
session, its token and its user; roles are enforced per view and every refusal is
written to the audit log."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from flask import abort, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue

from fts_share.http import context, refused
from fts_share.http.callers import Caller
from fts_share.services import accounts, websessions

F = TypeVar("F", bound=Callable[..., ResponseReturnValue])
HOME = {"officer": "officer.inbox", "reviewer": "reviewer.log", "admin": "admin.peer_states"}


@dataclass(frozen=True)
class WebUser(Caller):
    """The signed-in user (a caller of kind ``user``, with the id of its row)."""

    id: int = 0

    @property
    def home(self) -> str:
        """The endpoint of this user's home page (None-like for other roles)."""
        return HOME.get(self.role, "auth.no_pages")


def sign_in(token: str) -> WebUser:
    """Verify ``token`` (``Unauthenticated`` if it is not valid), start a fresh session
    (new session id, new CSRF token) and log the sign-in."""
    now = context.now()
    with context.work() as work:
        signed = accounts.sign_in(work, token)
        secret = websessions.start(work, user_id=signed.user.id, token_id=signed.token_id)
    user = signed.user
    found = WebUser(kind="user", id=user.id, name=user.name, role=user.role)
    lang = session.get("lang")
    session.clear()
    session.permanent = True
    session.update({"sid": secret, "at": now.isoformat()})
    if lang:
        session["lang"] = lang
    return found


def sign_out() -> None:
    """End the session, on the server too (logged)."""
    user = current_user()
    if user is not None:
        with context.work() as work:
            websessions.end(work, str(session.get("sid", "")))
            accounts.sign_out(work, actor=user.audit_name)
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def current_user() -> WebUser | None:
    """The signed-in user, or None (an ended, expired or idle session, a revoked token
    or a disabled user)."""
    if "fts_web_user" in g:
        return cast("WebUser | None", g.fts_web_user)
    found: WebUser | None = None
    sid = session.get("sid")
    if isinstance(sid, str):
        with context.work() as work:
            user = websessions.check(work, sid)
        if user is not None:
            found = WebUser(kind="user", id=user.id, name=user.name, role=user.role)
        if found is None:
            session.clear()
    g.fts_web_user = found
    return found


def refuse(user: WebUser | None, reason: str, *, object_type: str = "page",
           object_id: str | None = None) -> None:
    """Log a refused access (inside its own transaction); an anonymous one is counted
    with the others of its address and minute (``fts_share.http.refused``)."""
    if user is None:
        refused.count(reason[:120])
        return
    detail: dict[str, Any] = {"reason": reason, "via": "web"}
    # The route's template, never the path as sent (it may carry personal data).
    route = request.url_rule.rule if request.url_rule is not None else "(no route)"
    with context.work() as work:
        accounts.log_refusal(work, actor=user.audit_name, object_type=object_type,
                             object_id=object_id or f"{request.method} {route}",
                             detail=detail)


def require(*roles: str) -> Callable[[F], F]:
    """Allow only signed-in users whose role is in ``roles``; others are sent to the
    sign-in page, or refused (403, logged)."""

    def wrap(view: F) -> F:
        @functools.wraps(view)
        def inner(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            user = current_user()
            if user is None:
                return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
            if user.role not in roles:
                refuse(user, f"role {user.role} not allowed")
                abort(403)
            return view(*args, **kwargs)

        return cast(F, inner)

    return wrap


def signed_in_at() -> datetime | None:
    """When this session started."""
    value = session.get("at")
    return datetime.fromisoformat(value) if isinstance(value, str) else None
