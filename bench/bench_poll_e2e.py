"""Receiving end to end, as deployed: the partner is another process (``fts-share serve``)
and the receiving node runs what ``fts-share poll`` runs in a process of its own.

    python3 bench/bench_poll_e2e.py [--envelopes 2000] [--baseline /tmp/e2e-base]
                                    [--backends sqlite,postgresql] [--rounds 3]
                                    [--snapshot] [--write bench/RESULTS-poll-e2e.md]

``bench/bench_receive.py`` serves the partner's feed from inside the polling process,
so its "envelopes per CPU-second" charges the partner's work to the receiving node.
Here each side has its own process, as two states' machines would:

1. *setup* (a process with the tree under test first on ``sys.path``): a coalition of
   AAA and BBB with real homes; BBB imports the UN list; AAA publishes N notices to BBB
   (the traffic of ``bench_receive.subjects``: names recombined from the UN list's own
   tokens with Zipf weights, half with an Arabic-script spelling). ``--snapshot``: BBB's
   mapped index snapshot is written (``fts-share index snapshot``), as any earlier poll
   or a deployment step leaves it.
2. AAA serves: ``python -m fts_share serve AAA --no-poll`` (waitress), until ready.
3. *timed*: a fresh process loads the ``poll`` command (``fts_share.cli``, and the
   command's module on a tree that imports it on use), opens BBB and runs
   ``running.poll_once`` (what ``fts-share poll`` runs: fetch, verify, decrypt,
   store, screen on arrival, audit, notify) or,
   with screening off, ``Poller.poll_all``. It reports the wall and CPU seconds of the
   poll call; the parent reports the whole process's (start-up, imports and the index
   build or map included) from ``wait4``, and the serving process's CPU over the poll.
   The child ends as ``fts-share poll`` ends on its tree (``end_as_the_command``).

Child processes cache their bytecode as a deployment does (``_env``; before
session 16 they compiled every module from source at each start, ~0.3 CPU-s).
Every run must receive all N envelopes. Baseline and this tree alternate; medians.
Before the timed runs, each tree polls 20 envelopes once, untimed: numba compiles a
fresh checkout's kernels into its cache at their first use.
The machine is shared: read envelopes per CPU-second of the polling process.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


#: where the bench's processes keep their bytecode (``PYTHONPYCACHEPREFIX``)
PYCACHE = Path(tempfile.gettempdir()) / "fts-bench-pycache"


def _env(tree: Path) -> dict[str, str]:
    """The environment of a child process running ``tree``, with its bytecode cached as
    in a deployment (pip compiles it when it installs; Python writes it at the first
    import): with ``PYTHONDONTWRITEBYTECODE`` set, as in this sandbox, every process
    would compile ~150 modules from source (~0.3 CPU-s of each start). The bytecode
    is kept under ``PYCACHE``, apart from the trees; the untimed first poll of each
    tree writes it."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tree), str(tree / "tests"), str(ROOT / "bench")])
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


def setup(args: argparse.Namespace) -> dict[str, Any]:
    """In a child process: the two homes, the list, the published traffic."""
    sys.path[:0] = [str(args.tree), str(args.tree / "tests")]
    from bench_receive import UN_XML, _urls, publish_for_bbb
    from coalition import build

    from fts_share.clock import utcnow
    from fts_share.services.unit import Work
    from fts_share.services.watchlist_import import import_un_file

    folder = Path(tempfile.mkdtemp(prefix=f"fts-bench-e2e-{args.backend}-"))
    c = build(folder, _urls(args.backend, folder, args.pg_admin),
              [("AAA", "member"), ("BBB", "member")], start=False)
    a, b = c["AAA"], c["BBB"]
    with b.node.store.transaction() as s:
        import_un_file(Work(s, utcnow(), b.node), UN_XML, actor="system")
    publish_for_bbb(a, args.envelopes)
    out = {"aaa": str(a.home), "bbb": str(b.home), "port": int(a.url.rsplit(":", 1)[1])}
    c.close()
    return out


def drive(args: argparse.Namespace) -> dict[str, Any]:
    """In a fresh child process: BBB polls AAA once; what it received and raised."""
    t_start = time.perf_counter()
    import click

    from fts_share.cli import cli
    cli.get_command(click.Context(cli), "poll")  # what the command loads before it runs

    from sqlalchemy import func, select  # (after: the command imports SQLAlchemy)

    from fts_share.services import running
    from fts_share.services.polling import Poller
    from fts_share.storage.models import Alert, ReceivedEnvelope

    node = running.open_node(Path(args.drive))
    node.config.federation.page_limit = 100
    threads = os.environ.get("FTS_BENCH_RECEIVE_THREADS")
    if threads is not None and hasattr(node.config.federation, "receive_threads"):
        node.config.federation.receive_threads = int(threads)  # --receive-threads
    cpu0, t0 = time.process_time(), time.perf_counter()
    with counted_as_the_command():
        if args.screen:
            running.poll_once(node)
        else:
            Poller(node).poll_all(force=True)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    with node.store.read() as s:
        got = int(s.scalar(select(func.count()).select_from(ReceivedEnvelope)))
        alerts = int(s.scalar(select(func.count()).select_from(Alert)))
    node.close()
    return {"wall_s": wall, "cpu_s": cpu, "received": got, "alerts": alerts,
            "startup_s": t0 - t_start}


def counted_as_the_command() -> AbstractContextManager[None]:
    """Count the timed poll as ``fts-share poll`` counts it on the tree under test: since
    session 22 it drops its metrics (``metrics.dropped_unless_shared``: prometheus-client
    is not loaded); a tree without it counts them as before."""
    from fts_share.services import metrics

    dropped = getattr(metrics, "dropped_unless_shared", None)
    return dropped() if dropped is not None else nullcontext()


def end_as_the_command() -> None:
    """End the timed child as ``fts-share poll`` ends on the tree under test: since
    session 20 without the interpreter's teardown (``fts_share.heap.end_process``, what
    ``fts_share.cli.run`` calls after ``poll``); a tree without it exits as before."""
    try:
        from fts_share.heap import end_process
    except ImportError:
        return
    end_process(0)


def _proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a running process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_ready(url: str, proc: subprocess.Popen[bytes], seconds: float = 60.0) -> None:
    import urllib.request  # (not in the timed child: the command does not load it)

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"the partner's server exited ({proc.returncode})")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the partner's server did not become ready")


def _child(tree: Path, argv: list[str]) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, *argv], env=_env(tree), capture_output=True,
                          text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{argv}: {proc.stderr[-3000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def run_one(tree: Path, backend: str, screening: bool, args: argparse.Namespace,
            pg_admin: str | None, envelopes: int | None = None) -> dict[str, Any]:
    """Set up, serve, time one poll in its own process; the figures."""
    me = str(Path(__file__).resolve())
    n = envelopes or args.envelopes
    homes = _child(tree, [me, "--setup", "--tree", str(tree), "--backend", backend,
                          "--envelopes", str(n)]
                   + (["--pg-admin", pg_admin] if pg_admin else []))
    if args.snapshot:
        subprocess.run([sys.executable, "-m", "fts_share", "index", "snapshot", homes["bbb"]],
                       env=_env(tree), cwd=tree, check=True, capture_output=True)
    # (in the tree: ``python -m`` puts the working folder before PYTHONPATH)
    server = subprocess.Popen([sys.executable, "-m", "fts_share", "serve", homes["aaa"],
                               "--no-poll", "--port", str(homes["port"])],
                              env=_env(tree), cwd=tree, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        _wait_ready(f"http://127.0.0.1:{homes['port']}", server)
        serve0 = _proc_cpu(server.pid)
        cmd = [sys.executable, me, "--drive", homes["bbb"]] + (["--screen"] if screening else [])
        t0 = time.perf_counter()
        child = subprocess.Popen(cmd, env=_env(tree), stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        _pid, status, usage = os.wait4(child.pid, 0)
        whole_wall = time.perf_counter() - t0
        serve_cpu = _proc_cpu(server.pid) - serve0
        out, err = child.stdout.read(), child.stderr.read()  # type: ignore[union-attr]
        if status != 0:
            raise RuntimeError(f"{cmd}: {err[-3000:]}")
        result = dict(json.loads(out.strip().splitlines()[-1]))
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(Path(homes["aaa"]).parent, ignore_errors=True)  # the homes (setup)
    if result["received"] != n:
        raise RuntimeError(f"received {result['received']} of {n}")
    result.update(tree=str(tree), backend=backend, screening=screening,
                  whole_wall_s=whole_wall, whole_cpu_s=usage.ru_utime + usage.ru_stime,
                  serve_cpu_s=serve_cpu, rate_cpu=n / result["cpu_s"],
                  whole_rate_cpu=n / (usage.ru_utime + usage.ru_stime),
                  rate_wall=n / result["wall_s"], whole_rate_wall=n / whole_wall)
    print(json.dumps(result), file=sys.stderr)
    return result


COLUMNS = [("wall_s", "poll wall s", ".2f"), ("cpu_s", "poll CPU s", ".2f"),
           ("rate_wall", "env/s (wall)", ".0f"), ("rate_cpu", "env per CPU-s", ".0f"),
           ("whole_wall_s", "whole process wall s", ".2f"),
           ("whole_cpu_s", "whole process CPU s", ".2f"),
           ("whole_rate_wall", "env/s, whole process", ".0f"),
           ("whole_rate_cpu", "env per CPU-s, whole process", ".0f"),
           ("serve_cpu_s", "partner's serving CPU s", ".2f"), ("alerts", "alerts", "d")]


def markdown(rows: list[dict[str, Any]], names: dict[str, str], command: str) -> str:
    """Medians per (store, screening, tree), with every round's figure in brackets."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()[0]
    out = ["# Receiving end to end (bench/bench_poll_e2e.py)", "", f"Command: `{command}`", "",
           f"Date: {now}; {os.cpu_count()} CPUs; load average at the end {load:.1f}.", "",
           "| store | screening | tree | " + " | ".join(c[1] for c in COLUMNS) + " |",
           "|---|---|---|" + "---:|" * len(COLUMNS)]
    keys = list(dict.fromkeys((r["backend"], r["screening"], r["tree"]) for r in rows))
    for backend, screening, tree in keys:
        group = [r for r in rows if (r["backend"], r["screening"], r["tree"])
                 == (backend, screening, tree)]
        cells = []
        for key, _label, fmt in COLUMNS:
            values = [r[key] for r in group]
            med = statistics.median(values)
            each = ", ".join(format(v, fmt) for v in values)
            cells.append(f"{format(type(values[0])(med), fmt)} ({each})")
        out.append(f"| {backend} | {'on' if screening else 'off'} | {names[tree]} | "
                   + " | ".join(cells) + " |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--envelopes", type=int, default=2000)
    ap.add_argument("--baseline", type=Path)
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--screening", choices=["both", "on", "off"], default="both")
    ap.add_argument("--snapshot", action="store_true")
    ap.add_argument("--write", type=Path)
    ap.add_argument("--receive-threads", type=int,
                    help="[federation] receive_threads of the polling node, on a tree that has it "
                         "(default: the tree's own default)")
    ap.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--drive", help=argparse.SUPPRESS)
    ap.add_argument("--screen", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--tree", type=Path, default=ROOT, help=argparse.SUPPRESS)
    ap.add_argument("--backend", default="sqlite", help=argparse.SUPPRESS)
    ap.add_argument("--pg-admin", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.receive_threads is not None:  # read by every timed child
        os.environ["FTS_BENCH_RECEIVE_THREADS"] = str(args.receive_threads)
    if args.setup:
        print(json.dumps(setup(args)))
        return 0
    if args.drive:
        print(json.dumps(drive(args)), flush=True)
        end_as_the_command()
        return 0
    command = "python3 bench/bench_poll_e2e.py " + " ".join(argv if argv is not None
                                                            else sys.argv[1:])
    trees = ([args.baseline.resolve()] if args.baseline else []) + [ROOT]
    names = {str(t): ("baseline" if t != ROOT else "this tree") for t in trees}
    modes = {"both": (False, True), "on": (True,), "off": (False,)}[args.screening]
    sys.path.insert(0, str(ROOT / "tests"))
    import pg_server

    pg = pg_server.start() if "postgresql" in args.backends else None
    rows: list[dict[str, Any]] = []
    try:
        for backend in args.backends.split(","):
            admin = pg.url("postgres") if backend == "postgresql" and pg else None
            for tree in trees:  # numba compiles a fresh tree's kernels once: not timed
                run_one(tree, backend, True, args, admin, envelopes=20)
            for _ in range(args.rounds):
                for screening in modes:
                    for tree in trees:
                        rows.append(run_one(tree, backend, screening, args, admin))
    finally:
        if pg is not None:
            pg.stop()
    text = markdown(rows, names, command.strip())
    print(text)
    if args.write:
        args.write.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
