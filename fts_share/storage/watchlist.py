"""The watchlist table as the screening index reads it: the storage side of
:class:`fts_share.screening.index.WatchlistSource`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fts_share.storage.models import WatchlistEntry

Stamp = tuple[int, "datetime | None"]


class SqlWatchlist:
    """The watchlist entries one session sees."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def stamp(self) -> Stamp:
        """The active entries' count and latest update time."""
        count, latest = self.session.execute(
            select(func.count(), func.max(WatchlistEntry.updated))
            .where(WatchlistEntry.active.is_(True))).one()
        return int(count), latest

    def active_entries(self) -> Iterator[WatchlistEntry]:
        """Every active entry."""
        return iter(self.session.scalars(select(WatchlistEntry)
                                         .where(WatchlistEntry.active.is_(True))))

    def changed_since(self, seen: datetime, *, limit: int) -> Sequence[WatchlistEntry]:
        """Entries (active or not) updated at or after ``seen``, at most ``limit``."""
        return self.session.scalars(select(WatchlistEntry).where(WatchlistEntry.updated >= seen)
                                    .limit(limit)).all()
