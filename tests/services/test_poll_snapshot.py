"""``fts-share poll`` and the index snapshot: a poll maps the snapshot in the node's
home; once the changes it replayed over it pass ``snapshot_after``, the poll writes a
new one, so that the next poll maps what it received instead of replaying it again
(the serving loop does the same each round). On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from coalition import FIXTURES, Coalition, build, notice

from fts_share.clock import utcnow
from fts_share.screening.index import WatchlistIndex
from fts_share.screening.snapshots import SnapshotDir
from fts_share.services import index_snapshots, running
from fts_share.services.screening import SNAPSHOT_FOLDER, current_index, watchlist_index
from fts_share.services.unit import Work, unit_of_work
from fts_share.services.watchlist_import import import_un_file
from fts_share.storage.watchlist import SqlWatchlist

NAMES = ["Karim Benali", "Yusuf Haddad", "Omar Khalil"]


@pytest.fixture
def pair(tmp_path: Path, store_urls: Callable[[], str]) -> Iterator[Coalition]:
    c = build(tmp_path, store_urls, [("FRA", "member"), ("IRQ", "member")],
              post_quantum={"FRA": False, "IRQ": False})
    irq = c["IRQ"].node
    with irq.store.transaction() as s:
        import_un_file(Work(s, utcnow(), irq), FIXTURES / "un-excerpt.xml", actor="system")
    index_snapshots.write_snapshot(irq, utcnow())  # fts-share index snapshot
    for name in NAMES:
        status, out, _ = c["FRA"].api("POST", "/api/v1/notices", token="officer", body=notice(
            recipients=["IRQ"], names=[{"full": name, "kind": "primary"}]))
        assert status == 201, out
    yield c
    c.close()


def _snapshots(c: Coalition) -> SnapshotDir:
    return SnapshotDir(c["IRQ"].node.config.home / SNAPSHOT_FOLDER)


def test_a_poll_past_snapshot_after_writes_the_snapshot_the_next_one_maps(
        pair: Coalition) -> None:
    node, stamp = pair["IRQ"].node, _snapshots(pair).newest_sequence()
    watchlist_index(node).snapshot_after = 2  # (5,000 by default)
    rows = running.poll_once(node)
    assert [r["received"] for r in rows] == [len(NAMES)]
    newer = _snapshots(pair).newest_sequence()
    assert newer > stamp
    fresh = WatchlistIndex(snapshots=_snapshots(pair), config=node.match_config)
    with unit_of_work(node, utcnow()) as work:  # the next poll's process
        fresh.refresh(SqlWatchlist(work.session), now=work.now)
        polled = current_index(work)
    assert fresh.mapped_from == newer and fresh.replayed == 0 and fresh.rebuilds == 0
    for name in NAMES:  # what was received is in the snapshot, found as before
        assert [(h.record_id, h.score) for h in fresh.search(name, limit=3)] == \
            [(h.record_id, h.score) for h in polled.search(name, limit=3)]
        assert fresh.search(name, limit=1)[0].record_id.startswith("notice:FRA:")


def test_a_poll_under_snapshot_after_or_with_nothing_to_screen_writes_none(
        pair: Coalition) -> None:
    node, stamp = pair["IRQ"].node, _snapshots(pair).newest_sequence()
    rows = running.poll_once(node)  # three changes over the snapshot: not due
    assert [r["received"] for r in rows] == [len(NAMES)]
    assert _snapshots(pair).newest_sequence() == stamp
    assert watchlist_index(node).mapped_from == stamp
    again = running.poll_once(node)  # nothing new
    assert [r["received"] for r in again] == [0]
    assert _snapshots(pair).newest_sequence() == stamp
