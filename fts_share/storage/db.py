"""Engines and sessions: SQLite (WAL) by default, PostgreSQL in production."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from fts_share.errors import FtsError


def make_engine(url: str, *, readonly: bool = False, **kwargs: Any) -> Engine:
    """Create an engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout.

    On SQLite a writing engine starts every transaction with ``BEGIN IMMEDIATE`` (one
    writer at a time, taken up front); a ``readonly`` engine uses deferred transactions
    so that readers never wait for each other.
    """
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy control transactions; BEGIN IMMEDIATE on write is issued below.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # One writer at a time, taken at the start: no lost updates, no upgrade deadlocks.
            conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


class Store:
    """A node's database: an engine and a session factory.

    ``with store.transaction() as session:`` commits on success and rolls back on any
    exception, so an action and its audit entry land together or not at all.
    """

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        if self.engine.dialect.name == "sqlite":
            self._read_engine = make_engine(url, readonly=True, **engine_kwargs)
        else:
            self._read_engine = self.engine
        self._read_sessions = sessionmaker(self._read_engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction, committed on success, rolled back on error.

        A refusal that carries an audit entry (``FtsError.logged``) is recorded after
        the rollback, in a transaction of its own: refused access is always logged.
        """
        session = self.sessions()
        try:
            with session.begin():
                yield session
        except FtsError as exc:
            if exc.audit:
                from fts_share.audit.log import record
                from fts_share.storage.audit_store import audit_store

                with self.transaction() as log_session:
                    record(audit_store(log_session), **exc.audit)
            raise
        finally:
            session.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reads; nothing it does is committed."""
        session = self._read_sessions()
        try:
            yield session
        finally:
            session.close()  # ends the transaction; loaded objects stay readable

    def create_schema(self) -> None:
        """Bring the schema to the latest migration (alembic ``upgrade head``)."""
        from fts_share.storage.migrate import upgrade

        upgrade(self.engine)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
        if self._read_engine is not self.engine:
            self._read_engine.dispose()
