"""The node's in-memory name index over its active watchlist entries.

Built lazily from the database and rebuilt when the watchlist changes (a generation
counter is bumped by every import in this process; other processes notice through the
entries' latest update time).
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fts_share.errors import FtsError
from fts_share.matching import NameIndex
from fts_share.storage.models import WatchlistEntry


def _stamp(session: Session) -> tuple[int, datetime | None]:
    count, latest = session.execute(select(func.count(), func.max(WatchlistEntry.updated))
                                    .where(WatchlistEntry.active.is_(True))).one()
    return int(count), latest


def entry_kwargs(entry: WatchlistEntry) -> dict[str, Any]:
    """The NameIndex arguments of one entry."""
    return {"dob": list(entry.dobs) or None, "nationality": list(entry.nationalities) or None,
            "documents": list(entry.documents) or None}


class WatchlistIndex:
    """A thread-safe, lazily rebuilt :class:`NameIndex` of one node's watchlist."""

    def __init__(self, **index_options: Any) -> None:
        self._lock = threading.Lock()
        self._index: NameIndex | None = None
        self._stamp: tuple[int, datetime | None] | None = None
        self._options = index_options
        self.skipped: list[str] = []

    def get(self, session: Session) -> NameIndex:
        """The index, rebuilt first if the watchlist changed."""
        stamp = _stamp(session)
        with self._lock:
            if self._index is None or stamp != self._stamp:
                self._index = self._build(session)
                self._stamp = stamp
            return self._index

    def _build(self, session: Session) -> NameIndex:
        index = NameIndex(**self._options)
        skipped: list[str] = []
        for entry in session.scalars(select(WatchlistEntry)
                                     .where(WatchlistEntry.active.is_(True))):
            names = [n for n in entry.names if n and n.strip()]
            if not names:
                continue
            try:
                index.add(entry.id, names, **entry_kwargs(entry))
            except FtsError:
                # One unusable name must not hide the rest of the record.
                good = []
                for n in names:
                    try:
                        NameIndex().add("probe", [n])
                        good.append(n)
                    except FtsError:
                        pass
                if good:
                    try:
                        index.add(entry.id, good, **entry_kwargs(entry))
                        continue
                    except FtsError:
                        pass
                skipped.append(entry.id)
        self.skipped = skipped
        return index
