"""Where the fixed CPU of one ``fts-share poll`` process goes, step by step, on SQLite and
PostgreSQL, beside a baseline tree in the same run (trees alternate; medians).

    python3 bench/poll_steps.py --baseline /work/wt/base [--rounds 7]
                                [--backends sqlite,postgresql] [--write FILE]

For each store: the partner AAA serves from a process of its own (``fts-share serve
--no-poll``) and BBB polls it once (20 envelopes), set up with this tree; then every
timed child polls with nothing to receive (every envelope held), as ``fts-share poll``
runs it, with marks (``time.process_time``) between the steps: the interpreter, click
and ``fts_share.cli``, SQLAlchemy's core, ``sqlalchemy.orm``, the storage models
(their tables declared and mapped), the rest of the poll command's imports (cryptography,
prometheus-client, the services and rooms), on PostgreSQL psycopg and SQLAlchemy's
PostgreSQL package, opening the node, the mappers' configuration (what the first query
would do), the poll, closing, and the exit (the whole process's CPU from ``wait4`` less
the parts). The big imports are taken in that order with the collector off, as the
command imports them (``heap.collector_paused``); the sum is the command's.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def steps(home: Path) -> dict[str, float]:
    """In a fresh child: CPU seconds of each step of an idle ``fts-share poll``."""
    import contextlib
    import gc
    import itertools

    marks = [("interpreter", time.process_time())]

    def mark(name: str) -> None:
        marks.append((name, time.process_time()))

    import click

    from fts_share.cli import cli
    mark("click, fts_share.cli")
    gc.disable()
    import sqlalchemy
    mark("SQLAlchemy (core)")
    import sqlalchemy.orm
    mark("sqlalchemy.orm")
    import fts_share.storage.models  # noqa: F401
    mark("storage models (tables declared and mapped)")
    gc.enable()
    cli.get_command(click.Context(cli), "poll")
    mark("rest of the poll command")
    if "postgresql" in (home / "config.toml").read_text():
        gc.disable()
        import psycopg  # noqa: F401
        mark("psycopg")
        import sqlalchemy.dialects.postgresql.psycopg
        mark("SQLAlchemy's PostgreSQL package")
        gc.enable()
    from fts_share.services import running
    node = running.open_node(home)
    mark("open the node")
    sqlalchemy.orm.configure_mappers()
    mark("mappers configured (first query)")
    from fts_share.services import metrics  # the poll counted as the command counts it
    dropped = getattr(metrics, "dropped_unless_shared", None)  # (since session 22)
    with dropped() if dropped is not None else contextlib.nullcontext():
        rows = running.poll_once(node)
    mark("poll (nothing to receive)")
    node.close()
    mark("close")
    assert rows and all(r["ok"] and r["received"] == 0 for r in rows), rows
    out = {name: b - a for (_, a), (name, b) in itertools.pairwise(marks)}
    return {"interpreter": marks[0][1], **out}


def _child(tree: Path, home: str) -> dict[str, float]:
    """One timed child in ``tree``: its steps, its exit and its whole CPU (``wait4``)."""
    import subprocess

    from bench_poll_e2e import _env

    child = subprocess.Popen([PY, str(Path(__file__).resolve()), "--steps", home],
                             env=_env(tree), cwd=tree, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    _pid, status, usage = os.wait4(child.pid, 0)
    out, err = child.stdout.read(), child.stderr.read()  # type: ignore[union-attr]
    if status != 0:
        raise RuntimeError(err[-3000:])
    found: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    whole = usage.ru_utime + usage.ru_stime
    found["exit (whole less the steps)"] = whole - sum(found.values())
    found["whole process"] = whole
    return found


def run_store(backend: str, trees: list[Path], rounds: int, pg_admin: str | None
              ) -> dict[str, dict[str, list[float]]]:
    """Set up AAA and BBB on ``backend``, poll once, then time idle polls."""
    import subprocess

    from bench_poll_e2e import _env, _wait_ready

    argv = [PY, str(ROOT / "bench" / "bench_poll_e2e.py"), "--setup", "--tree", str(ROOT),
            "--backend", backend, "--envelopes", "20"]
    argv += ["--pg-admin", pg_admin] if pg_admin else []
    homes = json.loads(subprocess.run(argv, env=_env(ROOT), capture_output=True, text=True,
                                      check=True).stdout.strip().splitlines()[-1])
    server = subprocess.Popen([PY, "-m", "fts_share", "serve", homes["aaa"], "--no-poll",
                               "--port", str(homes["port"])], env=_env(ROOT), cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows: dict[str, dict[str, list[float]]] = {t.name: {} for t in trees}
    try:
        _wait_ready(f"http://127.0.0.1:{homes['port']}", server)
        subprocess.run([PY, "-m", "fts_share", "poll", homes["bbb"]], env=_env(ROOT),
                       cwd=ROOT, check=True, capture_output=True)
        for tree in trees:  # each tree's bytecode cached, untimed
            _child(tree, homes["bbb"])
        for _ in range(rounds):
            for tree in trees:
                for key, value in _child(tree, homes["bbb"]).items():
                    rows[tree.name].setdefault(key, []).append(value)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return rows


def markdown(results: dict[str, dict[str, dict[str, list[float]]]], names: list[str],
             command: str) -> str:
    """One table per store: median CPU s of each step, baseline beside this tree."""
    import statistics

    when = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    out = [f"Command: `{command}`", "", (f"{when} UTC; {os.cpu_count()} CPUs; load average "
                                         f"at the end {os.getloadavg()[0]:.1f}."), ""]
    for backend, rows in results.items():
        out += [f"| {backend}: CPU s, median | " + " | ".join(names) + " |",
                "|---|" + "---:|" * len(names)]
        keys = list(dict.fromkeys(k for r in rows.values() for k in r))
        for key in keys:
            out.append(f"| {key} | " + " | ".join(
                f"{statistics.median(rows[n][key]):.3f}" for n in names) + " |")
        out.append("")
    return "\n".join(out)


def main() -> int:
    if sys.argv[1:2] == ["--steps"]:  # a timed child: nothing imported but what it times
        print(json.dumps(steps(Path(sys.argv[2]))), flush=True)
        from fts_share.heap import end_process  # as `fts-share poll` ends

        end_process(0)
    import argparse

    sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "tests")]
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", type=Path)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--write", type=Path)
    args = ap.parse_args()
    trees = ([args.baseline.resolve()] if args.baseline else []) + [ROOT]
    import pg_server

    pg = pg_server.start() if "postgresql" in args.backends else None
    try:
        results = {b: run_store(b, trees, args.rounds,
                                pg.url("postgres") if pg and b == "postgresql" else None)
                   for b in args.backends.split(",")}
    finally:
        if pg is not None:
            pg.stop()
    text = markdown(results, [t.name for t in trees],
                    "python3 bench/poll_steps.py " + " ".join(sys.argv[1:]))
    print(text)
    if args.write:
        args.write.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
