"""The node's watchlist index is built once and then follows the store's change
sequence: entries that change (a received notice's subject, a purge, a small import,
a row deleted) are replayed, and only a very large change or a bulk statement make it
rebuild. What it finds is what a fresh build finds; changes committed out of order
are not missed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete

from fts_share.clock import utcnow
from fts_share.screening import index as wl
from fts_share.services.unit import Work
from fts_share.services.watchlist_import import import_un_file
from fts_share.storage import Store
from fts_share.storage.models import WatchlistEntry
from fts_share.storage.watchlist import SqlWatchlist


def _work(session, now):  # type: ignore[no-untyped-def]
    """A unit of work on a bare store (importing a watchlist needs no node)."""
    return Work(session=session, now=now, node=None)  # type: ignore[arg-type]


FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "un-excerpt.xml"


def _entry(rid: str, names: list[str], when, **extra) -> WatchlistEntry:  # type: ignore[no-untyped-def]
    return WatchlistEntry(id=rid, source="notice", kind="individual", names=names,
                          dobs=extra.get("dobs", []), nationalities=[], documents=[],
                          measures=[], data={}, active=extra.get("active", True),
                          updated=when)


def _found(index: wl.WatchlistIndex, name: str) -> list[str]:
    return [h.record_id for h in index.search(name, limit=5)]


def test_changes_are_applied_without_rebuilding(store: Store) -> None:
    t0 = utcnow()
    with store.transaction() as s:
        import_un_file(_work(s, t0), FIXTURE, actor="system")
    index = wl.WatchlistIndex()
    with store.read() as s:
        index.refresh(SqlWatchlist(s), now=utcnow())
    assert index.rebuilds == 1
    assert "QDi.299" in _found(index, "Abu Bakr al-Baghdadi")
    # received notices' subjects, one after the other: no rebuild, each is found
    for i, name in enumerate(["Karim Benali", "Yusuf Zawahiri al-Harbi"]):
        with store.transaction() as s:
            s.add(_entry(f"notice:FRA:{i}", [name], t0 + timedelta(seconds=i + 1)))
        with store.read() as s:
            index.refresh(SqlWatchlist(s), now=utcnow())
        assert _found(index, name)[:1] == [f"notice:FRA:{i}"]
    assert index.rebuilds == 1
    # a purge makes the subject inactive: it is no longer found
    with store.transaction() as s:
        entry = s.get(WatchlistEntry, "notice:FRA:0")
        assert entry is not None
        entry.active, entry.names, entry.updated = False, [], t0 + timedelta(seconds=9)
    with store.read() as s:
        index.refresh(SqlWatchlist(s), now=utcnow())
    assert "notice:FRA:0" not in _found(index, "Karim Benali")
    assert index.rebuilds == 1
    # the same as a fresh build
    fresh = wl.WatchlistIndex()
    with store.read() as s:
        fresh.refresh(SqlWatchlist(s), now=utcnow())
    for name in ("Karim Benali", "Yusuf al-Harbi", "أبو بكر البغدادي", "Abu Bakr al-Baghdadi"):
        assert [(h.record_id, h.score) for h in index.search(name, limit=5)] == \
            [(h.record_id, h.score) for h in fresh.search(name, limit=5)]


def test_deleted_rows_are_replayed_and_bulk_statements_or_a_large_change_rebuild(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    t0 = utcnow()
    with store.transaction() as s:
        s.add(_entry("A", ["Karim Benali"], t0))
        s.add(_entry("B", ["Yusuf al-Harbi"], t0))
        s.add(_entry("E", ["Salahuddin Zawahiri"], t0))
    index = wl.WatchlistIndex()
    with store.read() as s:
        index.refresh(SqlWatchlist(s), now=utcnow())
    with store.transaction() as s:  # a row deleted through the session: replayed
        entry = s.get(WatchlistEntry, "E")
        assert entry is not None
        s.delete(entry)
    with store.read() as s:
        index.refresh(SqlWatchlist(s), now=utcnow())
    assert index.rebuilds == 1 and _found(index, "Salahuddin Zawahiri") == []
    with store.transaction() as s:  # a bulk statement: the sequence says reset
        s.execute(delete(WatchlistEntry).where(WatchlistEntry.id == "B"))
        s.add(_entry("C", ["Khalid Nasrallah"], t0 + timedelta(seconds=1)))
    with store.read() as s:
        index.refresh(SqlWatchlist(s), now=utcnow())
    assert index.rebuilds == 2 and _found(index, "Yusuf al-Harbi") == []
    monkeypatch.setattr(wl, "CHANGE_PAGE", 2)
    monkeypatch.setattr(wl, "CATCH_UP_LIMIT", 4)
    with store.transaction() as s:  # more changes than are worth catching up
        for i in range(5):
            s.add(_entry(f"N{i}", [f"Karim Benali {chr(0x62A + i)}"],
                         t0 + timedelta(seconds=2)))
    with store.read() as s:
        index.refresh(SqlWatchlist(s), now=utcnow())
    assert index.rebuilds == 3 and "C" in _found(index, "Khalid Nasrallah")


def test_changes_that_share_a_time_are_each_applied(store: Store) -> None:
    """A page's subjects are indexed with one time: each is applied once, and a second
    change to one of them at that same time (a newer version on the same page) too."""
    t0 = utcnow()
    with store.transaction() as s:
        s.add(_entry("A", ["Karim Benali"], t0))
    index = wl.WatchlistIndex()
    with store.read() as s:
        index.refresh(SqlWatchlist(s), now=utcnow())
    t1 = t0 + timedelta(seconds=1)
    for rid, name in (("B", "Yusuf al-Harbi"), ("C", "Khalid Nasrallah")):
        with store.transaction() as s:
            s.add(_entry(rid, [name], t1))
        with store.read() as s:
            index.refresh(SqlWatchlist(s), now=utcnow())
        assert _found(index, name)[:1] == [rid]
    with store.transaction() as s:  # B's newer version, same time
        entry = s.get(WatchlistEntry, "B")
        assert entry is not None
        entry.names = ["Abu Bakr al-Baghdadi"]
        s.add(_entry("D", ["Salahuddin Zawahiri"], t1))
    with store.read() as s:
        index.refresh(SqlWatchlist(s), now=utcnow())
    assert _found(index, "Abu Bakr al-Baghdadi")[:1] == ["B"]
    assert "B" not in _found(index, "Yusuf al-Harbi")
    assert _found(index, "Salahuddin Zawahiri")[:1] == ["D"]
    assert index.rebuilds == 1


def test_the_real_un_list_is_imported_and_indexed_whole(store: Store, shared_data: Path
                                                        ) -> None:
    """The whole UN list (2025-08-02) through the node's import and its screening index:
    every entry stored and indexed, no name left out, and the import says so."""
    with store.transaction() as s:
        counts = import_un_file(_work(s, utcnow()),
                                shared_data / "un-sc-consolidated-2025-08-02.xml",
                                actor="system")
    assert counts["total"] == counts["added"] == 879
    assert counts["names_not_indexed"] == counts["entries_without_readable_name"] == 0
    assert counts["report"]["unknown_nationalities"] == [
        {"reference": "QDi.290", "value": "former Soviet Union"}]  # kept as text
    index = wl.WatchlistIndex()
    with store.read() as s:
        index.refresh(SqlWatchlist(s), now=utcnow())
    assert index.skipped == [] and "QDi.396" in _found(index, "Амир Хазмат")


def test_the_heap_is_frozen_once_per_process_and_only_for_a_large_index(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first index of FREEZE_NAMES names or more built in a process moves the heap
    out of the cyclic collector's reach; a small one does not, nor does a second large
    one (what a freeze keeps is bounded by one moment's garbage)."""
    import gc

    from fts_share import heap

    monkeypatch.setattr(heap, "_settled", set())  # a process that has not settled yet
    t0 = utcnow()
    with store.transaction() as s:
        import_un_file(_work(s, t0), FIXTURE, actor="system")
    gc.unfreeze()
    try:
        with store.read() as s:
            small = wl.WatchlistIndex()
            small.refresh(SqlWatchlist(s), now=utcnow())
        assert small.rebuilds == 1 and gc.get_freeze_count() == 0
        monkeypatch.setattr(wl, "FREEZE_NAMES", 1)  # the excerpt stands for a large list
        with store.read() as s:
            large = wl.WatchlistIndex()
            large.refresh(SqlWatchlist(s), now=utcnow())
        frozen = gc.get_freeze_count()
        assert frozen > 0
        assert "QDi.299" in _found(large, "Abu Bakr al-Baghdadi")
        with store.read() as s:
            again = wl.WatchlistIndex()
            again.refresh(SqlWatchlist(s), now=utcnow())
        assert gc.get_freeze_count() <= frozen  # (frozen objects dropped since are freed)
    finally:
        gc.unfreeze()
