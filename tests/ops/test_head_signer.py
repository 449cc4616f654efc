"""Audit heads are signed by the poller-lock holder only (issue 14 §1): two processes'
worth of node (two ``Node.open`` of one home, each with its own poller loop and
advisory lease) on the real PostgreSQL server. The worker that appends never signs;
the holder signs the every-N heads at its next tick; when it stops, the other takes
the lease and signs from then on."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from fts_share.audit.log import record, tree_heads
from fts_share.clock import utcnow
from fts_share.config import load_config, write_config
from fts_share.services import running
from fts_share.services.node import Node
from fts_share.services.serving import BackgroundPoller
from fts_share.services.unit import reading, unit_of_work

EVERY = 5
ON_POSTGRESQL = pytest.mark.parametrize("backend", [pytest.param("postgresql",
                                                                 marks=pytest.mark.postgresql)])


class Worker:
    """One worker: its own node (store, keys) and poller loop; counts its signatures."""

    def __init__(self, home: Path) -> None:
        self.node = Node.open(home)
        self.signed = 0
        signer = self.node.signer

        def counting() -> Any:
            self.signed += 1
            return signer()

        self.node.signer = counting  # type: ignore[method-assign]
        self.loop: BackgroundPoller = running.background_poller(self.node, interval=0.5,
                                                                poll=False)

    def append(self, count: int) -> None:
        now = utcnow()
        with unit_of_work(self.node, now) as work:
            for _ in range(count):
                record(work.audit, now=now, actor="system", action="audit_verify")

    def head_sizes(self) -> list[int]:
        with reading(self.node, utcnow()) as work:
            return sorted(h.size for h in tree_heads(work.audit))

    def close(self) -> None:
        if self.loop.thread.ident is not None:
            self.loop.stop()
        else:
            self.loop.poller.close()
            self.loop.lease.release()
        self.node.close()


def until(what: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not what():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def workers(tmp_path: Path, store_url: str) -> Iterator[tuple[Worker, Worker]]:
    home = tmp_path / "fra"
    running.create_home(home, code="FRA", url="http://127.0.0.1:1", post_quantum=False,
                        database_url=store_url)
    config = load_config(home)
    write_config(replace(config, audit=replace(config.audit, head_every=EVERY,
                                               head_interval=0, head_tick=0.1)))
    a, b = Worker(home), Worker(home)
    yield a, b
    a.close()
    b.close()


@ON_POSTGRESQL
def test_only_the_lock_holder_signs_heads(workers: tuple[Worker, Worker]) -> None:
    a, b = workers
    a.loop.start()
    until(lambda: a.loop.leading)
    b.loop.start()
    time.sleep(0.3)
    assert not b.loop.leading
    start = len(b.head_sizes())
    b.append(EVERY * 2 + 1)  # the appending worker does not hold the lease
    assert len(b.head_sizes()) == start and b.signed == 0  # its appends signed nothing
    until(lambda: len(b.head_sizes()) >= start + 2)
    sizes = b.head_sizes()
    assert all(size % EVERY == 0 for size in sizes)
    assert (a.signed, b.signed) == (1, 0)  # one signing transaction, by the holder
    # The holder stops: the other worker takes the lease and signs the next heads.
    a.loop.stop()
    until(lambda: b.loop.leading)
    a.append(EVERY)
    until(lambda: len(a.head_sizes()) > len(sizes))
    assert b.signed == 1 and a.signed == 1
    assert max(a.head_sizes()) % EVERY == 0


def test_a_verify_between_the_append_and_the_tick_is_not_tampering(
        workers: tuple[Worker, Worker]) -> None:
    """No holder is running: the newest multiple has no head yet. A verification of
    moments later warns; one much later (the head should long be there) calls it
    deleted. Both stores."""
    from datetime import timedelta

    from fts_share.services import reviewing, witnessing

    a, _ = workers
    a.append(EVERY)
    witnessing.sign_scheduled_heads(a.node, utcnow())
    a.append(EVERY)  # size 2·EVERY, its head not signed yet
    report = reviewing.verify_node_log(a.node, utcnow())
    assert report.ok, report.problems
    assert any("not signed yet" in w for w in report.warnings)
    late = reviewing.verify_node_log(a.node, utcnow() + timedelta(hours=1))
    assert not late.ok and any("heads were deleted" in p for p in late.problems)
    witnessing.sign_scheduled_heads(a.node, utcnow())
    assert reviewing.verify_node_log(a.node, utcnow() + timedelta(hours=1)).ok
