"""API throughput of ``fts-share serve`` on PostgreSQL with 1, 2 and 4 workers.

    python3 bench/bench_api.py [--workers 1 2 4] [--rounds 5] [--seconds 15]
                               [--clients 8] [--publish-share 0.25]

A throwaway PostgreSQL server (``tests/pg_server.py``) holds one node per worker count
(FRA, DEU, ITA), each with its own database, the UN list as its watchlist and two
partners (IRQ, JOR, SQLite, not served: the nodes run with ``--no-poll``). Each node
is served by ``python -m fts_share serve HOME --workers N`` (``--workers 1`` is
waitress, one process, as the node runs on SQLite; more are gunicorn workers); all
are up at once and idle while another is measured. The machine is shared, so the
worker counts are measured interleaved: ``--rounds`` rounds, each loading every node
in turn (the order rotating) for ``--seconds``, so that a change of load on the
machine falls on all of them. ``--clients`` load processes, each with one keep-alive
connection, send officer requests after a warm-up:

- ``POST /api/v1/screen``: one name (recombined from the UN list's tokens, a third
  in Arabic script), purpose and legal basis;
- ``POST /api/v1/notices`` (share ``--publish-share``): a notice to IRQ and JOR, each
  sealed to both partners, stored and audited.

Reported per worker count and kind: requests/s, median and p99 latency, non-2xx
answers (medians over the rounds); and the CPU used (seconds of CPU per second of wall clock) by the serving
processes (the gunicorn arbiter and each worker, or waitress), PostgreSQL (the
postmaster and its backends) and the load generator. Rate limits are off for the run
(``[limits] enabled = false``): they would measure the limiter. The ratio of each
worker count's total requests/s to the first's, per round and its median over the
rounds, is the figure the issue asks for.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

import pg_server
from coalition import build, notice, sqlite_databases
from matching.scale import synth
from sqlalchemy import create_engine, text

from fts_share.config import load_config, write_config
from fts_share.storage import Store

DATA = Path(os.environ.get("FTS_SHARED_DATA", ROOT.parent / "shared" / "data"))
TICKS = os.sysconf("SC_CLK_TCK")
SCREEN = {"purpose": "border_screening", "legal_basis": ["UNSCR-2178"]}


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid`` (0 once gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _postmaster(server: Any) -> int:
    return int((server.datadir / "postmaster.pid").read_text().split()[0])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/readyz", timeout=2) as resp:
            return int(resp.status) == 200
    except OSError:
        return False


def _client(url: str, token: str, names: list[str], seconds: float, share: float,
            seed: int, out: Any) -> None:
    """One load process: one keep-alive connection, requests until ``seconds`` pass;
    puts ``(kind, status, latency)`` rows and its own CPU seconds on ``out``."""
    rng = random.Random(seed)
    host, port = url.rsplit("/", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    rows: list[tuple[str, int, float]] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        name = rng.choice(names)
        if rng.random() < share:
            kind, path = "publish", "/api/v1/notices"
            body = notice(recipients=["IRQ", "JOR"],
                          names=[{"full": name, "kind": "primary"}])
        else:
            kind, path, body = "screen", "/api/v1/screen", {**SCREEN, "name": name}
        started = time.perf_counter()
        try:
            conn.request("POST", path, body=json.dumps(body), headers=headers)
            resp = conn.getresponse()
            resp.read()
            status = resp.status
        except (OSError, http.client.HTTPException):
            status = 0
            conn.close()
            conn = http.client.HTTPConnection(host, int(port), timeout=60)
        rows.append((kind, status, time.perf_counter() - started))
    conn.close()
    out.put((rows, time.process_time()))


def _load(url: str, token: str, names: list[str], seconds: float, clients: int,
          share: float) -> tuple[list[tuple[str, int, float]], float]:
    """Run ``clients`` load processes at once; their rows and their CPU seconds."""
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    procs = [ctx.Process(target=_client, args=(url, token, names, seconds, share, i, out))
             for i in range(clients)]
    for p in procs:
        p.start()
    rows: list[tuple[str, int, float]] = []
    cpu = 0.0
    for _ in procs:
        got, used = out.get()
        rows.extend(got)
        cpu += used
    for p in procs:
        p.join()
    return rows, cpu


def _figures(rows: list[tuple[str, int, float]], seconds: float) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for kind in ("screen", "publish"):
        ok = sorted(lat for k, s, lat in rows if k == kind and 200 <= s < 300)
        bad = sum(1 for k, s, _ in rows if k == kind and not 200 <= s < 300)
        if not ok:
            result[kind] = {"ok": 0, "errors": bad}
            continue
        result[kind] = {"per_s": round(len(ok) / seconds, 1),
                        "median_ms": round(statistics.median(ok) * 1000, 1),
                        "p99_ms": round(ok[min(len(ok) - 1, int(len(ok) * 0.99))] * 1000, 1),
                        "ok": len(ok), "errors": bad}
    result["total_per_s"] = round(sum(result[k].get("per_s", 0) for k in
                                      ("screen", "publish")), 1)
    return result


def _serve(home: Path, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "fts_share", "serve", str(home),
                             "--port", str(port), "--workers", str(workers), "--no-poll"],
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)


@dataclass
class Served:
    """One node served with ``workers`` processes."""

    workers: int
    home: Path
    url: str
    token: str
    proc: subprocess.Popen[bytes] | None = None


def _slice(served: Served, names: list[str], args: argparse.Namespace,
           postmaster: int) -> dict[str, Any]:
    """Load one served node for ``--seconds``: its figures and the CPU used."""
    assert served.proc is not None
    serving = [served.proc.pid, *_children(served.proc.pid)]
    pg = [postmaster, *_children(postmaster)]
    before = {p: _cpu(p) for p in serving + pg}
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    rows, load_cpu = _load(served.url, served.token, names, args.seconds, args.clients,
                           args.publish_share)
    wall = time.monotonic() - started
    pg_after = [postmaster, *_children(postmaster)]
    used = {p: _cpu(p) - before.get(p, 0.0) for p in set(serving + pg_after)}
    figures = _figures(rows, wall)
    figures["cpu_per_s"] = {
        "serving": [round(used[p] / wall, 2) for p in serving],
        "postgresql": round(sum(used[p] for p in pg_after) / wall, 2),
        "load_generator": round(load_cpu / wall, 2)}
    figures["load_average"] = [round(load_before, 1), round(os.getloadavg()[0], 1)]
    return figures


def _start(served: Served, tmp: Path) -> None:
    port = int(served.url.rsplit(":", 1)[1])
    served.proc = _serve(served.home, port, served.workers, tmp / f"serve-{served.workers}.log")
    end = time.monotonic() + 180
    while not _healthy(served.url):
        if time.monotonic() > end or served.proc.poll() is not None:
            raise SystemExit(f"the node with {served.workers} workers did not become ready")
        time.sleep(0.2)


CODES = ["FRA", "DEU", "ITA", "ESP", "NLD"]


def _setup(tmp: Path, server: Any, workers: list[int]) -> list[Served]:
    """One node on PostgreSQL per worker count, each with the UN list, and partners
    IRQ and JOR on SQLite; each node's home, address and an officer token."""
    codes = CODES[:len(workers)]
    admin = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for code in codes:
            conn.execute(text(f"CREATE DATABASE {code.lower()}"))
    admin.dispose()
    for code in codes:
        Store(server.url(code.lower())).create_schema()
    urls = iter([*(server.url(code.lower()) for code in codes),
                 *(sqlite_databases(tmp)() for _ in range(2))])
    c = build(tmp, lambda: next(urls), [*((code, "member") for code in codes),
                                        ("IRQ", "member"), ("JOR", "member")], start=False)
    served = [Served(n, c[code].home, c[code].url, c[code].tokens["officer"])
              for n, code in zip(workers, codes)]
    c.close()
    for s in served:
        config = load_config(s.home)
        write_config(replace(config, limits=replace(config.limits, enabled=False)))
        subprocess.run([sys.executable, "-m", "fts_share", "watchlist", "import-un",
                        str(s.home), str(DATA / "un-sc-consolidated-2025-08-02.xml")],
                       check=True, capture_output=True)
    return served


def _summary(slices: list[dict[str, Any]]) -> dict[str, Any]:
    def med(values: list[float]) -> float:
        return round(statistics.median(values), 1) if values else 0.0

    out: dict[str, Any] = {"total_per_s": med([s["total_per_s"] for s in slices])}
    for kind in ("screen", "publish"):
        got = [s[kind] for s in slices if s[kind].get("ok")]
        out[kind] = {key: med([g[key] for g in got])
                     for key in ("per_s", "median_ms", "p99_ms")}
        out[kind]["errors"] = sum(s[kind]["errors"] for s in slices)
    cpu = [s["cpu_per_s"] for s in slices]
    out["cpu_per_s"] = {
        "serving_total": med([sum(c["serving"]) for c in cpu]),
        "serving_processes": cpu[len(cpu) // 2]["serving"],
        "postgresql": med([c["postgresql"] for c in cpu]),
        "load_generator": med([c["load_generator"] for c in cpu])}
    out["load_average"] = [s["load_average"] for s in slices]
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Measure every worker count, interleaved in rounds; the figures as a dict."""
    names = [name for _rid, name, _t, _s in synth(DATA, 2000, seed=7)[0]]
    server = pg_server.start()
    tmp = Path(tempfile.mkdtemp(prefix="fts-api-bench-"))
    nodes: list[Served] = []
    slices: dict[int, list[dict[str, Any]]] = {n: [] for n in args.workers}
    try:
        nodes = _setup(tmp, server, args.workers)
        for s in nodes:
            _start(s, tmp)
            _load(s.url, s.token, names, args.warmup, args.clients, args.publish_share)
        for r in range(args.rounds):
            order = nodes[r % len(nodes):] + nodes[:r % len(nodes)]
            for s in order:
                slices[s.workers].append(_slice(s, names, args, _postmaster(server)))
    finally:
        for s in nodes:
            if s.proc is not None:
                s.proc.terminate()
                s.proc.wait(timeout=60)
        server.stop()
    first = args.workers[0]
    ratios = {str(n): [round(b["total_per_s"] / a["total_per_s"], 2)
                       for a, b in zip(slices[first], slices[n]) if a["total_per_s"]]
              for n in args.workers}
    return {"machine": {"cores": os.cpu_count(), "python": platform.python_version()},
            "seconds": args.seconds, "rounds": args.rounds, "clients": args.clients,
            "publish_share": args.publish_share,
            "runs": {str(n): _summary(v) for n, v in slices.items()},
            "ratio_to_first_per_round": ratios,
            "ratio_to_first_median": {n: round(statistics.median(v), 2) if v else None
                                      for n, v in ratios.items()}}


def main() -> None:
    """Parse the arguments, measure, print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--publish-share", type=float, default=0.25)
    print(json.dumps(run(parser.parse_args()), indent=2))


if __name__ == "__main__":
    main()
