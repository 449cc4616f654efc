"""The job queue (issue 13, item 4): how long a queued job waits for a worker, and how
fast a batch screening runs as a job, on PostgreSQL (procrastinate, a separate
``fts-share jobs worker`` process) and on SQLite (a thread of the process).

    python3 bench/bench_jobs.py [--pickups 20] [--rows 10000]

A throwaway PostgreSQL server (``tests/pg_server.py``). For each store, a node home
with the UN excerpt as watchlist and an officer. Reported:

- pick-up: seconds from the commit that queues a one-row batch to its last chunk's
  commit, read from the job's row (``finished - created``), ``--pickups`` times with
  a worker already waiting (it is woken by LISTEN/NOTIFY), median and max;
- a ``--rows`` batch as one job: seconds from queueing to done and rows per second.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import pg_server

from fts_share.clock import utcnow
from fts_share.services import accounts, batchjobs, jobqueue, running
from fts_share.services.node import Node
from fts_share.services.unit import unit_of_work
from fts_share.services.watchlist_import import import_un_file

UN_FILE = ROOT / "fixtures" / "un-excerpt.xml"
NAMES = ["SADDAM HUSSEIN AL-TIKRITI", "Jean Dupont", "ERIC BADEGE", "Maria Lopez"]


def _home(base: Path, url: str | None) -> tuple[Path, int]:
    home = base / "node"
    running.create_home(home, code="FRA", url="http://127.0.0.1:1", post_quantum=False,
                        database_url=url)
    node = running.open_node(home)
    try:
        with unit_of_work(node, utcnow()) as work:
            officer = accounts.create_user(work, name="officer", role="officer")
            import_un_file(work, UN_FILE, actor="system")
            return home, officer.id
    finally:
        node.close()


def _queue(node: Node, owner: int, rows: int) -> str:
    batch = [{"ref": f"R{i}", "name": NAMES[i % len(NAMES)], "dob": None,
              "nationality": None, "documents": []} for i in range(rows)]
    with unit_of_work(node, utcnow()) as work:
        job_id = batchjobs.create(work, rows=batch, purpose="investigation",
                                  legal_basis=["UNSCR-2178"], owner=owner, actor="user:officer")
        jobqueue.enqueue(work, "screen_batch", job_id)
    return job_id


def _finished(node: Node, owner: int, job_id: str) -> dict[str, Any]:
    while True:
        found = batchjobs.get(node, job_id, owner=owner, now=utcnow())
        if found["status"] != "running":
            assert found["status"] == "done", found
            return found
        time.sleep(0.01)


def _measure(node: Node, owner: int, pickups: int, rows: int) -> dict[str, Any]:
    waits = []
    for _ in range(pickups):
        found = _finished(node, owner, _queue(node, owner, 1))
        waits.append((found["finished"] - found["created"]).total_seconds())
    start = time.perf_counter()
    _finished(node, owner, _queue(node, owner, rows))
    seconds = time.perf_counter() - start
    return {"pickup_median_s": round(statistics.median(waits), 3),
            "pickup_max_s": round(max(waits), 3), "batch_rows": rows,
            "batch_seconds": round(seconds, 2), "rows_per_s": round(rows / seconds)}


def run(pickups: int, rows: int) -> dict[str, Any]:
    """Both stores' figures."""
    out: dict[str, Any] = {"cores": os.cpu_count(), "python": platform.python_version()}
    with tempfile.TemporaryDirectory() as tmp:
        home, owner = _home(Path(tmp) / "sqlite", None)
        node = running.open_node(home)
        try:
            out["sqlite_in_process"] = _measure(node, owner, pickups, rows)
        finally:
            node.close()
    server = pg_server.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            from sqlalchemy import create_engine, text

            admin = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text("CREATE DATABASE bench_jobs"))
            admin.dispose()
            home, owner = _home(Path(tmp), server.url("bench_jobs"))
            worker = subprocess.Popen([sys.executable, "-m", "fts_share", "jobs", "worker",
                                       str(home)], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
            node = running.open_node(home)
            try:
                time.sleep(3)  # the worker imports and connects
                out["postgresql_worker_process"] = _measure(node, owner, pickups, rows)
            finally:
                node.close()
                worker.terminate()
                worker.wait(timeout=30)
    finally:
        server.stop()
    return out


def main() -> None:
    """Print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pickups", type=int, default=20)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    print(json.dumps(run(args.pickups, args.rows), indent=2))


if __name__ == "__main__":
    main()
