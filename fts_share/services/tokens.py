"""A user's bearer tokens: listing them and revoking them one by one or all at once.

Issuing is :func:`fts_share.services.accounts.issue_token`. A listing never holds a
secret (only its SHA-256 is stored anyway). Revoking is logged as a ``user_change``
and holds at the next request in every process: each request looks its token up in the
store. The web sessions a revoked token opened are ended with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from fts_share.audit.log import record
from fts_share.clock import to_rfc3339
from fts_share.errors import NotFound
from fts_share.services.accounts import Account, find_user
from fts_share.services.unit import Work
from fts_share.storage.account_tables import Token, WebSession


@dataclass(frozen=True)
class TokenInfo:
    """One token of a user as its listing shows it: never the secret."""

    id: int
    label: str
    created: datetime
    expires: datetime | None
    revoked: bool
    state: str
    """``active``, ``expired`` or ``revoked``, at the time of the listing."""

    def to_json(self) -> dict[str, Any]:
        """The JSON form (times in RFC 3339, ``expires`` null for a token that never
        expires)."""
        return {"id": self.id, "label": self.label, "created": to_rfc3339(self.created),
                "expires": to_rfc3339(self.expires) if self.expires else None,
                "revoked": self.revoked, "state": self.state}


def _info(row: Token, now: datetime) -> TokenInfo:
    if row.revoked:
        state = "revoked"
    elif row.expires is not None and row.expires <= now:
        state = "expired"
    else:
        state = "active"
    return TokenInfo(id=int(row.id), label=row.label, created=row.created,
                     expires=row.expires, revoked=bool(row.revoked), state=state)


def list_tokens(work: Work, name: str) -> list[TokenInfo]:
    """The tokens of user ``name``, oldest first (NotFound for an unknown user)."""
    user = find_user(work, name)
    rows = work.session.scalars(select(Token).where(Token.user_id == user.id)
                                .order_by(Token.id))
    return [_info(row, work.now) for row in rows]


def _revoke_rows(work: Work, user: Account, rows: list[Token], *, actor: str,
                 scope: str) -> list[int]:
    ids = [int(row.id) for row in rows if not row.revoked]
    for row in rows:
        row.revoked = True
    if ids:
        work.session.execute(update(WebSession)
                             .where(WebSession.token_id.in_(ids), WebSession.ended.is_(None))
                             .values(ended=work.now))
    record(work.audit, now=work.now, actor=actor, action="user_change", object_type="user",
           object_id=user.name, detail={"change": "token_revoked", "scope": scope,
                                        "token_ids": ids})
    return ids


def revoke(work: Work, name: str, token_id: int, *, actor: str = "system") -> list[int]:
    """Revoke token ``token_id`` of user ``name`` and end the web sessions it opened
    (logged); returns ``[token_id]``, or ``[]`` if it was revoked already (the attempt is
    logged all the same). NotFound if the user has no such token."""
    user = find_user(work, name)
    row = work.session.get(Token, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound(f"user {name!r} has no token {token_id}")
    ids = _revoke_rows(work, user, [row], actor=actor, scope="one")
    work.session.flush()
    return ids


def revoke_all(work: Work, name: str, *, actor: str = "system") -> list[int]:
    """Revoke every token of user ``name`` and so end all their web sessions (logged);
    returns the ids of the tokens that were still unrevoked."""
    user = find_user(work, name)
    rows = list(work.session.scalars(select(Token).where(Token.user_id == user.id)
                                     .order_by(Token.id)))
    ids = _revoke_rows(work, user, rows, actor=actor, scope="all")
    work.session.flush()
    return ids
