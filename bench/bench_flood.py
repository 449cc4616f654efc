"""Audit growth under a flood of unauthenticated requests (issue 14, figures).

    python3 bench/bench_flood.py [--seconds 60] [--sources 4] [--threads 8]
                                 [--write bench/RESULTS-flood.md]

One node (SQLite, waitress on 127.0.0.1, default ``[limits]``, ``trusted_proxies`` set
to 127.0.0.1 so that each flooding thread can speak for one of ``--sources`` client
addresses through X-Forwarded-For) is flooded for ``--seconds`` with
``GET /api/v1/notices`` without credentials, over keep-alive connections. Every answer
is a refusal (401, or 429 once an address is over its limit). At the end the node
flushes its refusal counters (as it does when it stops) and the audit log is read:

- entries added, and ``access_refused`` entries per source and UTC minute (target: at
  most 2 per source and minute; a 60 s flood touches two calendar minutes);
- refusals counted in those entries against refusals the clients received (every
  refusal must be counted);
- baseline, side by side: the entries the log would have grown by with one entry per
  refusal (the behaviour before aggregation), and the ratio.

Figures are wall-clock on this machine; this is a benchmark, not a timed test.
"""

from __future__ import annotations

import argparse
import http.client
import logging
import platform
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select

from fts_share.app import create_app
from fts_share.clock import utcnow
from fts_share.config import load_config, write_config
from fts_share.services import refusals
from fts_share.services.node import Node, init_home
from fts_share.services.serving import ServerThread, make_server, reserve_port
from fts_share.storage.audit_tables import AuditEntry


def flood(port: int, source: str, deadline: float, tally: Counter[int], lock: threading.Lock) -> None:
    """Send refused requests as ``source`` until ``deadline``; count the statuses."""
    local: Counter[int] = Counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while time.monotonic() < deadline:
        try:
            conn.request("GET", "/api/v1/notices", headers={"X-Forwarded-For": source})
            resp = conn.getresponse()
            resp.read()
            local[resp.status] += 1
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        except (OSError, http.client.HTTPException):
            local[0] += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.close()
    with lock:
        tally.update(local)


def log_figures(node: Node, before: int) -> dict[str, Any]:
    """Entries added since ``before``, and the aggregated refusals among them."""
    with node.store.read() as session:
        size = int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)
        rows = session.scalars(select(AuditEntry).where(
            AuditEntry.seq >= before, AuditEntry.action == "access_refused")).all()
    per: Counter[tuple[str, str]] = Counter()
    counted = 0
    for row in rows:
        per[(str(row.object_id), str(row.detail.get("minute")))] += 1
        counted += int(row.detail.get("count", 0))
    sources = {s for s, _ in per}
    minutes = {m for _, m in per}
    return {"added": size - before, "refused_entries": len(rows), "counted": counted,
            "sources": len(sources), "minutes": len(minutes),
            "max_per_source_minute": max(per.values(), default=0),
            "max_per_source": max(Counter(s for s, _ in per.elements()).values(), default=0)}


def run(seconds: float, sources: int, threads: int) -> dict[str, Any]:
    """Start a node, flood it, and read its log."""
    logging.getLogger("waitress").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "FRA"
        sock = reserve_port()
        port = int(sock.getsockname()[1])
        init_home(home, code="FRA", url=f"http://127.0.0.1:{port}", post_quantum=False)
        config = load_config(home)
        write_config(replace(config, limits=replace(config.limits,
                                                    trusted_proxies=("127.0.0.1",))))
        node = Node.open(home)
        server = ServerThread(make_server(create_app(node=node), host="127.0.0.1", port=port,
                                          threads=8, sock=sock, trust_forwarded=True)).start()
        with node.store.read() as session:
            before = int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)
        tally: Counter[int] = Counter()
        lock = threading.Lock()
        start = time.monotonic()
        deadline = start + seconds
        workers = [threading.Thread(target=flood, args=(port, f"198.51.100.{i % sources + 1}",
                                                       deadline, tally, lock))
                   for i in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        elapsed = time.monotonic() - start
        server.stop()
        refusals.flush_closed(node, utcnow(), stopping=True)
        figures = log_figures(node, before)
        node.close()
    sent = sum(tally.values())
    refused = tally[401] + tally[429]
    return {"seconds": round(elapsed, 1), "threads": threads, "sources": sources,
            "sent": sent, "per_second": round(sent / elapsed), "statuses": dict(tally),
            "refused": refused, **figures,
            "baseline_entries": refused,
            "ratio": round(refused / max(1, figures["refused_entries"]))}


def markdown(r: dict[str, Any], command: str) -> str:
    """The figures as the table of docs/benchmarks.md."""
    met = "met" if r["max_per_source_minute"] <= 2 and r["counted"] == r["refused"] else "NOT met"
    return "\n".join([
        f"Command: `{command}` ({platform.python_version()}, {platform.machine()})",
        "",
        "| measure | value |",
        "|---|---|",
        (f"| flood | {r['sent']:,} requests in {r['seconds']} s ({r['per_second']:,}/s), "
        f"{r['threads']} threads, {r['sources']} sources; statuses {r['statuses']} |"),
        f"| audit entries added | {r['added']:,} ({r['refused_entries']} `access_refused`) |",
        (f"| entries per source and minute (target ≤ 2) | max **{r['max_per_source_minute']}**; "
        f"{r['minutes']} calendar minute(s) touched, max {r['max_per_source']} per source "
        f"({met}) |"),
        (f"| refusals counted in the entries / received by the clients | "
        f"{r['counted']:,} / {r['refused']:,} |"),
        (f"| baseline: one entry per refusal (before aggregation) | {r['baseline_entries']:,} "
        f"entries, {r['ratio']:,}× more |"),
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--sources", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    result = run(args.seconds, args.sources, args.threads)
    command = "python3 bench/bench_flood.py " + " ".join(sys.argv[1:])
    text = markdown(result, command.strip())
    print(text)
    if args.write:
        args.write.write_text("# Audit growth under a flood (issue 14)\n\n" + text + "\n")


if __name__ == "__main__":
    main()
