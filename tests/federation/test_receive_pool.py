"""Receiving with the envelopes of a page verified and decrypted in worker processes
(:mod:`fts_share.services.receive_pool`): every refusal reads as it does in-process,
nothing is half-stored, and the worker processes end with the poller.

The fault scenarios of ``test_faults.py`` and ``test_ingest_pages.py`` are run again
here with every page, however small, opened by a pool of two workers; their
assertions (which envelopes are refused, with which kind and reason, what is stored
and audited) are the same as in-process."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
from collections.abc import Iterator
from typing import Any

import pytest
import test_faults as faults
import test_ingest_pages as pages
from coalition import Coalition
from helpers import events, notice_ids, publish, received_seqs, report_of

from fts_share.clock import utcnow
from fts_share.errors import ConfigError
from fts_share.federation.envelopes import Receiver, Rejected
from fts_share.federation.opening import open_items
from fts_share.federation.poller import fetch_page
from fts_share.services import polling, receive_pool
from fts_share.services.arrival import arrival_screening
from fts_share.services.polling import Poller
from fts_share.services.receive_pool import ReceivePool


class _Pools:
    """Every receiving pool made while a test runs."""

    def __init__(self) -> None:
        self.made: list[ReceivePool] = []

    @property
    def pooled_pages(self) -> int:
        return sum(p.pooled_pages for p in self.made)


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Pools]:
    """Pollers open every page (one envelope or more) in two worker processes."""
    made = _Pools()

    class Recorded(ReceivePool):
        def __init__(self, *, workers: int | None = None, threads: int | None = None,
                     min_items: int | None = None) -> None:
            super().__init__(workers=2, threads=threads, min_items=1)
            made.made.append(self)

    monkeypatch.setattr(polling, "ReceivePool", Recorded)
    yield made
    assert all(not p.running for p in made.made)  # every pool was closed
    assert multiprocessing.active_children() == []  # and its processes ended


def test_tampered_envelopes_are_refused_alike_in_workers(coalition: Coalition,
                                                          pools: _Pools) -> None:
    faults.test_bad_envelopes_in_a_signed_page_are_refused_and_skipped(coalition)
    assert pools.pooled_pages >= 1


def test_other_recipients_and_non_members_are_refused_alike_in_workers(
        coalition: Coalition, pools: _Pools) -> None:
    faults.test_envelopes_from_non_members_or_for_others_are_refused(coalition)
    assert pools.pooled_pages >= 1


def test_revoked_keys_are_refused_alike_in_workers(coalition: Coalition,
                                                   pools: _Pools) -> None:
    faults.test_envelopes_under_a_revoked_key_are_refused(coalition)
    assert pools.pooled_pages >= 1


def test_replays_and_forks_are_refused_alike_in_workers(coalition: Coalition,
                                                        pools: _Pools) -> None:
    faults.test_fork_is_detected_and_recorded(coalition)
    assert pools.pooled_pages >= 1


def test_bad_content_and_corrections_are_stored_alike_in_workers(coalition: Coalition,
                                                                 pools: _Pools) -> None:
    pages.test_a_page_is_stored_alike_with_and_without_screening(coalition)
    assert pools.pooled_pages >= 2


def test_a_page_opened_in_workers_equals_one_opened_in_process(coalition: Coalition,
                                                               pools: _Pools) -> None:
    """The same headers, contents, subjects and refusals, in page order."""
    fra, irq = coalition["FRA"], coalition["IRQ"]
    [publish(fra, ["IRQ"]) for _ in range(5)]
    faults._rewrite_outbox(fra, 2, lambda env: env.update(signature=faults.flip(
        env["signature"])))
    node = irq.node
    poller = Poller(node)
    try:
        member = node.roster.member("FRA", now=utcnow())
        page = fetch_page(poller.client, member, roster=node.roster, me=node.code, cursor=0,
                          limit=100, tree_size=None, now=utcnow())
        me = Receiver(code=node.code, keys=node.encryption)
        kwargs: dict[str, Any] = {"roster": node.roster, "origin": "FRA", "me": me,
                                  "now": utcnow()}
        here = open_items(page.items, **kwargs)
        there = poller.receive_pool.open_page(page.items, **kwargs)
        assert poller.receive_pool.pooled_pages == 1
    finally:
        poller.close()

    def plain(o: Any) -> Any:
        why = [(r.reason, r.kind) if r else None for r in (o.error, o.invalid, o.unread)]
        body = (o.opened.payload, o.opened.signed, o.opened.signature, o.opened.statement) \
            if o.opened else None
        return (o.header, body, o.read, why)

    assert [plain(o) for o in there] == [plain(o) for o in here]
    assert [o.error is not None for o in here] == [False, True, False, False, False]
    assert here[1].error is not None and "signature" in here[1].error.reason


def test_workers_end_with_the_poller_and_a_dead_worker_changes_nothing(
        coalition: Coalition, pools: _Pools) -> None:
    fra, irq = coalition["FRA"], coalition["IRQ"]
    first = publish(fra, ["IRQ"])
    poller = Poller(irq.node, on_page=arrival_screening(irq.node))
    try:
        member = irq.node.roster.member("FRA", now=utcnow())
        assert poller.poll_peer(member, force=True).result.received == 1
        pool = poller.receive_pool
        assert pool.running and pool.pooled_pages == 1
        workers = list(multiprocessing.active_children())
        assert workers
        for proc in workers:  # the pool's processes die (killed, out of memory...)
            assert proc.pid is not None
            os.kill(proc.pid, signal.SIGKILL)
            proc.join(10)
        second = publish(fra, ["IRQ"])
        report = poller.poll_peer(member, force=True)
        assert report.ok, report.error
        assert report.result.received == 1  # opened in-process instead
        assert not pool.running and pool.pooled_pages == 1
        third = publish(fra, ["IRQ"])
        assert poller.poll_peer(member, force=True).result.received == 1
        assert pool.running and pool.pooled_pages == 2  # a new pool for the next page
    finally:
        poller.close()
    assert not poller.receive_pool.running and multiprocessing.active_children() == []
    assert sorted(notice_ids(irq, "FRA")) == sorted([first, second, third])
    assert received_seqs(irq, "FRA") == [1, 2, 3] and events(irq, "FRA", "rejected") == []
    assert report_of(irq.poll(), "FRA").result.received == 0


def test_a_refusal_made_in_a_worker_keeps_its_kind() -> None:
    back = pickle.loads(pickle.dumps(Rejected("fork: sequence 2 seen", "fork")))
    assert (type(back), back.reason, back.kind, str(back)) == (
        Rejected, "fork: sequence 2 seen", "fork", "fork: sequence 2 seen")


def test_small_pages_zero_workers_and_the_default_stay_in_process() -> None:
    assert ReceivePool(workers=0).workers == 0
    assert ReceivePool().min_items == receive_pool.MIN_ITEMS
    # unset: no worker processes (the keys stay in the polling process)
    assert ReceivePool().workers == 0
    with pytest.raises(ConfigError, match="receive_workers"):
        ReceivePool(workers=-1)


_ORPHAN_SCRIPT = """
import sys, time
from fts_share.crypto.keys import KeyKind, generate
from fts_share.federation.envelopes import Receiver
from fts_share.services.receive_pool import ReceivePool
if __name__ == "__main__":
    key = generate(KeyKind.X25519)
    executor = ReceivePool(workers=2, min_items=1)._start(Receiver("AAA", {key.kid: key}))
    [f.result() for f in [executor.submit(time.sleep, 0.2) for _ in range(4)]]
    print(" ".join(str(p.pid) for p in executor._processes.values()), flush=True)
    time.sleep(300)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_workers_end_when_the_polling_process_is_killed(tmp_path: Any) -> None:
    """A killed poller cannot close its pool: its workers notice and end (no orphans
    holding the decryption keys)."""
    import subprocess
    import sys
    import time

    script = tmp_path / "poller.py"
    script.write_text(_ORPHAN_SCRIPT)
    with subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}) as proc:
        assert proc.stdout is not None
        workers = [int(p) for p in proc.stdout.readline().split()]
        assert len(workers) == 2 and all(_alive(w) for w in workers)
        proc.kill()
    waited = 0.0
    while any(_alive(w) for w in workers) and waited < 60:
        time.sleep(0.2)
        waited += 0.2
    left = [w for w in workers if _alive(w)]
    for w in left:  # do not leave them behind even when the test fails
        os.kill(w, signal.SIGKILL)
    assert left == []
