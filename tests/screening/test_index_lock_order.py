"""The watchlist index and the store's one writer: a unit of work that refreshes the
index (a screening request, the index snapshot of a poll round) while a poll commits a
page and screens its notices on arrival must not lock the two against each other. On
SQLite the unit of work takes the store's write lock before the index's lock, as the
commit of a page does; before, it took the index's lock first and waited for the
write lock inside it, the page's commit waited for the index, and after the 30 s
busy timeout the unit of work failed with "database is locked"."""

from __future__ import annotations

import threading
from typing import Any

from coalition import Coalition
from sqlalchemy import event, text

from fts_share.clock import utcnow
from fts_share.services.screening import current_index
from fts_share.services.unit import Work, unit_of_work


def test_index_refresh_beside_a_commit_that_screens(coalition: Coalition) -> None:
    node = coalition["FRA"].node
    errors: list[Exception] = []
    begins = threading.Event()

    def screen_elsewhere() -> None:  # e.g. the poll round's index snapshot
        try:
            with unit_of_work(node, utcnow()) as work:
                current_index(work)
        except Exception as exc:  # noqa: BLE001 - what the other unit of work met
            errors.append(exc)

    other = threading.Thread(target=screen_elsewhere, daemon=True)

    def before_begin(*_args: Any) -> None:  # the other thread's first statement (on
        if threading.current_thread() is other:  # SQLite its BEGIN IMMEDIATE) is sent
            begins.set()

    event.listen(node.store.engine, "before_cursor_execute", before_begin)
    try:
        with node.store.transaction() as session:  # a poll committing a page
            session.execute(text("SELECT 1"))  # its transaction has begun (SQLite: writer)
            other.start()
            assert begins.wait(60), "the other unit of work never reached the store"
            current_index(Work(session=session, now=utcnow(), node=node))  # on arrival
        other.join(120)
    finally:
        event.remove(node.store.engine, "before_cursor_execute", before_begin)
    assert not other.is_alive() and errors == []
