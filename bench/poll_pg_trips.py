"""What a poll asks of PostgreSQL: statements, round trips, the backend's CPU, commits.

    python3 bench/poll_pg_trips.py --trees /work/wt/pgwall-base,/work/wt/pgwall
                                   [--envelopes 2000] [--rounds 3] [--screen] [--durable]

The setting of ``bench/bench_poll_e2e.py`` on PostgreSQL (the partner serves from a
process of its own; the node BBB polls it in a fresh process, pages of 100; screening
off unless ``--screen``). In the polling process psycopg's cursor and connection methods
are wrapped to count what reaches the server (``execute``, ``executemany``, ``COPY``,
``commit``; psycopg sends ``BEGIN`` on its own before a transaction's first statement;
statements sent together in pipeline mode are counted one by one, and a ``COPY`` waits
for two answers) and the wall time spent in them; the CPU of BBB's database backends (``postgres:``
processes of its database, from /proc) is read before and after the poll. Printed per
tree: medians over the rounds, trees alternating; then the statements of the last
round by kind, per page. ``--durable``: the server runs with ``fsync=on`` and
``synchronous_commit=on``, as a production server does by default (the tests' server,
``tests/pg_server.py``, runs with both off): what a commit waits for the WAL flush.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bench_poll_e2e as e2e


def _backends_cpu(database: str) -> float:
    """CPU seconds of the server processes serving ``database`` (and the server's own
    background processes: WAL writer, checkpointer)."""
    total = 0.0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            if not cmd.startswith("postgres:"):
                continue
            if "recv_" in cmd and database not in cmd:
                continue  # the partner's backends
            total += e2e._proc_cpu(int(pid))
        except OSError:
            continue
    return total


def _instrument() -> dict[str, Any]:
    """Wrap psycopg's cursor and connection methods; returns the counters."""
    import psycopg

    stats: dict[str, Any] = {"kinds": collections.Counter(), "wait": 0.0, "n": 0,
                             "waits": collections.Counter(), "piped": 0}

    def wrap(cls: Any, name: str, kind_of: Any) -> None:
        orig = getattr(cls, name)

        def wrapped(self: Any, *a: Any, **kw: Any) -> Any:
            kind = kind_of(a)
            stats["kinds"][kind] += 1
            stats["n"] += 1
            t0 = time.perf_counter()
            try:
                out = orig(self, *a, **kw)
            finally:
                spent = time.perf_counter() - t0
                stats["wait"] += spent
                stats["waits"][kind] += spent
            return out
        setattr(cls, name, wrapped)

    def text(prefix: str) -> Any:
        return lambda a: prefix + " ".join(str(a[0]).split())[:90] if a else prefix
    wrap(psycopg.Cursor, "execute", text("execute: "))
    wrap(psycopg.Cursor, "executemany", text("executemany: "))
    wrap(psycopg.Connection, "commit", lambda a: "commit")
    wrap(psycopg.Connection, "rollback", lambda a: "rollback")
    orig_copy = psycopg.Cursor.copy

    def copy(self: Any, statement: Any, *a: Any, **kw: Any) -> Any:
        stats["kinds"]["copy: " + str(statement)[:60]] += 1
        stats["n"] += 1
        return orig_copy(self, statement, *a, **kw)
    psycopg.Cursor.copy = copy  # type: ignore[method-assign]
    orig_pipeline = psycopg.Connection.pipeline

    @contextlib.contextmanager
    def pipeline(self: Any) -> Any:
        n0 = stats["n"]
        with orig_pipeline(self) as p:
            yield p
        stats["piped"] += stats["n"] - n0 - 1  # the statements sent with the first one
    psycopg.Connection.pipeline = pipeline  # type: ignore[method-assign,assignment]
    return stats


def _round_trips(stats: dict[str, Any]) -> int:
    """Answers waited for: every call, a COPY twice, a pipeline's statements once, and
    the BEGIN psycopg sends before each transaction's first statement (one per commit
    or rollback of a transaction; a rollback outside one costs nothing, not counted)."""
    kinds = stats["kinds"]
    copies = sum(n for kind, n in kinds.items() if kind.startswith("copy"))
    return int(stats["n"] + copies - stats["piped"] + kinds.get("commit", 0))


def drive(args: argparse.Namespace) -> dict[str, Any]:
    """In a fresh child: BBB polls once, counted."""
    stats = _instrument()
    import click

    from fts_share.cli import cli
    cli.get_command(click.Context(cli), "poll")
    from fts_share.services import running
    from fts_share.services.polling import Poller

    node = running.open_node(Path(args.drive))
    node.config.federation.page_limit = 100
    database = node.store.url.rsplit("/", 1)[1]
    stats["kinds"].clear()
    stats["waits"].clear()
    stats["n"], stats["wait"], stats["piped"] = 0, 0.0, 0
    server0 = _backends_cpu(database)
    cpu0, t0 = time.process_time(), time.perf_counter()
    thread0 = time.thread_time()
    if args.screen:
        running.poll_once(node)
    else:
        Poller(node).poll_all(force=True)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    out = {"wall_s": wall, "cpu_s": cpu, "main_thread_cpu_s": time.thread_time() - thread0,
           "server_cpu_s": _backends_cpu(database) - server0, "calls": stats["n"],
           "round_trips": _round_trips(stats),
           "db_wait_s": stats["wait"], "kinds": dict(stats["kinds"]),
           "waits": dict(stats["waits"])}
    node.close()
    return out


def run_one(tree: Path, args: argparse.Namespace, admin: str) -> dict[str, Any]:
    me = str(Path(__file__).resolve())
    homes = e2e._child(tree, [str(HERE / "bench_poll_e2e.py"), "--setup", "--tree", str(tree),
                              "--backend", "postgresql", "--envelopes", str(args.envelopes),
                              "--pg-admin", admin])
    server = subprocess.Popen([sys.executable, "-m", "fts_share", "serve", homes["aaa"],
                               "--no-poll", "--port", str(homes["port"])],
                              env=e2e._env(tree), cwd=tree, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        e2e._wait_ready(f"http://127.0.0.1:{homes['port']}", server)
        return e2e._child(tree, [me, "--drive", homes["bbb"]]
                          + (["--screen"] if args.screen else []))
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trees", default="")
    ap.add_argument("--envelopes", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--screen", action="store_true")
    ap.add_argument("--durable", action="store_true",
                    help="the server with fsync=on, synchronous_commit=on (a production "
                         "server's defaults; the tests' server runs with both off)")
    ap.add_argument("--drive")
    args = ap.parse_args()
    if args.drive:
        print(json.dumps(drive(args)), flush=True)
        return 0
    trees = [Path(t) for t in args.trees.split(",")]
    sys.path.insert(0, str(HERE.parent / "tests"))
    import pg_server

    pg = pg_server.start()
    if args.durable:
        pg.options = (pg.options.replace("fsync=off", "fsync=on")
                      .replace("synchronous_commit=off", "synchronous_commit=on")
                      .replace("full_page_writes=off", "full_page_writes=on"))
        pg.halt()
        pg.resume()
    rows: dict[Path, list[dict[str, Any]]] = {t: [] for t in trees}
    try:
        for _ in range(args.rounds):
            for tree in trees:
                r = run_one(tree, args, pg.url("postgres"))
                print(tree, {k: v for k, v in r.items() if k not in ("kinds", "waits")}, file=sys.stderr)
                rows[tree].append(r)
    finally:
        pg.stop()
    print(f"load average {os.getloadavg()[0]:.2f}")
    for tree, rs in rows.items():
        med = {k: statistics.median(r[k] for r in rs) for k in
               ("wall_s", "cpu_s", "main_thread_cpu_s", "server_cpu_s", "calls",
                "round_trips", "db_wait_s")}
        print(tree, " ".join(f"{k}={v:.3f}" for k, v in med.items()))
        for kind, n in sorted(rs[-1]["kinds"].items(), key=lambda kv: -kv[1]):
            ms = rs[-1]["waits"].get(kind, 0.0) * 1000
            print(f"    {n:5d} {ms:7.1f} ms  {kind}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
