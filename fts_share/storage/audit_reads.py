"""The audit store's reads: raw rows for the verifier, listings and counts for reviewers.

Raw reads are ``text()`` statements (no SQLAlchemy type processing, the verifier
decodes the columns itself) read in keyset chunks, so that no server-side cursor lives
long on either backend. :class:`SharedEntryReader` reads the same rows from another
process (the verifier's second worker).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from fts_share.audit.store import ENTRY_COLUMNS, EntryFilter, EntryRecord, RawEntry
from fts_share.storage.audit_tables import AuditEntry, node_id
from fts_share.storage.engine import make_engine

_SELECT_ENTRIES = text(f"SELECT {', '.join(ENTRY_COLUMNS)} FROM audit_entries "
                       f"WHERE seq > :after AND seq < :end ORDER BY seq LIMIT :n")
_SELECT_ENTRY = text(f"SELECT {', '.join(ENTRY_COLUMNS)} FROM audit_entries WHERE seq = :seq")
_SELECT_LEAVES = text("SELECT seq, leaf_hash FROM audit_entries "
                      "WHERE seq > :after AND seq < :end ORDER BY seq LIMIT :n")
_SELECT_LAST = text("SELECT max(seq) FROM audit_entries")
#: The nodes of one level as (idx, hash): ids of a level are ``base + idx``.
_SELECT_NODES = text("SELECT id - :base, hash FROM audit_nodes WHERE id > :after AND id < :end "
                     "ORDER BY id LIMIT :n")
#: The columns a report may group by.
_GROUPABLE = ("partner", "action", "outcome", "actor")


def _stream(connection: Connection, statement: Any, chunk: int, after: int, end: int,
            base: int = 0) -> Iterator[Sequence[Any]]:
    """Rows of ``statement`` with ``after < key < end``, in keyset chunks; the first
    column of a row is its key minus ``base``."""
    params = {"after": after, "end": end, "n": chunk}
    if base:
        params["base"] = base
    while True:
        rows = connection.execute(statement, params).all()
        if rows:
            yield rows
        if len(rows) < chunk:
            return
        params["after"] = base + rows[-1][0]


@dataclass(frozen=True)
class SharedEntryReader:
    """Raw entries read in another process, on its own engine (picklable)."""

    url: str

    def __call__(self, after: int, end: int, chunk: int) -> Iterator[Sequence[RawEntry]]:
        """Raw entries with ``after < seq < end``, ``chunk`` at a time."""
        engine = make_engine(self.url, readonly=True)
        try:
            with engine.connect() as connection:
                yield from _stream(connection, _SELECT_ENTRIES, chunk, after, end)
        finally:
            engine.dispose()


class AuditReads:
    """The reading half of :class:`~fts_share.storage.audit_store.SqlAuditStore`."""

    def __init__(self, session: Session, connection: Callable[[], Connection]) -> None:
        self.session = session
        #: The session's connection with the pending appends written.
        self.connection = connection

    # -- raw reads for verification -------------------------------------------
    def raw_entries(self, after: int, end: int, chunk: int) -> Iterator[Sequence[RawEntry]]:
        """Raw entries with ``after < seq < end`` in ``seq`` order."""
        return _stream(self.connection(), _SELECT_ENTRIES, chunk, after, end)

    def raw_entry(self, seq: int) -> RawEntry:
        """The raw entry ``seq``."""
        return self.connection().execute(_SELECT_ENTRY, {"seq": seq}).one()

    def raw_leaves(self, after: int, end: int,
                   chunk: int) -> Iterator[Sequence[tuple[int, Any]]]:
        """``(seq, stored leaf hash)`` with ``after < seq < end``."""
        return _stream(self.connection(), _SELECT_LEAVES, chunk, after, end)

    def last_seq(self) -> int | None:
        """The largest stored seq, or None."""
        last = self.connection().execute(_SELECT_LAST).scalar()
        return None if last is None else int(last)

    def level_nodes(self, level: int, chunk: int) -> Iterator[Sequence[tuple[int, Any]]]:
        """``(idx, hash)`` of the stored subtrees of ``level``, in ``idx`` order."""
        base = node_id(level, 0)
        return _stream(self.connection(), _SELECT_NODES, chunk, base - 1, node_id(level + 1, 0),
                       base=base)

    def worker_reader(self) -> SharedEntryReader | None:
        """A reader for another process: a SQLite file or a PostgreSQL server, not an
        in-memory database."""
        url = self.connection().engine.url
        backend = url.get_backend_name()
        if backend == "postgresql" or (backend == "sqlite" and url.database
                                       and url.database != ":memory:"
                                       and not url.database.startswith("file:")):
            return SharedEntryReader(url.render_as_string(hide_password=False))
        return None

    # -- reviewers' reads ------------------------------------------------------
    def entries(self, filters: EntryFilter, *, after: int | None,
                limit: int) -> list[EntryRecord]:
        """At most ``limit`` entries matching ``filters``, after the cursor ``after``."""
        stmt = select(AuditEntry)
        if filters.since is not None:
            stmt = stmt.where(AuditEntry.time >= filters.since)
        if filters.until is not None:
            stmt = stmt.where(AuditEntry.time < filters.until)
        for name in ("actor", "action", "object_type", "object_id", "partner", "outcome"):
            value = getattr(filters, name)
            if value is not None:
                stmt = stmt.where(getattr(AuditEntry, name) == value)
        ascending = filters.order == "asc"
        if after is not None:
            stmt = stmt.where(AuditEntry.seq > after if ascending else AuditEntry.seq < after)
        stmt = stmt.order_by(AuditEntry.seq.asc() if ascending else AuditEntry.seq.desc())
        return list(self.session.scalars(stmt.limit(limit)))

    def count_by(self, column: str, *, since: datetime | None, until: datetime | None,
                 refused_only: bool = False) -> list[tuple[Any, int]]:
        """``(value, count)`` of the entries in ``[since, until)`` grouped by ``column``."""
        if column not in _GROUPABLE:
            raise ValueError(f"cannot group audit entries by {column!r}")
        key = getattr(AuditEntry, column)
        stmt = select(key, func.count()).group_by(key)
        if refused_only:
            stmt = stmt.where(or_(AuditEntry.outcome == "refused",
                                  AuditEntry.action == "access_refused"))
        rows = self.session.execute(stmt.where(*_period(since, until))).all()
        return [(value, int(n)) for value, n in rows]

    def times_and_bases(self, *, since: datetime | None,
                        until: datetime | None) -> Iterable[tuple[datetime, list[str] | None]]:
        """``(time, legal_basis)`` of every entry in ``[since, until)``, streamed."""
        stmt = select(AuditEntry.time, AuditEntry.legal_basis).where(*_period(since, until))
        rows = self.session.execute(stmt.execution_options(yield_per=10000))
        return ((when, legal) for when, legal in rows)


def _period(since: datetime | None, until: datetime | None) -> list[ColumnElement[bool]]:
    """The conditions ``since <= time < until`` (either bound optional)."""
    conditions: list[ColumnElement[bool]] = []
    if since is not None:
        conditions.append(AuditEntry.time >= since)
    if until is not None:
        conditions.append(AuditEntry.time < until)
    return conditions
