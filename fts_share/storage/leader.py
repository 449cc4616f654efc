"""Which process runs the poller: a PostgreSQL session advisory lock.

Several worker processes serve one node over one PostgreSQL database; exactly one of
them polls the partners (and runs the periodic jobs that go with polling). Each tries
``pg_try_advisory_lock`` on a connection of its own, kept open for as long as it holds
the lock. Session advisory locks belong to the server connection: when the holder's
process dies, even by ``kill -9``, the kernel closes its socket, the server ends that
session and the lock is free for the next worker that tries. The lock connection's
``application_name`` names the holder's process id, so an operator (or a test) sees in
``pg_stat_activity`` which process polls.

On SQLite the store is one process's own: that process is the poller (:class:`SoleProcess`).
"""

from __future__ import annotations

import logging
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from fts_share.storage.db import Store
from fts_share.storage.engine import make_engine

log = logging.getLogger(__name__)

POLLER_LOCK = 0x6674735F706F6C6C
"""The advisory lock key of the poller ("fts_poll"); advisory locks are per database."""


class Lease(Protocol):
    """Who may run the poller."""

    def hold(self) -> bool:
        """True while this process may run the poller (takes the lease if free)."""

    def release(self) -> None:
        """Give the lease up."""


class SoleProcess:
    """The lease of a store that only one process uses (SQLite): always held."""

    def hold(self) -> bool:
        """Always True."""
        return True

    def release(self) -> None:
        """Nothing to give up."""


class AdvisoryLease:
    """A PostgreSQL session advisory lock held on a dedicated connection."""

    def __init__(self, url: str, *, name: str, key: int = POLLER_LOCK) -> None:
        self.key, self.name = key, name
        self._engine: Engine = make_engine(url, poolclass=NullPool)
        self._conn: Connection | None = None

    def hold(self) -> bool:
        """True if this process holds the lock: a held lock's connection is checked
        (a server restart loses it), a free lock is taken. Never raises for an
        unreachable server: it is then not held."""
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT 1"))
                return True
            except DBAPIError:
                log.warning("poller lock connection lost")
                self._drop()
        try:
            conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except DBAPIError:
            return False
        try:
            conn.execute(text("SELECT set_config('application_name', :n, false)"),
                         {"n": self.name[:63]})
            taken = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}))
        except DBAPIError:
            conn.close()
            return False
        if not taken:
            conn.close()
            return False
        self._conn = conn
        log.info("poller lock taken by %s", self.name)
        return True

    def release(self) -> None:
        """Unlock and close the connection (a no-op if not held)."""
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            except DBAPIError:
                pass
            self._drop()
        self._engine.dispose()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except DBAPIError:
                pass


def poller_lease(store: Store, *, name: str) -> Lease:
    """The poller's lease for ``store``: an advisory lock on PostgreSQL, the one
    process itself on SQLite."""
    if store.dialect == "postgresql":
        return AdvisoryLease(store.url, name=name)
    return SoleProcess()
