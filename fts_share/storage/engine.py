"""Engines: SQLite (WAL) by default, PostgreSQL in production."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

CONNECT_TIMEOUT = 5
"""Seconds to wait for a PostgreSQL connection (unless the URL sets connect_timeout)."""


def make_engine(url: str, *, readonly: bool = False, **kwargs: Any) -> Engine:
    """Create an engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout.

    On SQLite a writing engine starts every transaction with ``BEGIN IMMEDIATE`` (one
    writer at a time, taken up front); a ``readonly`` engine uses deferred transactions
    so that readers never wait for each other.
    """
    # A statement's parameters (names, dates of birth, document numbers) are never
    # written into an error's text or the engine's log (docs/security.md).
    kwargs.setdefault("hide_parameters", True)
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
    kwargs.setdefault("pool_pre_ping", True)  # a restarted server's dead connections go
    if url.startswith("postgresql") and "connect_timeout" not in url:
        # an unreachable server fails a request in seconds (503), not after TCP's minutes
        kwargs.setdefault("connect_args", {"connect_timeout": CONNECT_TIMEOUT})
    return create_engine(url, **kwargs)
