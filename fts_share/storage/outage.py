"""Telling a database that does not answer from a statement that failed.

A request that cannot reach the store (PostgreSQL down, restarting or unreachable; a
SQLite file that cannot be opened) is answered 503 ``unavailable`` with Retry-After,
not 500: nothing was done and the client may retry. The pool (``pool_pre_ping``)
replaces the broken connections, so the node resumes by itself once the database
answers again.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError

from fts_share.errors import StoreUnavailable

#: SQLSTATE classes of a connection that failed or a server that is going away:
#: 08 connection exception, 57P01..57P03 admin/crash shutdown, cannot connect now.
_OUTAGE_STATES = ("08", "57P01", "57P02", "57P03")
log = logging.getLogger(__name__)


def is_outage(exc: DBAPIError) -> bool:
    """True if ``exc`` means the database did not answer (rather than refused a
    statement): no connection could be made, the connection broke, or the server is
    shutting down or starting up."""
    if exc.connection_invalidated or exc.statement is None:
        return True
    state = str(getattr(exc.orig, "sqlstate", "") or "")
    return bool(state) and state.startswith(_OUTAGE_STATES)


def unavailable(exc: DBAPIError) -> StoreUnavailable:
    """The product's error for an outage; the driver's reason (refused connection,
    failed authentication, server shutting down) goes to the operator's log only: it
    may name hosts and users."""
    reason = str(exc.orig or exc).strip().splitlines()
    log.warning("the database does not answer: %s", reason[0] if reason else type(exc).__name__)
    return StoreUnavailable("the node's database does not answer; retry later")
