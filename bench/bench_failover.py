"""Fail-over of the poller: seconds from ``kill -9`` of the process that polls to the
next successful poll by another worker.

    python3 bench/bench_failover.py [--kills 5] [--interval 1.0] [--workers 2]

A throwaway PostgreSQL server (``tests/pg_server.py``); FRA on it, served by
``python -m fts_share serve HOME --workers N`` (gunicorn) with ``--interval`` as its
poll interval; its partner IRQ on SQLite, served in this process (waitress). Each
round: find the worker holding the poller's advisory lock (``pg_stat_activity``
names it), kill it with SIGKILL, then read FRA's store every 20 ms until the row of
partner IRQ shows a successful poll after the kill. Reported: the seconds to the lock
being held by another process and to that next successful poll, per kill, with
median and max, and which process took the lock (a ``survivor``, or the worker the
arbiter ``restarted`` in place of the killed one, whose poller loop tries the lock as
soon as it starts). The next round waits for the restarted worker.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import pg_server
from coalition import build, sqlite_databases
from sqlalchemy import create_engine, text

from fts_share.clock import utcnow
from fts_share.config import load_config, write_config
from fts_share.storage import Store

HOLDER = re.compile(r"pid=(\d+)")


def _holders(admin: Any) -> list[int]:
    with admin.connect() as conn:
        names = conn.scalars(text(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a "
            "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
            "AND a.datname = current_database()")).all()
    return [int(m.group(1)) for n in names if (m := HOLDER.search(n or ""))]


def _last_success(admin: Any) -> datetime | None:
    with admin.connect() as conn:
        value = conn.scalar(text("SELECT last_success FROM peers WHERE code = 'IRQ'"))
    return value if isinstance(value, datetime) else None


def _children(pid: int) -> set[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(p) for p in path.read_text().split()} if path.exists() else set()


def _wait(check: Any, what: str, deadline: float = 60.0) -> Any:
    end = time.monotonic() + deadline
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > end:
            raise SystemExit(f"gave up waiting for {what}")
        time.sleep(0.02)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=2) as resp:
            return int(resp.status) == 200
    except OSError:
        return False


def run(kills: int, interval: float, workers: int) -> dict[str, Any]:
    """Run the measurement; the figures as a dict."""
    server = pg_server.start()
    tmp = Path(tempfile.mkdtemp(prefix="fts-failover-"))
    admin_pg = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
    with admin_pg.connect() as conn:
        conn.execute(text("CREATE DATABASE fra"))
    admin_pg.dispose()
    Store(server.url("fra")).create_schema()
    urls = iter([server.url("fra"), *(sqlite_databases(tmp)() for _ in range(1))])
    c = build(tmp, lambda: next(urls), [("FRA", "member"), ("IRQ", "member")], start=False)
    fra, irq = c["FRA"], c["IRQ"]
    irq.start()
    port = int(fra.url.rsplit(":", 1)[1])
    fra.stop()  # frees the port reserved for FRA; the workers bind it
    fra.node.close()
    config = load_config(fra.home)
    write_config(replace(config, federation=replace(config.federation,
                                                    poll_interval=interval)))
    admin = create_engine(server.url("fra"), isolation_level="AUTOCOMMIT")
    log = (tmp / "serve.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "fts_share", "serve", str(fra.home),
                             "--port", str(port), "--workers", str(workers)],
                            stdout=log, stderr=subprocess.STDOUT)
    lock_s: list[float] = []
    poll_s: list[float] = []
    takers: list[str] = []
    try:
        _wait(lambda: _healthy(fra.url), "FRA to serve")
        _wait(lambda: _last_success(admin), "a first successful poll")
        for _ in range(kills):
            _wait(lambda: len(_children(proc.pid)) == workers and len(_holders(admin)) == 1,
                  "every worker up and one holding the lock")
            killed = _holders(admin)[0]
            survivors = _children(proc.pid) - {killed}
            killed_at = utcnow()
            os.kill(killed, signal.SIGKILL)
            started = time.monotonic()
            taker = _wait(lambda k=killed: (h := _holders(admin)) and h[0] != k and h[0],
                          "another holder")
            lock_s.append(time.monotonic() - started)
            takers.append("survivor" if taker in survivors else "restarted")
            _wait(lambda at=killed_at: (t := _last_success(admin)) is not None and t > at,
                  "a successful poll after the kill")
            poll_s.append(time.monotonic() - started)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
        admin.dispose()
        c.close()
        server.stop()
    return {"kills": kills, "interval": interval, "workers": workers,
            "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                        "load": os.getloadavg()},
            "lock_taken_s": [round(x, 3) for x in lock_s],
            "taken_by": takers,
            "next_poll_s": [round(x, 3) for x in poll_s],
            "lock_median_s": round(statistics.median(lock_s), 3),
            "lock_max_s": round(max(lock_s), 3),
            "poll_median_s": round(statistics.median(poll_s), 3),
            "poll_max_s": round(max(poll_s), 3)}


def main() -> None:
    """Parse the arguments, measure, print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print(json.dumps(run(args.kills, args.interval, args.workers), indent=2))


if __name__ == "__main__":
    main()
