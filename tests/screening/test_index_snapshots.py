"""Worker processes start from the mapped index snapshot in the node's home: they map
it, replay the changes after its stamp and find what was received since; a newer
snapshot is picked up at the next refresh; a corrupt one is refused (logged) and the
index is built from the store. On SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest

from fts_share.clock import utcnow
from fts_share.screening import index as wl
from fts_share.screening.snapshots import SnapshotDir
from fts_share.services.unit import Work
from fts_share.services.watchlist_import import import_un_file
from fts_share.storage import Store
from fts_share.storage.models import WatchlistEntry
from fts_share.storage.watchlist import SqlWatchlist

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "un-excerpt.xml"


def _entry(rid: str, names: list[str], when) -> WatchlistEntry:  # type: ignore[no-untyped-def]
    return WatchlistEntry(id=rid, source="notice", kind="individual", names=names, dobs=[],
                          nationalities=[], documents=[], measures=[], data={},
                          active=True, updated=when)


def _refresh(index: wl.WatchlistIndex, store: Store) -> None:
    with store.read() as s:
        index.refresh(SqlWatchlist(s), now=utcnow())


def _found(index: wl.WatchlistIndex, name: str) -> list[str]:
    return [h.record_id for h in index.search(name, limit=5)]


def _imported(store: Store) -> None:
    with store.transaction() as s:
        import_un_file(Work(session=s, now=utcnow(), node=None),  # type: ignore[arg-type]
                       FIXTURE, actor="system")


def test_a_worker_starts_from_the_snapshot_and_finds_what_came_after(
        store: Store, tmp_path: Path) -> None:
    _imported(store)
    snapshots = SnapshotDir(tmp_path / "index")
    first = wl.WatchlistIndex(snapshots=snapshots)
    _refresh(first, store)  # no snapshot yet: built from the store, then written
    assert first.rebuilds == 1 and first.mapped_from is None
    stamp = snapshots.newest_sequence()
    assert stamp > 0
    t0 = utcnow()
    with store.transaction() as s:  # a notice received after the snapshot
        s.add(_entry("notice:FRA:1", ["Karim Benali"], t0 + timedelta(seconds=1)))
    second = wl.WatchlistIndex(snapshots=snapshots, snapshot_after=0)
    _refresh(second, store)
    assert second.rebuilds == 0 and second.mapped_from == stamp
    assert _found(second, "Karim Benali")[:1] == ["notice:FRA:1"]
    assert "QDi.299" in _found(second, "Abu Bakr al-Baghdadi")
    for name in ("Abu Bakr al-Baghdadi", "أبو بكر البغدادي", "Seif al Adel"):
        assert [(h.record_id, h.score) for h in second.search(name, limit=5)] == \
            [(h.record_id, h.score) for h in first.search(name, limit=5)]
    assert second.snapshot_due and not first.snapshot_due
    with store.read() as s:  # the poller-lock holder writes the next one
        newer = second.write_snapshot(SqlWatchlist(s), now=utcnow())
    assert newer > stamp and snapshots.newest_sequence() == newer
    _refresh(first, store)  # picked up at the next refresh
    assert first.mapped_from == newer and first.rebuilds == 1
    assert _found(first, "Karim Benali")[:1] == ["notice:FRA:1"]
    with store.transaction() as s:  # delisted after the snapshot: masked
        entry = s.get(WatchlistEntry, "notice:FRA:1")
        assert entry is not None
        entry.active, entry.updated = False, t0 + timedelta(seconds=5)
    _refresh(first, store)
    assert "notice:FRA:1" not in _found(first, "Karim Benali")


def test_a_corrupt_snapshot_is_refused_and_the_index_built_from_the_store(
        store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    _imported(store)
    folder = tmp_path / "index"
    folder.mkdir()
    bad = folder / "index-000000999999.snap"
    bad.write_bytes(b"FTS-MAPPED-INDEX" + b"\xff" * 64)
    index = wl.WatchlistIndex(snapshots=SnapshotDir(folder))
    with caplog.at_level(logging.WARNING, logger="fts_share.screening.snapshots"):
        _refresh(index, store)
    assert any("refused" in r.getMessage() for r in caplog.records)
    assert index.rebuilds == 1 and index.mapped_from is None
    assert "QDi.299" in _found(index, "Abu Bakr al-Baghdadi")
    assert not bad.exists()
    good = sorted(folder.glob("index-*.snap"))
    assert len(good) == 1  # the build was written as a valid snapshot
    raw = good[0].read_bytes()
    good[0].write_bytes(raw[:len(raw) // 3])  # truncated
    again = wl.WatchlistIndex(snapshots=SnapshotDir(folder))
    _refresh(again, store)
    assert again.rebuilds == 1 and again.mapped_from is None
    assert "QDi.299" in _found(again, "Abu Bakr al-Baghdadi")


def test_two_node_opens_on_one_home_share_the_snapshot(store_url: str, tmp_path: Path
                                                       ) -> None:
    from click.testing import CliRunner

    from fts_share.cli import cli
    from fts_share.services.node import Node, init_home
    from fts_share.services.screening import current_index
    from fts_share.services.unit import unit_of_work

    home = tmp_path / "node"
    init_home(home, code="FRA", url="http://127.0.0.1:9", database_url=store_url,
              post_quantum=False)
    first = Node.open(home)
    try:
        with unit_of_work(first, utcnow()) as work:
            import_un_file(work, FIXTURE, actor="system")
    finally:
        first.close()
    res = CliRunner().invoke(cli, ["index", "snapshot", str(home)])
    assert res.exit_code == 0, res.output
    stamp = SnapshotDir(home / "index").newest_sequence()
    assert f"change {stamp}" in res.output
    second = Node.open(home)  # another worker, started after a notice came in
    try:
        with unit_of_work(second, utcnow()) as work:
            work.session.add(_entry("notice:FRA:7", ["Karim Benali"], work.now))
        with unit_of_work(second, utcnow()) as work:
            index = current_index(work)
            assert index.mapped_from == stamp and index.rebuilds == 0
            assert _found(index, "Karim Benali")[:1] == ["notice:FRA:7"]
            assert "QDi.299" in _found(index, "Abu Bakr al-Baghdadi")
    finally:
        second.close()
