"""Small reads the services do not offer yet (listed for the lead in the issue report):
the token row behind a session, received and own notices (latest versions), one alert
and one watchlist record. Reads only; every write goes through a service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fts_share import accounts
from fts_share.storage.notices import latest_versions
from fts_share.storage.models import Alert, Notice, Token, User, WatchlistEntry


def token_id(db: Session, token: str) -> int:
    """The id of the (already authenticated) token's row."""
    row = db.scalars(select(Token).where(Token.token_hash == accounts.token_hash(token))).one()
    return int(row.id)


def session_user(db: Session, *, user_id: int, token_id: int, now: datetime) -> User | None:
    """The user of a web session, if the token it started with is still valid."""
    row = db.get(Token, token_id)
    if row is None or row.user_id != user_id or row.revoked:
        return None
    if row.expires is not None and row.expires <= now:
        return None
    user = db.get(User, user_id)
    return None if user is None or user.disabled else user


def latest_notices(db: Session, *, authored: bool, status: str | None, page: int,
                   per_page: int) -> tuple[list[Notice], int]:
    """The latest version of each notice received here (``authored=False``) or
    published here, newest first, and how many there are in all."""
    q = latest_versions().where(Notice.authored.is_(authored))
    if status:
        q = q.where(Notice.status == status)
    total = int(db.scalar(select(func.count()).select_from(q.subquery())) or 0)
    rows = db.scalars(q.order_by(Notice.id.desc()).offset((page - 1) * per_page)
                      .limit(per_page)).all()
    return list(rows), total


def latest_notice(db: Session, notice_id: str) -> Notice | None:
    """The metadata of a notice's latest version (no content)."""
    return db.scalars(select(Notice).where(Notice.notice_id == notice_id)
                      .order_by(Notice.version.desc()).limit(1)).first()


def alert(db: Session, alert_id: int) -> Alert | None:
    """One alert."""
    return db.get(Alert, alert_id)


def watchlist_record(db: Session, record_id: str) -> dict[str, Any] | None:
    """What an officer sees of a local watchlist record (this node's own holdings)."""
    row = db.get(WatchlistEntry, record_id)
    if row is None:
        return None
    return {"id": row.id, "source": row.source, "regime": row.regime, "names": list(row.names),
            "dobs": list(row.dobs), "nationalities": list(row.nationalities),
            "documents": list(row.documents), "measures": list(row.measures),
            "active": row.active}


def count_alerts(db: Session, status: str = "new") -> int:
    """How many alerts have ``status``."""
    return int(db.scalar(select(func.count()).select_from(Alert)
                         .where(Alert.status == status)) or 0)
