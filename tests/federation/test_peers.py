"""Partners that are down, slow or answer garbage, and a poller killed mid-page: the
other partners are served, failures are recorded with back-off, and once the fault is
gone everything arrives exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from coalition import Coalition, Member, free_port
from helpers import (
    Proxy,
    count,
    events,
    holdings,
    notice_ids,
    peer,
    publish,
    received_seqs,
    report_of,
    route_through,
)
from sqlalchemy.exc import OperationalError

from fts_share.services import polling as poller_module
from fts_share.storage.models import FederationEvent

REPO = Path(__file__).resolve().parents[2]


def _setup(coalition: Coalition) -> tuple[Member, Member, Member, list[str], str]:
    fra, irq, mli = coalition["FRA"], coalition["IRQ"], coalition["MLI"]
    ids = [publish(fra, ["IRQ"]) for _ in range(3)]
    mine = publish(mli, ["IRQ"])
    return fra, irq, mli, ids, mine


def _failed_and_others_served(irq: Member, reports: list[Any], mine: str,
                              failures: int = 1) -> None:
    r = report_of(reports, "FRA")
    assert not r.ok and r.error
    assert report_of(reports, "MLI").ok
    assert notice_ids(irq, "MLI") == [mine]
    assert received_seqs(irq, "FRA") == []
    state = peer(irq, "FRA")
    assert state is not None and state.failures == failures and state.cursor == 0
    assert state.next_attempt is not None and state.last_error
    assert len(events(irq, "FRA", "poll_failed")) == failures


def _all_once(irq: Member, ids: list[str]) -> None:
    r = report_of(irq.poll(), "FRA")
    assert r.ok, r.error
    assert received_seqs(irq, "FRA") == list(range(1, len(ids) + 1))
    assert sorted(notice_ids(irq, "FRA")) == sorted(ids)
    assert report_of(irq.poll(), "FRA").result.received == 0
    assert len(notice_ids(irq, "FRA")) == len(ids)
    state = peer(irq, "FRA")
    assert state is not None and state.failures == 0 and state.cursor == len(ids)


def test_partner_down_then_back(coalition: Coalition) -> None:
    fra, irq, _mli, ids, mine = _setup(coalition)
    route_through(coalition, "FRA", f"http://127.0.0.1:{free_port()}")  # nobody listens
    _failed_and_others_served(irq, irq.poll(), mine)
    assert "refused" in (peer(irq, "FRA").last_error or "")  # type: ignore[union-attr]
    # Back-off: without force, the failed partner is skipped until its next attempt.
    from fts_share.services.polling import Poller

    reports = Poller(irq.node).poll_all()
    assert report_of(reports, "FRA").skipped and not report_of(reports, "MLI").skipped
    route_through(coalition, "FRA", fra.url)  # back
    _all_once(irq, ids)


def test_slow_partner_does_not_hold_up_the_others(coalition: Coalition) -> None:
    fra, irq, _mli, ids, mine = _setup(coalition)
    # The deadline leaves the healthy partner (MLI) room on a loaded CI machine; the
    # slow one would answer only long after it.
    proxy = Proxy(fra.url, delay=30.0).start()
    try:
        route_through(coalition, "FRA", proxy.url)
        irq.node.config.federation.request_timeout = 5.0
        started = time.monotonic()
        reports = irq.poll()
        # The poll gave up on the slow partner well before it would have answered.
        assert time.monotonic() - started < proxy.delay
        _failed_and_others_served(irq, reports, mine)
        assert "timed out" in (report_of(reports, "FRA").error or "")
        proxy.delay = 0.0
        _all_once(irq, ids)
    finally:
        proxy.stop()


GARBAGE = {
    "not HTTP": b"this is not HTTP at all\r\n\r\n",
    "HTTP cut short": (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                       b"Content-Length: 1000\r\n\r\n{\"index\": "),
    "not JSON": (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 9\r\nConnection: close\r\n\r\n<html>oops"[:-1]),
    "JSON, not a page": (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 2\r\nConnection: close\r\n\r\n[]"),
    "server error": (b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n"
                     b"Connection: close\r\n\r\n"),
}


def test_partner_answering_garbage_does_not_hold_up_the_others(coalition: Coalition) -> None:
    fra, irq, _mli, ids, mine = _setup(coalition)
    proxy = Proxy(fra.url).start()
    try:
        route_through(coalition, "FRA", proxy.url)
        for i, (name, raw) in enumerate(GARBAGE.items(), start=1):
            proxy.raw = raw
            reports = irq.poll()
            assert not report_of(reports, "FRA").ok, name
            _failed_and_others_served(irq, reports, mine, failures=i)
        proxy.raw = None
        _all_once(irq, ids)
    finally:
        proxy.stop()


def test_commit_failure_after_ingestion_stores_nothing(coalition: Coalition,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The transaction of a page fails after all the ingestion work, before commit."""
    _fra, irq, _mli, ids, mine = _setup(coalition)
    real = poller_module.ingest_page

    def ingest_then_fail(work: Any, **kwargs: Any) -> Any:
        result = real(work, **kwargs)
        work.session.flush()
        if kwargs["page"].origin == "FRA":
            raise OperationalError("COMMIT", {}, Exception("disk I/O error"))
        return result

    monkeypatch.setattr(poller_module, "ingest_page", ingest_then_fail)
    before = holdings(irq)
    reports = irq.poll()
    assert not report_of(reports, "FRA").ok
    assert notice_ids(irq, "MLI") == [mine]
    assert received_seqs(irq, "FRA") == [] and notice_ids(irq, "FRA") == []
    assert holdings(irq)["received"] == before["received"] + 1
    state = peer(irq, "FRA")
    assert state is not None and state.cursor == 0 and state.failures == 1
    monkeypatch.setattr(poller_module, "ingest_page", real)
    _all_once(irq, ids)


HOOK = textwrap.dedent("""
    import os, runpy, sys, time
    from pathlib import Path
    from fts_share.services import polling as poller

    real, calls = poller.ingest_page, []

    def ingest_and_hang(work, **kwargs):
        result = real(work, **kwargs)
        work.session.flush()
        calls.append(kwargs["page"].origin)
        if calls.count("FRA") == 2 and calls[-1] == "FRA":  # the second page: ingested, not committed
            Path(os.environ["FTS_TEST_MARKER"]).write_text("inside")
            time.sleep(600)
        return result

    poller.ingest_page = ingest_and_hang
    sys.argv = ["fts-share", "poll", sys.argv[1]]
    runpy.run_module("fts_share", run_name="__main__")
""")


def test_poller_killed_between_fetch_and_commit(coalition: Coalition, tmp_path: Path) -> None:
    """A real ``python -m fts_share poll`` is SIGKILLed while it holds an ingested,
    uncommitted page; the next poll delivers everything exactly once."""
    fra, irq = coalition["FRA"], coalition["IRQ"]
    ids = [publish(fra, ["IRQ"]) for _ in range(5)]
    config = irq.home / "config.toml"
    text = config.read_text()
    assert "page_limit = 100" in text
    config.write_text(text.replace("page_limit = 100", "page_limit = 2"))
    marker = tmp_path / "marker"
    env = {**os.environ, "FTS_TEST_MARKER": str(marker),
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    child = subprocess.Popen([sys.executable, "-c", HOOK, str(irq.home)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the child never reached the second page"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for stream in (child.stdout, child.stderr):
            if stream:
                stream.close()
    assert child.returncode == -signal.SIGKILL
    # The first page was committed, the second was lost with the process.
    assert received_seqs(irq, "FRA") == [1, 2]
    state = peer(irq, "FRA")
    assert state is not None and state.cursor == 2
    irq.node.config.federation.page_limit = 2
    _all_once(irq, ids)
    assert count(irq, FederationEvent) == 0
