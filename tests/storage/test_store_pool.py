"""What a node's SQLite store keeps open between uses."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from fts_share.storage import Store


def test_sqlite_writers_leave_one_idle_connection_and_still_wait_their_turn(
        tmp_path: Path) -> None:
    """Writes take SQLite's one write lock in turn, so the store keeps one idle writing
    connection (each holds its own page cache and prepared statements); a second
    writer still gets a connection and its write lands after the first."""
    store = Store(f"sqlite:///{tmp_path / 'node.db'}")
    store.create_schema()
    with store.engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    first_in = threading.Event()
    release = threading.Event()

    def first() -> None:
        with store.transaction() as s:
            s.execute(text("INSERT INTO t VALUES (1)"))
            first_in.set()
            release.wait(10)

    def second() -> None:
        first_in.wait(10)
        with store.transaction() as s:
            s.execute(text("INSERT INTO t VALUES (2)"))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    first_in.wait(10)
    release.set()
    for t in threads:
        t.join(30)
    with store.read() as s:
        assert s.execute(text("SELECT n FROM t ORDER BY rowid")).scalars().all() == [1, 2]
    assert store.engine.pool.checkedin() == 1  # type: ignore[attr-defined]
    store.dispose()
