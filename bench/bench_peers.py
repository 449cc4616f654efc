"""Independent peers: 10 partners, one dripping its answer and one down. Publish-to-
receipt latency of the healthy partners' notices at a receiving node, side by side in
one run, under the background poller:

- ``no bad peers``: the 10 partners all healthy (the baseline);
- ``1 dripping + 1 down``: two of them replaced, on the receiver's roster, by a socket
  server that sends a byte every 0.5 s and by a port where nobody listens;
- ``same, one round at a time``: the same faults, polled as before this change (every
  partner of a round in parallel, the next round when the last partner is done), with
  the new whole-request deadline (without it the drip holds the round for ever).

    python3 bench/bench_peers.py [--notices 6] [--interval 1.0] [--timeout 5]

Real nodes (waitress) on 127.0.0.1, SQLite stores. Each healthy partner publishes
``--notices`` notices to the receiver through its API, at random moments; a watcher
reads the receiver's store every 20 ms and notes when each notice arrived. Reported:
median, p95 and max seconds, and the p95 ratio to the baseline.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "federation"))

from badpeers import BadPeer, drip
from coalition import Coalition, build, free_port, notice, sqlite_databases
from sqlalchemy import select

from fts_share.clock import utcnow
from fts_share.services.polling import Poller
from fts_share.services.roster import import_roster
from fts_share.services.running import background_poller
from fts_share.services.unit import Work
from fts_share.storage.models import Notice

PEERS = [f"P{c}{c}" for c in "ABCDEFGHJK"]  # three capital letters each
DRIP, DOWN = PEERS[8], PEERS[9]


def _route(c: Coalition, urls: dict[str, str]) -> None:
    """A new roster, installed at the receiver only, on which ``urls`` reach those peers."""
    c.version += 1

    def edit(entries: list[dict[str, Any]]) -> None:
        for e in entries:
            e["url"] = urls.get(e["code"], e["url"])

    doc = c.roster_document(version=c.version, now=utcnow(), edit=edit)
    rcv = c["RCV"].node
    with rcv.store.transaction() as session:
        import_roster(Work(session=session, now=utcnow(), node=rcv), doc)


class RoundPoller:
    """The loop as it was: poll every partner, wait for the last, sleep, again."""

    def __init__(self, poller: Poller, interval: float) -> None:
        self.poller, self.interval = poller, interval
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(timeout=60)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.poller.poll_all()
            self._stop.wait(self.interval)


def _arrived(c: Coalition) -> set[str]:
    with c["RCV"].node.store.read() as s:
        return set(s.scalars(select(Notice.notice_id).where(Notice.origin != "RCV")))


def _measure(c: Coalition, healthy: list[str], *, notices: int, interval: float,
             start_poller: Callable[[], Any]) -> list[float]:
    published: dict[str, float] = {}
    received: dict[str, float] = {}
    done = threading.Event()
    seen = _arrived(c)

    def watch() -> None:
        while not done.is_set():
            now = time.perf_counter()
            for nid in _arrived(c) - seen:
                received.setdefault(nid, now)
            time.sleep(0.02)

    poller = start_poller()
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    time.sleep(interval)  # let the poller reach every partner (and the drip begin)
    rng = random.Random(7)
    try:
        for _ in range(notices):
            for code in healthy:
                status, doc, _ = c[code].api("POST", "/api/v1/notices", token="officer",
                                             body=notice(recipients=["RCV"]))
                assert status == 201, doc
                published[doc["id"]] = time.perf_counter()
            time.sleep(rng.uniform(0, interval))
        deadline = time.perf_counter() + 120
        while set(published) - set(received) and time.perf_counter() < deadline:
            time.sleep(0.05)
    finally:
        done.set()
        watcher.join()
        poller.stop()
    missing = set(published) - set(received)
    assert not missing, f"{len(missing)} notices never arrived"
    return sorted(received[n] - published[n] for n in published)


def _summary(lat: list[float]) -> dict[str, float]:
    p95 = lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))]
    return {"n": len(lat), "median": statistics.median(lat), "p95": p95, "max": lat[-1]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--notices", type=int, default=6, help="notices per healthy peer")
    ap.add_argument("--interval", type=float, default=1.0, help="poll interval, seconds")
    ap.add_argument("--timeout", type=float, default=5.0, help="request deadline, seconds")
    args = ap.parse_args()
    logging.disable(logging.WARNING)
    folder = Path(tempfile.mkdtemp(prefix="bench-peers-"))
    c = build(folder, sqlite_databases(folder), [("RCV", "member")] +
              [(p, "member") for p in PEERS], post_quantum={p: False for p in PEERS + ["RCV"]})
    rcv = c["RCV"].node
    rcv.config.federation.request_timeout = args.timeout
    healthy = PEERS[:8]
    bad = BadPeer(drip(0.5)).start()
    results: dict[str, dict[str, float]] = {}
    try:
        _route(c, {})
        _measure(c, healthy, notices=1, interval=args.interval,  # warm-up, not reported
                 start_poller=lambda: _started(background_poller(rcv, interval=args.interval)))
        results["no bad peers"] = _summary(_measure(
            c, healthy, notices=args.notices, interval=args.interval,
            start_poller=lambda: _started(background_poller(rcv, interval=args.interval))))
        _route(c, {DRIP: bad.url, DOWN: f"http://127.0.0.1:{free_port()}"})
        results["1 dripping + 1 down"] = _summary(_measure(
            c, healthy, notices=args.notices, interval=args.interval,
            start_poller=lambda: _started(background_poller(rcv, interval=args.interval))))
        results["same, one round at a time"] = _summary(_measure(
            c, healthy, notices=args.notices, interval=args.interval,
            start_poller=lambda: _started(RoundPoller(Poller(rcv), args.interval))))
    finally:
        bad.stop()
        c.close()
    base = results["no bad peers"]["p95"]
    print(f"# bench_peers: 10 peers, interval {args.interval:g} s, deadline "
          f"{args.timeout:g} s, {args.notices} notices x 8 healthy peers; "
          f"{os.cpu_count()} cores, Python {platform.python_version()}")
    print("| run | notices | median s | p95 s | max s | p95 / baseline |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['n']:.0f} | {r['median']:.2f} | {r['p95']:.2f} | "
              f"{r['max']:.2f} | {r['p95'] / base:.2f} |")
    print(json.dumps(results))


def _started(poller: Any) -> Any:
    poller.start()
    return poller


if __name__ == "__main__":
    main()
