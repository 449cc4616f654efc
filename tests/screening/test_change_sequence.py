"""The watchlist's change sequence, replayed: a change whose number was taken before
another's but committed after it is not missed (the cursor keeps the numbers it
skipped as gaps), a gap that never fills (a rollback) is given up after its grace,
and on PostgreSQL two real transactions that commit out of order are both found."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fts_share.clock import utcnow
from fts_share.screening import index as wl
from fts_share.screening.changes import ChangeCursor
from fts_share.storage import Store
from fts_share.storage.models import WatchlistChange, WatchlistEntry
from fts_share.storage.watchlist import SqlWatchlist, on_rollback


def _entry(rid: str, name: str) -> WatchlistEntry:
    return WatchlistEntry(id=rid, source="notice", kind="individual", names=[name], dobs=[],
                          nationalities=[], documents=[], measures=[], data={}, active=True,
                          updated=utcnow())


def _found(index: wl.WatchlistIndex, name: str) -> list[str]:
    return [h.record_id for h in index.search(name, limit=5)]


def test_a_number_skipped_over_is_asked_for_until_it_fills_or_its_grace_ends() -> None:
    t0 = utcnow()
    cursor = ChangeCursor(mark=4)
    cursor.advance([6, 8], now=t0)  # 5 and 7 not committed yet
    assert cursor.mark == 8 and cursor.wanted_gaps() == [5, 7]
    cursor.advance([5], now=t0 + timedelta(seconds=1))  # 5 commits late: replayed
    assert cursor.wanted_gaps() == [7]
    cursor.advance([], now=t0 + cursor.grace + timedelta(seconds=1))  # 7 rolled back
    assert cursor.wanted_gaps() == [] and cursor.mark == 8


def test_a_cursor_built_from_a_snapshot_waits_for_the_numbers_missing_below_it() -> None:
    cursor = ChangeCursor.starting_at(10, present=[1, 2, 3, 4, 5, 6, 8, 10], now=utcnow())
    assert cursor.mark == 10 and cursor.wanted_gaps() == [7, 9]


@pytest.mark.postgresql
@pytest.mark.parametrize("backend", ["postgresql"])
def test_changes_committed_out_of_order_are_not_missed(store: Store) -> None:
    with store.transaction() as s:
        s.add(_entry("A", "Karim Benali"))
    index = wl.WatchlistIndex()
    with store.read() as s:
        index.refresh(SqlWatchlist(s), now=utcnow())
    early, late = store.sessions(), store.sessions()
    try:
        early.begin()
        early.add(_entry("B", "Yusuf al-Harbi"))
        early.flush()  # takes its change number first ...
        late.begin()
        late.add(_entry("C", "Khalid Nasrallah"))
        late.flush()
        late.commit()  # ... but the later number commits first
        with store.read() as s:
            index.refresh(SqlWatchlist(s), now=utcnow())
        assert _found(index, "Khalid Nasrallah")[:1] == ["C"]
        assert _found(index, "Yusuf al-Harbi") == []
        early.commit()
    finally:
        early.close()
        late.close()
    with store.read() as s:
        index.refresh(SqlWatchlist(s), now=utcnow())
        numbers = sorted(s.scalars(WatchlistChange.__table__.select()
                                   .with_only_columns(WatchlistChange.id)))
    assert _found(index, "Yusuf al-Harbi")[:1] == ["B"]
    assert index.rebuilds == 1 and index.mark == numbers[-1]


def test_what_the_index_saw_of_a_transaction_that_rolled_back_is_read_again(
        store: Store) -> None:
    """A page's notices are screened inside the page's transaction, so the index sees
    its uncommitted subjects; if the page is refused, they are gone from it again."""
    with store.transaction() as s:
        s.add(_entry("A", "Karim Benali"))
    index = wl.WatchlistIndex()
    on_rollback(store.engine, index.read_again)
    with store.read() as s:
        index.refresh(SqlWatchlist(s), now=utcnow())
    with pytest.raises(RuntimeError), store.transaction() as s:
        s.add(_entry("B", "Yusuf al-Harbi"))
        entry = s.get(WatchlistEntry, "A")
        assert entry is not None
        entry.names = ["Khalid Nasrallah"]
        s.flush()
        index.refresh(SqlWatchlist(s), now=utcnow())  # as screening in the page does
        assert _found(index, "Yusuf al-Harbi")[:1] == ["B"]
        raise RuntimeError("the page is refused")
    with store.read() as s:
        index.refresh(SqlWatchlist(s), now=utcnow())
    assert _found(index, "Yusuf al-Harbi") == [] and _found(index, "Khalid Nasrallah") == []
    assert _found(index, "Karim Benali")[:1] == ["A"]
