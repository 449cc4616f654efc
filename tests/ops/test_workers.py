"""``fts-share serve HOME --workers N``, tried from outside: real gunicorn worker
processes over the real PostgreSQL server the tests start. What one process writes to
the watchlist, and a notice the polling worker receives from a partner, are found by
screening queries answered by any worker; exactly one
worker holds the poller's advisory lock, and when its process is killed (-9) another
takes it within two poll intervals; a SQLite node refuses more than one worker."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from coalition import build, free_port, notice, sqlite_databases
from sqlalchemy import create_engine, text

from fts_share.clock import utcnow
from fts_share.config import load_config, write_config
from fts_share.services import accounts, running
from fts_share.services.unit import unit_of_work
from fts_share.storage.models import WatchlistEntry

ON_POSTGRESQL = pytest.mark.parametrize("backend", [pytest.param("postgresql",
                                                                 marks=pytest.mark.postgresql)])

POLL_INTERVAL = 1.5
SCREEN = {"purpose": "investigation", "legal_basis": ["UNSCR-2178"]}
HOLDER = re.compile(r"pid=(\d+)")


def _home(tmp_path: Path, url: str) -> tuple[Path, str]:
    """A node home on ``url`` with a short poll interval, and an officer token."""
    home = tmp_path / "fra"
    running.create_home(home, code="FRA", url="http://127.0.0.1:1", post_quantum=False,
                        database_url=url)
    config = load_config(home)
    write_config(replace(config, federation=replace(config.federation,
                                                    poll_interval=POLL_INTERVAL)))
    node = running.open_node(home)
    try:
        with unit_of_work(node, utcnow()) as work:
            officer = accounts.create_user(work, name="officer", role="officer")
            token = accounts.issue_token(work, officer)
    finally:
        node.close()
    return home, token


@contextmanager
def serving(home: Path, *, workers: int, port: int | None = None, poll: bool = True
            ) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``python -m fts_share serve HOME --workers N`` on ``port`` (default: a free
    one; with ``poll=False``, ``--no-poll``), once /healthz answers."""
    port = port or free_port()
    log = (home / "serve.log").open("wb")  # the workers' log, to read when a test fails
    proc = subprocess.Popen([sys.executable, "-m", "fts_share", "serve", str(home),
                             "--port", str(port), "--workers", str(workers),
                             *([] if poll else ["--no-poll"])],
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while _get(base + "/healthz") != 200:
            assert proc.poll() is None, "serve exited"
            assert time.monotonic() < deadline, "/healthz never answered"
            time.sleep(0.2)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def _screen(base: str, token: str, name: str) -> tuple[int, Any]:
    req = urllib.request.Request(base + "/api/v1/screen", method="POST",
                                 data=json.dumps({**SCREEN, "name": name}).encode(),
                                 headers={"Content-Type": "application/json",
                                          "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return int(resp.status), json.loads(resp.read())


def _references(answer: Any) -> list[str]:
    return [h["reference"] for h in answer.get("hits", [])]


def _children(pid: int) -> set[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(p) for p in path.read_text().split()} if path.exists() else set()


def _lock_holders(admin: Any) -> list[int]:
    """The process ids (from the lock connection's application_name) holding the
    poller's advisory lock."""
    with admin.connect() as conn:
        names = conn.scalars(text(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a "
            "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
            "AND a.datname = current_database()")).all()
    return [int(m.group(1)) for n in names if (m := HOLDER.search(n or ""))]


@ON_POSTGRESQL
def test_a_watchlist_change_is_found_through_every_worker(tmp_path: Path,
                                                          store_url: str) -> None:
    home, token = _home(tmp_path, store_url)
    with serving(home, workers=2) as (base, _proc):
        assert _get(base + "/healthz") == 200
        for _ in range(6):  # both workers build their index before the change
            status, answer = _screen(base, token, "Karim Benali")
            assert status == 200 and not answer["hit"]
        node = running.open_node(home)  # another process writes through the store
        try:
            with node.store.transaction() as s:
                s.add(WatchlistEntry(id="notice:IRQ:n1", source="notice", kind="individual",
                                     names=["Karim Benali"], dobs=[], nationalities=[],
                                     documents=[], measures=[], data={}, active=True,
                                     updated=utcnow()))
        finally:
            node.close()
        deadline = time.monotonic() + 15
        while "notice:IRQ:n1" not in _references(_screen(base, token, "Karim Benali")[1]):
            assert time.monotonic() < deadline, "the new entry was never found"
            time.sleep(0.2)
        # from now on every answer, whichever worker gives it, finds the entry
        for _ in range(8):
            assert "notice:IRQ:n1" in _references(_screen(base, token, "Karim Benali")[1])


@ON_POSTGRESQL
def test_a_notice_received_by_the_polling_worker_is_found_by_any_worker(
        tmp_path: Path, store_url: str) -> None:
    """IRQ (SQLite, in this process) publishes a notice to FRA (PostgreSQL, two
    workers); whichever worker polls receives it, and the subject it indexes is found
    by every screening FRA answers from then on."""
    urls = iter([store_url, sqlite_databases(tmp_path)()])
    c = build(tmp_path, lambda: next(urls), [("FRA", "member"), ("IRQ", "member")],
              start=False)
    fra, irq = c["FRA"], c["IRQ"]
    try:
        irq.start()
        config = load_config(fra.home)
        write_config(replace(config, federation=replace(config.federation,
                                                        poll_interval=POLL_INTERVAL)))
        fra.stop()  # its reserved port is for the workers
        with serving(fra.home, workers=2, port=int(fra.url.rsplit(":", 1)[1])) as (base, _p):
            token = fra.tokens["officer"]
            for _ in range(6):  # both workers build their index first
                assert not _screen(base, token, "Karim Benali")[1]["hit"]
            status, body, _ = irq.api("POST", "/api/v1/notices", token="officer",
                                      body=notice(recipients=["FRA"]))
            assert status == 201
            wanted = f"notice:IRQ:{body['id']}"
            deadline = time.monotonic() + 20
            while wanted not in _references(_screen(base, token, "Karim Benali")[1]):
                assert time.monotonic() < deadline, "the received notice was never found"
                time.sleep(0.2)
            for _ in range(8):
                assert wanted in _references(_screen(base, token, "Karim Benali")[1])
    finally:
        c.close()


@ON_POSTGRESQL
def test_one_worker_polls_and_another_takes_over_when_it_is_killed(
        tmp_path: Path, store_url: str) -> None:
    home, _token = _home(tmp_path, store_url)
    admin = create_engine(store_url, isolation_level="AUTOCOMMIT")
    try:
        with serving(home, workers=2) as (_base, proc):
            deadline = time.monotonic() + 30
            while not (len(_children(proc.pid)) == 2 and len(_lock_holders(admin)) == 1):
                assert time.monotonic() < deadline, "no worker took the poller's lock"
                time.sleep(0.1)
            time.sleep(2 * POLL_INTERVAL)  # both workers have tried the lock by now
            holders, workers = _lock_holders(admin), _children(proc.pid)
            assert len(holders) == 1 and holders[0] in workers
            killed = holders[0]
            os.kill(killed, signal.SIGKILL)
            started = time.monotonic()
            while True:
                holders = _lock_holders(admin)
                assert len(holders) <= 1
                if holders and holders[0] != killed:
                    break
                assert time.monotonic() - started < 2 * POLL_INTERVAL, \
                    "no other worker took the poller's lock within two poll intervals"
                time.sleep(0.05)
            assert holders[0] in _children(proc.pid)
    finally:
        admin.dispose()


def test_sqlite_refuses_more_than_one_worker(tmp_path: Path) -> None:
    home = tmp_path / "fra"
    running.create_home(home, code="FRA", url="http://127.0.0.1:1", post_quantum=False)
    done = subprocess.run([sys.executable, "-m", "fts_share", "serve", str(home), "--port",
                           str(free_port()), "--workers", "2"],
                          check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "SQLite is the single-process embedded default" in done.stderr
    assert "PostgreSQL" in done.stderr
