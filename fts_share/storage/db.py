"""The node's database: an engine (:mod:`fts_share.storage.engine`) and its sessions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from fts_share.errors import FtsError
from fts_share.storage.engine import make_engine
from fts_share.storage.outage import busy, is_busy, is_outage, unavailable

WRITER_POOL_SQLITE = 1
"""Idle connections the writing engine keeps on SQLite. Every write starts with
``BEGIN IMMEDIATE`` (one writer at a time), so more idle connections only keep more
page caches and prepared statements (SQLite's heap at the end of an 8-node soak:
44 -> 24 MB, the same CPU; docs/benchmarks.md, soak); a second writer still gets a
connection of its own (the pool's overflow) and waits for the lock as before."""


def _refused(exc: DBAPIError) -> FtsError | None:
    """The product's error for a failed statement: 503 for an outage or a lock not
    taken in time (:mod:`fts_share.storage.outage`); None for any other failure."""
    if is_outage(exc):
        return unavailable(exc)
    if is_busy(exc):
        return busy(exc)
    return None


def _writer_pool(url: str, engine_kwargs: dict[str, Any]) -> dict[str, Any]:
    """The writing engine's arguments: ``engine_kwargs``, with a pool of one idle
    connection on an SQLite file unless the caller chose the pool."""
    if not url.startswith("sqlite") or ":memory:" in url or "poolclass" in engine_kwargs:
        return engine_kwargs
    return {"pool_size": WRITER_POOL_SQLITE, **engine_kwargs}


class Store:
    """A node's database: an engine and a session factory.

    ``with store.transaction() as session:`` commits on success and rolls back on any
    exception, so an action and its audit entry land together or not at all.
    """

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **_writer_pool(url, engine_kwargs))
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
        A database that does not answer raises :class:`~fts_share.errors.StoreUnavailable`
        (:mod:`fts_share.storage.outage`).
        """
        session = self.sessions()
        try:
            with session.begin():
                yield session
        except DBAPIError as exc:
            refused = _refused(exc)
            if refused is None:
                raise
            raise refused from exc
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
        """A session for reads; nothing it does is committed (an outage raises
        :class:`~fts_share.errors.StoreUnavailable`, as in :meth:`transaction`)."""
        session = self._read_sessions()
        try:
            yield session
        except DBAPIError as exc:
            refused = _refused(exc)
            if refused is None:
                raise
            raise refused from exc
        finally:
            session.close()  # ends the transaction; loaded objects stay readable

    def schema_revisions(self) -> frozenset[str]:
        """The migration revision(s) the database is at, read without taking the write
        lock (:class:`~fts_share.errors.StoreUnavailable` if it does not answer)."""
        from fts_share.storage.migrate import current_revisions

        return current_revisions(self._read_engine)

    def create_schema(self) -> None:
        """Bring the schema to the latest migration (alembic ``upgrade head``)."""
        from fts_share.storage.migrate import upgrade

        upgrade(self.engine)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
        if self._read_engine is not self.engine:
            self._read_engine.dispose()
