"""What the abuse limits cost in API throughput (issue 14, figures; target < 5 %).

    python3 bench/bench_limits.py [--rounds 8] [--seconds 5] [--threads 2]
                                  [--write bench/RESULTS-limits.md]

One node (SQLite), two waitress servers on 127.0.0.1 over the same node: one with the
``[limits]`` on (the default flask-limiter setup, ``memory://`` storage, limits raised
so that no request is refused: the cost measured is counting, not refusing), one with
``enabled = false``. Clients send, over keep-alive connections, an even mix of
``GET /api/v1/node`` without credentials (the per-address limit only) and
``GET /api/v1/alerts`` with an officer's bearer token (per-address and per-client).

Rounds alternate on/off (on, off, off, on, ...) so that drift of the machine's load
falls on both sides alike; each round runs ``--threads`` clients for ``--seconds``. The
figure is the median requests per second of each side and the cost
``1 - median(on) / median(off)``. Wall-clock on this machine; a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import http.client
import logging
import platform
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fts_share.app import create_app
from fts_share.clock import utcnow
from fts_share.services import accounts
from fts_share.services.node import Node, init_home
from fts_share.services.serving import ServerThread, make_server, reserve_port
from fts_share.services.unit import unit_of_work

GENEROUS = "100000000 per minute"


def client(port: int, token: str, deadline: float, out: list[int]) -> None:
    """Send the request mix until ``deadline``; append (ok, other) counts to ``out``."""
    ok = other = 0
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    paths = [("/api/v1/node", {}), ("/api/v1/alerts", {"Authorization": f"Bearer {token}"})]
    i = 0
    while time.monotonic() < deadline:
        path, headers = paths[i % 2]
        i += 1
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        resp.read()
        if resp.status == 200:
            ok += 1
        else:
            other += 1
    conn.close()
    out.extend([ok, other])


def one_round(port: int, token: str, seconds: float, threads: int) -> tuple[float, int]:
    """Requests per second of one round, and the answers that were not 200."""
    results: list[list[int]] = [[] for _ in range(threads)]
    deadline = time.monotonic() + seconds
    start = time.monotonic()
    workers = [threading.Thread(target=client, args=(port, token, deadline, results[i]))
               for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.monotonic() - start
    ok = sum(r[0] for r in results)
    return ok / elapsed, sum(r[1] for r in results)


def run(rounds: int, seconds: float, threads: int) -> dict[str, Any]:
    """Serve one node twice (limits on and off) and measure interleaved rounds."""
    logging.getLogger("waitress").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "FRA"
        socks = {"on": reserve_port(), "off": reserve_port()}
        init_home(home, code="FRA", url="http://127.0.0.1:1", post_quantum=False)
        node = Node.open(home)
        with unit_of_work(node, utcnow()) as work:
            officer = accounts.create_user(work, name="officer", role="officer")
            token = accounts.issue_token(work, officer)
        servers = {}
        base = node.config.limits
        for side, enabled in (("on", True), ("off", False)):
            node.config.limits = replace(base, enabled=enabled, per_address=GENEROUS,
                                         per_client=GENEROUS)
            port = int(socks[side].getsockname()[1])
            servers[side] = (port, ServerThread(make_server(
                create_app(node=node), host="127.0.0.1", port=port, threads=threads,
                sock=socks[side])).start())
        one_round(servers["on"][0], token, 1.0, threads)  # warm both up
        one_round(servers["off"][0], token, 1.0, threads)
        rates: dict[str, list[float]] = {"on": [], "off": []}
        refused = 0
        for r in range(rounds):
            order = ("on", "off") if r % 2 == 0 else ("off", "on")
            for side in order:
                rate, bad = one_round(servers[side][0], token, seconds, threads)
                rates[side].append(rate)
                refused += bad
        for _, server in servers.values():
            server.stop()
        node.close()
    on, off = statistics.median(rates["on"]), statistics.median(rates["off"])
    return {"rounds": rounds, "seconds": seconds, "threads": threads, "on": on, "off": off,
            "cost": 1 - on / off, "rates": rates, "not_ok": refused}


def markdown(r: dict[str, Any], command: str) -> str:
    """The figures as the table of docs/benchmarks.md."""
    met = "met" if r["cost"] < 0.05 else "NOT met"
    spread = {k: f"{min(v):,.0f}–{max(v):,.0f}" for k, v in r["rates"].items()}
    return "\n".join([
        f"Command: `{command}` ({platform.python_version()}, {platform.machine()})",
        "",
        "| limits | median requests/s | range over rounds |",
        "|---|---|---|",
        f"| on (default setup, nothing refused) | {r['on']:,.0f} | {spread['on']} |",
        f"| off (`enabled = false`) | {r['off']:,.0f} | {spread['off']} |",
        "",
        (f"Cost of the limits: **{r['cost']:.1%}** (target < 5 %: {met}); {r['rounds']} "
         f"interleaved rounds of {r['seconds']:g} s per side, {r['threads']} client threads; "
         f"answers other than 200: {r['not_ok']}."),
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    result = run(args.rounds, args.seconds, args.threads)
    command = "python3 bench/bench_limits.py " + " ".join(sys.argv[1:])
    text = markdown(result, command.strip())
    print(text)
    if args.write:
        args.write.write_text("# Throughput cost of the abuse limits (issue 14)\n\n"
                              + text + "\n")


if __name__ == "__main__":
    main()
