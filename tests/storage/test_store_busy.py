"""A statement that gives up waiting for a lock another transaction holds: the node
answers 503 ``unavailable`` with Retry-After (never 500), nothing of the transaction
is stored, and the same write succeeds once the lock is released."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest
from sqlalchemy import text

from fts_share.errors import StoreBusy
from fts_share.storage import Store


def _store(url: str) -> Store:
    if url.startswith("sqlite"):  # SQLite's busy timeout, short for the test (node: 30 s)
        return Store(url, connect_args={"timeout": 0.2, "check_same_thread": False})
    return Store(url)


def _insert(store: Store, n: int) -> None:
    with store.transaction() as s:
        if store.dialect == "postgresql":
            s.execute(text("SET LOCAL lock_timeout = '200ms'"))
        s.execute(text("INSERT INTO busy_t VALUES (:n)"), {"n": n})


def _rows(store: Store) -> list[int]:
    with store.read() as s:
        return list(s.execute(text("SELECT n FROM busy_t ORDER BY n")).scalars())


def test_a_lock_not_taken_in_time_is_a_503_to_retry_with_nothing_stored(
        store_urls: Callable[[], str]) -> None:
    url = store_urls()
    store = _store(url)
    with store.engine.begin() as conn:
        conn.execute(text("CREATE TABLE busy_t (n INTEGER)"))
    if store.dialect == "sqlite":
        holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # the one write lock, held by another process
        release = holder.rollback
    else:
        conn = store.engine.connect()
        pg_tx = conn.begin()
        conn.execute(text("LOCK TABLE busy_t IN ACCESS EXCLUSIVE MODE"))
        release = pg_tx.rollback
    try:
        with pytest.raises(StoreBusy) as refused:
            _insert(store, 1)
    finally:
        release()
    problem = refused.value.to_problem()
    assert problem["status"] == 503 and problem["type"].endswith("/unavailable")
    assert refused.value.retry_after > 0
    assert "locked" not in problem["detail"]  # the driver's words stay in the log
    assert _rows(store) == []
    _insert(store, 2)  # the same write, once the lock is free
    assert _rows(store) == [2]
    if store.dialect == "postgresql":
        conn.close()
    store.dispose()


def test_other_failed_statements_are_still_the_drivers_own_error(
        store_urls: Callable[[], str]) -> None:
    """Only a lock not taken in time (or an outage) becomes 503: a statement the
    database refuses is a bug or a constraint, and keeps its own error."""
    from sqlalchemy.exc import DBAPIError

    store = _store(store_urls())
    with pytest.raises(DBAPIError), store.transaction() as s:
        s.execute(text("SELECT * FROM no_such_table"))
    store.dispose()
