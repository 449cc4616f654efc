"""Telling a database that does not answer from a statement that failed.

A request that cannot reach the store (PostgreSQL down, restarting or unreachable; a
SQLite file that cannot be opened) is answered 503 ``unavailable`` with Retry-After,
not 500: nothing was done and the client may retry. The pool (``pool_pre_ping``)
replaces the broken connections, so the node resumes by itself once the database
answers again.

A statement that gave up waiting for a lock is answered the same way: SQLite's
``database is locked`` after its busy timeout (a poller's page commit and the feed
server competing for the one writer under heavy load), PostgreSQL's lock timeout,
deadlock or serialisation failure. The transaction was rolled back, so nothing was
stored, and the same request may succeed a moment later.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError

from fts_share.errors import StoreBusy, StoreUnavailable

#: SQLSTATE classes of a connection that failed or a server that is going away:
#: 08 connection exception, 57P01..57P03 admin/crash shutdown, cannot connect now.
_OUTAGE_STATES = ("08", "57P01", "57P02", "57P03")
#: SQLSTATEs of a statement that gave up on a lock: serialization_failure,
#: deadlock_detected, lock_not_available (lock_timeout)
_BUSY_STATES = ("40001", "40P01", "55P03")
#: sqlite3's error codes for a lock it could not take within its busy timeout
_SQLITE_BUSY = (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED
log = logging.getLogger(__name__)


def is_outage(exc: DBAPIError) -> bool:
    """True if ``exc`` means the database did not answer (rather than refused a
    statement): no connection could be made, the connection broke, or the server is
    shutting down or starting up."""
    if exc.connection_invalidated or exc.statement is None:
        return True
    state = str(getattr(exc.orig, "sqlstate", "") or "")
    return bool(state) and state.startswith(_OUTAGE_STATES)


def is_busy(exc: DBAPIError) -> bool:
    """True if ``exc`` means a statement gave up waiting for a lock (the database
    answers, but another transaction held what this one needed)."""
    code = getattr(exc.orig, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _SQLITE_BUSY
    return str(getattr(exc.orig, "sqlstate", "") or "") in _BUSY_STATES


def busy(exc: DBAPIError) -> StoreBusy:
    """The product's error for a lock not taken in time (503, retry shortly)."""
    log.warning("a statement gave up waiting for a lock: %s", type(exc.orig).__name__)
    return StoreBusy("the node's database is busy; retry shortly", retry_after=2)


def unavailable(exc: DBAPIError) -> StoreUnavailable:
    """The product's error for an outage; the driver's reason (refused connection,
    failed authentication, server shutting down) goes to the operator's log only: it
    may name hosts and users."""
    reason = str(exc.orig or exc).strip().splitlines()
    log.warning("the database does not answer: %s", reason[0] if reason else type(exc).__name__)
    return StoreUnavailable("the node's database does not answer; retry later")
