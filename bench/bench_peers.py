"""Independent peers: 10 partners, one dripping its answer and one down. Publish-to-
receipt latency of the healthy partners' notices at a receiving node, side by side in
one process, under the background poller, in ``--rounds`` alternating rounds:

- ``baseline``: the 10 partners all healthy;
- ``faults``: two of them replaced, on the receiver's roster, by a socket server that
  sends a byte every 0.5 s and by a port where nobody listens;
- with ``--legacy``, once at the end: the same faults polled as before issue 13 (every
  partner of a round in parallel, the next round when the last partner is done), with
  the whole-request deadline (without it the drip holds the round for ever).

    python3 bench/bench_peers.py [--rounds 5] [--notices 10] [--interval 1.0]
                                 [--timeout 5] [--backoff SECONDS] [--legacy]

Real nodes (waitress) on 127.0.0.1, SQLite stores. In each round every healthy partner
publishes ``--notices`` notices to the receiver through its API, at random moments; a
watcher reads the receiver's store every 20 ms and notes when each notice arrived. The
rounds alternate (baseline, faults, baseline, faults, ...) so that the load of a shared
machine falls on both alike. Reported per configuration: median, p95 and max seconds
pooled over the rounds, the share of notices that arrived within two poll intervals,
the 1-minute load average around the rounds; per round, the p95 of faults over the p95
of the baseline just before it, and the median of those ratios; and, to show that the
faults were met, the requests the dripping peer received and the failures recorded for
both bad peers.
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
from fts_share.storage.models import Notice, Peer

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


def _reset_peers(c: Coalition, codes: list[str]) -> None:
    """Forget the failures and back-off of ``codes`` at the receiver (a clean baseline)."""
    with c["RCV"].node.store.transaction() as session:
        for code in codes:
            row = session.get(Peer, code)
            if row is not None:
                row.failures, row.next_attempt, row.last_error = 0, None, None


def _failures(c: Coalition, code: str) -> int:
    with c["RCV"].node.store.read() as session:
        row = session.get(Peer, code)
        return int(row.failures or 0) if row is not None else 0


def _pctl(lat: list[float], q: float) -> float:
    s = sorted(lat)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def _summary(lat: list[float], interval: float) -> dict[str, float]:
    return {"n": len(lat), "median": statistics.median(lat), "p95": _pctl(lat, 0.95),
            "max": max(lat), "within_2": sum(x <= 2 * interval for x in lat) / len(lat)}


class Rounds:
    """The latencies and loads of each configuration, round by round."""

    def __init__(self) -> None:
        self.lat: dict[str, list[list[float]]] = {}
        self.load: dict[str, list[float]] = {}

    def add(self, name: str, lat: list[float], load: float) -> None:
        self.lat.setdefault(name, []).append(lat)
        self.load.setdefault(name, []).append(load)

    def pooled(self, name: str, interval: float) -> dict[str, float]:
        return _summary([x for r in self.lat[name] for x in r], interval)

    def ratios(self) -> list[float]:
        return [_pctl(f, 0.95) / _pctl(b, 0.95)
                for b, f in zip(self.lat["baseline"], self.lat["faults"], strict=False)]


def _round(c: Coalition, rounds: Rounds, name: str, args: argparse.Namespace,
           start_poller: Callable[[], Any]) -> None:
    before = os.getloadavg()[0]
    lat = _measure(c, PEERS[:8], notices=args.notices, interval=args.interval,
                   start_poller=start_poller)
    rounds.add(name, lat, (before + os.getloadavg()[0]) / 2)
    r = _summary(lat, args.interval)
    print(f"  {name:8} n={r['n']:.0f} median {r['median']:.2f} p95 {r['p95']:.2f} "
          f"max {r['max']:.2f} load {rounds.load[name][-1]:.1f}", file=sys.stderr, flush=True)


def _report(rounds: Rounds, args: argparse.Namespace, faults_met: dict[str, int],
            elapsed: float) -> None:
    base = rounds.pooled("baseline", args.interval)
    backoff = "node default" if args.backoff is None else f"{args.backoff:g} s"
    print(f"# bench_peers: 10 peers, {args.rounds} rounds (baseline, faults alternating), "
          f"interval {args.interval:g} s, deadline {args.timeout:g} s, first back-off "
          f"{backoff}, {args.notices} "
          f"notices x 8 healthy peers a round; {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, {elapsed:.0f} s")
    print("| configuration | notices | median s | p95 s | max s | within 2 intervals "
          "| p95 / baseline | load avg (1 min) |")
    print("|---|---|---|---|---|---|---|---|")
    for name in rounds.lat:
        r, load = rounds.pooled(name, args.interval), rounds.load[name]
        print(f"| {name} | {r['n']:.0f} | {r['median']:.2f} | {r['p95']:.2f} | "
              f"{r['max']:.2f} | {100 * r['within_2']:.1f} % | {r['p95'] / base['p95']:.2f} | "
              f"{min(load):.1f}-{max(load):.1f} |")
    ratios = rounds.ratios()
    print("per-round p95 faults / baseline: " + ", ".join(f"{x:.2f}" for x in ratios)
          + f"; median {statistics.median(ratios):.2f}")
    print("faults met: " + ", ".join(f"{k} {v}" for k, v in faults_met.items()))
    print(json.dumps({"pooled": {n: rounds.pooled(n, args.interval) for n in rounds.lat},
                      "ratios": ratios, "load": rounds.load, "faults_met": faults_met}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5, help="rounds of each configuration")
    ap.add_argument("--notices", type=int, default=10, help="notices per healthy peer a round")
    ap.add_argument("--interval", type=float, default=1.0, help="poll interval, seconds")
    ap.add_argument("--timeout", type=float, default=5.0, help="request deadline, seconds")
    ap.add_argument("--backoff", type=float, default=None,
                    help="first back-off after a failure, seconds (default: the node's 5 s);"
                         " smaller: the bad peers are asked again sooner, more often")
    ap.add_argument("--legacy", action="store_true", help="and one round polled as before")
    args = ap.parse_args()
    logging.disable(logging.WARNING)
    began = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="bench-peers-"))
    c = build(folder, sqlite_databases(folder), [("RCV", "member")] +
              [(p, "member") for p in PEERS], post_quantum={p: False for p in PEERS + ["RCV"]})
    rcv = c["RCV"].node
    rcv.config.federation.request_timeout = args.timeout
    if args.backoff is not None:
        rcv.config.federation.backoff_base = args.backoff
    bad = BadPeer(drip(0.5)).start()
    rounds = Rounds()
    met: dict[str, int] = {}
    faults = {DRIP: bad.url, DOWN: f"http://127.0.0.1:{free_port()}"}

    def background() -> Any:
        return _started(background_poller(rcv, interval=args.interval))

    try:
        _route(c, {})
        _measure(c, PEERS[:8], notices=1, interval=args.interval,  # warm-up, not reported
                 start_poller=background)
        for i in range(args.rounds):
            print(f"round {i + 1}/{args.rounds}", file=sys.stderr, flush=True)
            _route(c, {})
            _reset_peers(c, [DRIP, DOWN])
            _round(c, rounds, "baseline", args, background)
            _route(c, faults)
            _round(c, rounds, "faults", args, background)
            for code in (DRIP, DOWN):  # failures recorded in this round (reset above)
                met[f"{code} failures"] = met.get(f"{code} failures", 0) + _failures(c, code)
        met["drip requests"] = bad.requests  # in the faults rounds
        if args.legacy:
            _reset_peers(c, [DRIP, DOWN])  # the drip is asked at once, as in the rounds
            _round(c, rounds, "faults, one round at a time (before issue 13)", args,
                   lambda: _started(RoundPoller(Poller(rcv), args.interval)))
    finally:
        bad.stop()
        c.close()
    _report(rounds, args, met, time.perf_counter() - began)


def _started(poller: Any) -> Any:
    poller.start()
    return poller


if __name__ == "__main__":
    main()
