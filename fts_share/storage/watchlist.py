"""The watchlist table as the screening index reads it: the storage side of
:class:`fts_share.screening.index.WatchlistSource`, and the change sequence.

Every flush that adds, changes or deletes a :class:`WatchlistEntry` through the ORM
also adds one :class:`WatchlistChange` row per entry, in the same transaction (a
``before_flush`` hook), so the sequence holds a change exactly when the change is
committed. A bulk ``UPDATE``/``DELETE`` statement on the watchlist, whose rows the
session does not see, writes one ``reset`` change: readers rebuild.

A process's index may have replayed changes of a transaction still open in the same
session (a page's notices are screened one after the other, each against the subjects
of the notices before it). If that transaction rolls back, the entries it touched are
handed to the callback registered for the engine (:func:`on_rollback`), so that the
index reads them again as committed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple, cast
from weakref import WeakKeyDictionary

from sqlalchemy import Table, event, func, insert, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState, Session

from fts_share.storage.bulk import BulkInsert
from fts_share.storage.models import WatchlistChange, WatchlistEntry

RESET = "reset"
"""The op of a change that no single entry describes (a bulk statement): rebuild."""

_KEY = "fts_share.watchlist.changed"
#: the columns ``insert_entries`` writes: all but ``regime`` (NULL: a received notice's
#: subject has none)
ENTRY_COLUMNS = tuple(c.key for c in cast(Table, WatchlistEntry.__table__).columns
                      if c.key != "regime")
_INSERT_ENTRIES = BulkInsert(insert(cast(Table, WatchlistEntry.__table__)), ENTRY_COLUMNS)
_INSERT_CHANGES = BulkInsert(insert(cast(Table, WatchlistChange.__table__)), ("entry_id", "op"))
_rollback_hooks: WeakKeyDictionary[Engine, Callable[[set[str]], None]] = WeakKeyDictionary()


def on_rollback(engine: Engine, callback: Callable[[set[str]], None]) -> None:
    """Call ``callback`` with the ids of the watchlist entries that a transaction on
    ``engine`` had changed (and flushed) when it rolled back."""
    _rollback_hooks[engine] = callback


class IndexedRow(NamedTuple):
    """A watchlist entry's columns the screening index reads
    (``screening.index.IndexedEntry``)."""

    id: str
    names: list[str]
    dobs: list[str]
    nationalities: list[str]
    documents: list[str]
    active: bool
    updated: datetime


class SqlWatchlist:
    """The watchlist entries and changes one session sees."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def last_change(self) -> int:
        """The highest change number committed (0: none)."""
        return int(self.session.scalar(select(func.max(WatchlistChange.id))) or 0)

    def change_numbers(self, *, above: int) -> list[int]:
        """The change numbers committed above ``above``."""
        return list(self.session.scalars(select(WatchlistChange.id)
                                         .where(WatchlistChange.id > above)))

    def changes(self, *, after: int, gaps: Sequence[int], limit: int
                ) -> list[tuple[int, str, str]]:
        """``(number, entry id, op)`` of the changes above ``after`` or numbered in
        ``gaps``, lowest first, at most ``limit``."""
        where = WatchlistChange.id > after
        if gaps:
            where = or_(where, WatchlistChange.id.in_(list(gaps)))
        rows = self.session.execute(
            select(WatchlistChange.id, WatchlistChange.entry_id, WatchlistChange.op)
            .where(where).order_by(WatchlistChange.id).limit(limit))
        return [(int(n), str(rid), str(op)) for n, rid, op in rows]

    def active_entries(self) -> Iterator[IndexedRow]:
        """Every active entry, as the index reads it (those columns only)."""
        w = WatchlistEntry
        rows = self.session.execute(select(w.id, w.names, w.dobs, w.nationalities,
                                           w.documents, w.active, w.updated)
                                    .where(w.active.is_(True)))
        return (IndexedRow(*row) for row in rows)

    def entries(self, ids: Sequence[str]) -> list[WatchlistEntry]:
        """The entries (active or not) of ``ids`` that exist."""
        return list(self.session.scalars(select(WatchlistEntry)
                                         .where(WatchlistEntry.id.in_(list(ids)))))


def insert_entries(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert new watchlist entries (each row with every one of ``ENTRY_COLUMNS``, ids
    not held yet) with one statement, and their ``upsert`` changes, in the order
    given, with another (``storage.bulk``: through the driver, COPY on PostgreSQL):
    what a flush of the same entries added to the session writes
    (:func:`_record_changes`), without the unit of work. A rollback hands their ids
    to the engine's hook, as for a flush."""
    if not rows:
        return
    session.flush()  # (what the statement's autoflush did: earlier changes first)
    connection = session.connection()
    _INSERT_ENTRIES.run(connection, rows)
    _INSERT_CHANGES.run(connection, [{"entry_id": r["id"], "op": "upsert"} for r in rows])
    session.info.setdefault(_KEY, set()).update(str(r["id"]) for r in rows)


@event.listens_for(Session, "before_flush")
def _record_changes(session: Session, _context: Any, _instances: Any) -> None:
    """One change row per watchlist entry added, changed or deleted in this flush."""
    changes: list[WatchlistChange] = []
    for obj in session.new:
        if isinstance(obj, WatchlistEntry):
            changes.append(WatchlistChange(entry_id=obj.id, op="upsert"))
    for obj in session.dirty:
        if isinstance(obj, WatchlistEntry) and session.is_modified(obj):
            changes.append(WatchlistChange(entry_id=obj.id, op="upsert"))
    for obj in session.deleted:
        if isinstance(obj, WatchlistEntry):
            changes.append(WatchlistChange(entry_id=obj.id, op="delete"))
    session.add_all(changes)
    if changes:
        session.info.setdefault(_KEY, set()).update(c.entry_id for c in changes)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    session.info.pop(_KEY, None)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    """Hand the entries a rolled-back transaction had changed to the engine's hook."""
    ids: set[str] | None = session.info.pop(_KEY, None)
    bind = session.bind
    callback = _rollback_hooks.get(bind) if isinstance(bind, Engine) else None
    if ids and callback is not None:
        callback(ids)


@event.listens_for(Session, "do_orm_execute")
def _record_bulk(state: ORMExecuteState) -> None:
    """A bulk UPDATE or DELETE of watchlist rows: one ``reset`` change."""
    if (state.is_update or state.is_delete) and any(
            m.class_ is WatchlistEntry for m in state.all_mappers):
        state.session.add(WatchlistChange(entry_id="*", op=RESET))
