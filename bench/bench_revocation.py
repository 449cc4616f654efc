"""Revocation: requests from a revoked partner that are still accepted after the
roster import that revokes it (target: 0).

    python3 bench/bench_revocation.py [--workers 2] [--trials 3] [--threads 4]

A throwaway PostgreSQL server (``tests/pg_server.py``) holds node FRA, served by
``python -m fts_share serve HOME --workers N --no-poll`` (gunicorn; no poller that
could pick a change up). Partner MLI (SQLite, not served) sends signed requests to
FRA from ``--threads`` threads without pause: feed requests (``GET /api/v1/feed``)
and screening queries (``POST /api/v1/screen``), spread over the workers by the
kernel. Meanwhile ``fts-share roster import`` runs in another process with a roster
that suspends MLI, removes it, or revokes its signing key (``revoked_at`` 5 s in the
past). Each trial restores MLI with a fresh roster first.

Reported per change: MLI's requests sent after the import command returned and still
answered 200 (the figure the issue targets), the requests in flight while it ran
(sent before it returned, answered after, either way), and the refusals (401) after.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import pg_server
from coalition import Coalition, build, revocations, sqlite_databases, unchanged
from sqlalchemy import create_engine, text

from fts_share.clock import utcnow
from fts_share.errors import FtsError
from fts_share.federation.http import PartnerClient
from fts_share.storage import Store

QUERY = {"purpose": "investigation", "legal_basis": ["UNSCR-2178"], "name": "Omar Khalid"}
CHANGES = revocations("MLI")


def _import(home: Path, doc: dict[str, Any], folder: Path) -> None:
    path = folder / f"roster-{doc['version']}.json"
    path.write_text(json.dumps(doc))
    subprocess.run([sys.executable, "-m", "fts_share", "roster", "import", str(home),
                    str(path)], check=True, capture_output=True, timeout=120)


@dataclass
class Traffic:
    """MLI's requests: ``(sent, answered, status)`` on the monotonic clock."""

    rows: list[tuple[float, float, int]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, client: PartnerClient, url: str, n: int) -> None:
        """One sending thread: alternate feed requests and screening queries."""
        k = n
        while not self.stop.is_set():
            k += 1
            sent = time.monotonic()
            try:
                if k % 2:
                    resp = client.request("GET", f"{url}/api/v1/feed?after=0&limit=10",
                                          now=utcnow())
                else:
                    resp = client.request("POST", f"{url}/api/v1/screen", now=utcnow(),
                                          body=QUERY)
                status = int(resp.status)
            except (OSError, FtsError):  # no answer in time: counted, not accepted
                status = 0
            with self.lock:
                self.rows.append((sent, time.monotonic(), status))


def _trial(c: Coalition, home: Path, url: str, change: str, threads: int,
           folder: Path) -> dict[str, Any]:
    _import(home, c.next_roster(unchanged), folder)
    mli = c["MLI"]
    traffic = Traffic()
    workers = [threading.Thread(target=traffic.send,
                                args=(PartnerClient(key=mli.node.signing), url, n))
               for n in range(threads)]
    for w in workers:
        w.start()
    time.sleep(2.0)
    started = time.monotonic()
    _import(home, c.next_roster(CHANGES[change]), folder)
    done = time.monotonic()
    time.sleep(2.0)
    traffic.stop.set()
    for w in workers:
        w.join()
    before = [r for r in traffic.rows if r[1] < started]
    after = [r for r in traffic.rows if r[0] >= done]
    flight = [r for r in traffic.rows if r[0] < done <= r[1] or started <= r[1] < done]
    return {"change": change, "import_s": round(done - started, 3),
            "accepted_before": sum(1 for r in before if r[2] == 200),
            "sent_after": len(after),
            "accepted_after": sum(1 for r in after if r[2] == 200),
            "refused_after": sum(1 for r in after if r[2] == 401),
            "other_after": sum(1 for r in after if r[2] not in (200, 401)),
            "in_flight": len(flight),
            "in_flight_accepted": sum(1 for r in flight if r[2] == 200)}


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/readyz", timeout=2) as resp:
            return int(resp.status) == 200
    except OSError:
        return False


def run(workers: int, trials: int, threads: int) -> dict[str, Any]:
    """Run the measurement; the figures as a dict."""
    server = pg_server.start()
    tmp = Path(tempfile.mkdtemp(prefix="fts-revocation-"))
    admin = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE fra"))
    admin.dispose()
    Store(server.url("fra")).create_schema()
    urls = iter([server.url("fra"), *(sqlite_databases(tmp)() for _ in range(1))])
    c = build(tmp, lambda: next(urls), [("FRA", "member"), ("MLI", "member")], start=False)
    fra = c["FRA"]
    fra.stop()  # frees the port reserved for FRA; the workers bind it
    fra.node.close()
    port = int(fra.url.rsplit(":", 1)[1])
    log = (tmp / "serve.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "fts_share", "serve", str(fra.home),
                             "--port", str(port), "--workers", str(workers), "--no-poll"],
                            stdout=log, stderr=subprocess.STDOUT)
    results: list[dict[str, Any]] = []
    try:
        end = time.monotonic() + 120
        while not _ready(fra.url):
            if time.monotonic() > end or proc.poll() is not None:
                raise SystemExit("FRA did not become ready")
            time.sleep(0.2)
        for _ in range(trials):
            for change in CHANGES:
                results.append(_trial(c, fra.home, fra.url, change, threads, tmp))
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        log.close()
        c["MLI"].node.close()
        server.stop()
    return {"workers": workers, "threads": threads,
            "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                        "load": [round(x, 1) for x in os.getloadavg()]},
            "accepted_after_import": sum(r["accepted_after"] for r in results),
            "trials": results}


def main() -> None:
    """Parse the arguments, measure, print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    print(json.dumps(run(args.workers, args.trials, args.threads), indent=2))


if __name__ == "__main__":
    main()
