"""The start-up cost of ``fts-share poll``: the whole process, part by part, beside a
baseline tree, in the same run (trees alternate; medians of CPU seconds).

    python3 bench/bench_startup.py --baseline /work/wt/startup-base [--rounds 5]
                                   [--envelopes 2000] [--write FILE]

The setting of ``bench/bench_poll_e2e.py`` on SQLite: the partner AAA serves from a
process of its own (``fts-share serve --no-poll``); the node BBB holds the UN list and
has ``--envelopes`` notices waiting. The homes are set up once (with this tree) and
BBB's database (and ``index/`` folder) restored before each run, so every tree does
the very same work. Each tree first polls once untimed with and without a snapshot
(numba compiles a fresh checkout's kernels into its cache at their first use).

Timed, each in a fresh process, CPU (user + system) from ``wait4``:

* ``fts-share --help``;
* ``fts-share poll BBB`` with nothing to receive (every envelope already held);
* ``--parts`` children: the command's imports, opening the node, the UN list's index
  (built from the store without a snapshot, mapped with one: the snapshot that
  ``fts-share index snapshot`` writes), the first search (numba's kernels loaded from
  its cache), the poll of the waiting envelopes, closing, and the exit (the whole
  process's CPU less the parts'; the child ends as ``fts-share poll`` ends on its
  tree), from ``getrusage`` at each step.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
BENCH = str(ROOT / "bench")
sys.path.insert(0, BENCH)
from bench_poll_e2e import _env, _wait_ready, end_as_the_command

PARTS = ["interpreter", "imports (fts_share.cli, the poll command)", "open the node",
         "index: build or map", "first search (numba cache loads)", "poll",
         "close the node", "exit"]


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def parts(home: Path) -> list[float]:
    """In a fresh child: CPU seconds at each step of what ``fts-share poll`` runs."""
    marks = [_cpu()]
    import click

    from fts_share.cli import cli
    cli.get_command(click.Context(cli), "poll")  # the command's module, as on use
    marks.append(_cpu())
    from fts_share.clock import utcnow
    from fts_share.services import running
    from fts_share.services.screening import current_index
    from fts_share.services.unit import unit_of_work
    node = running.open_node(home)
    marks.append(_cpu())
    with unit_of_work(node, utcnow()) as work:
        index = current_index(work)
    marks.append(_cpu())
    index.search_many([{"name": "Mohammed Ali Hassan"}], limit=5)
    marks.append(_cpu())
    rows = running.poll_once(node)
    marks.append(_cpu())
    node.close()
    marks.append(_cpu())
    assert sum(r["received"] for r in rows) > 0, rows
    return [b - a for a, b in zip([0.0, *marks], marks, strict=False)] + [
        float(index.mapped_from is not None)]


def _whole(tree: Path, argv: list[str]) -> tuple[float, str]:
    """CPU seconds of a fresh process (``wait4``) and its standard output. It runs in
    ``tree`` (``python -m`` puts the working folder before ``PYTHONPATH``)."""
    child = subprocess.Popen([PY, *argv], env=_env(tree), cwd=tree, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    _pid, status, usage = os.wait4(child.pid, 0)
    out, err = child.stdout.read(), child.stderr.read()  # type: ignore[union-attr]
    if status != 0:
        raise RuntimeError(f"{argv}: {err[-3000:]}")
    return usage.ru_utime + usage.ru_stime, out


class Homes:
    """The two homes and the saved states of BBB's database and index folder."""

    def __init__(self, homes: dict[str, Any]) -> None:
        self.aaa, self.bbb = Path(homes["aaa"]), Path(homes["bbb"])
        self.port = int(homes["port"])
        url = tomllib.loads((self.bbb / "config.toml").read_text())["node"]["database_url"]
        self.db = Path(url.removeprefix("sqlite:///"))
        self.index = self.bbb / "index"

    def save(self, name: str) -> None:
        """Keep the database (with its write-ahead log: a process that does not close
        the node leaves its last commits there) and the index folder as ``name``."""
        for suffix in ("", "-wal"):
            Path(f"{self.db}{suffix}.{name}").unlink(missing_ok=True)
            if Path(f"{self.db}{suffix}").exists():
                shutil.copyfile(f"{self.db}{suffix}", f"{self.db}{suffix}.{name}")
        shutil.rmtree(f"{self.index}.{name}", ignore_errors=True)
        if self.index.exists():
            shutil.copytree(self.index, f"{self.index}.{name}")

    def restore(self, name: str) -> None:
        """Back to the state saved as ``name``."""
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.db}{suffix}").unlink(missing_ok=True)
            if Path(f"{self.db}{suffix}.{name}").exists():
                shutil.copyfile(f"{self.db}{suffix}.{name}", f"{self.db}{suffix}")
        shutil.rmtree(self.index, ignore_errors=True)
        if Path(f"{self.index}.{name}").exists():
            shutil.copytree(f"{self.index}.{name}", self.index)


def prepare(args: argparse.Namespace) -> Homes:
    """Set up once; the states "pending" (no snapshot), "snapshot" and "polled"."""
    out = subprocess.run([PY, str(ROOT / "bench" / "bench_poll_e2e.py"), "--setup",
                          "--tree", str(ROOT), "--backend", "sqlite", "--envelopes",
                          str(args.envelopes)], env=_env(ROOT), capture_output=True,
                         text=True, check=True)
    homes = Homes(json.loads(out.stdout.strip().splitlines()[-1]))
    shutil.rmtree(homes.index, ignore_errors=True)
    homes.save("pending")
    subprocess.run([PY, "-m", "fts_share", "index", "snapshot", str(homes.bbb)],
                   env=_env(ROOT), cwd=ROOT, check=True, capture_output=True)
    homes.save("snapshot")
    return homes


def run(args: argparse.Namespace) -> dict[str, Any]:
    homes = prepare(args)
    server = subprocess.Popen([PY, "-m", "fts_share", "serve", str(homes.aaa), "--no-poll",
                               "--port", str(homes.port)], env=_env(ROOT), cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    trees = [args.baseline.resolve(), ROOT]
    me = str(Path(__file__).resolve())
    rows: dict[str, dict[str, list[Any]]] = {str(t): {} for t in trees}

    def add(tree: Path, key: str, value: Any) -> None:
        rows[str(tree)].setdefault(key, []).append(value)

    def poll_parts(tree: Path, state: str) -> list[float]:
        homes.restore(state)
        cpu, out = _whole(tree, [me, "--parts", str(homes.bbb)])
        found = json.loads(out.strip().splitlines()[-1])
        return [*found[:-1], cpu - sum(found[:-1]), cpu, found[-1]]

    try:
        _wait_ready(f"http://127.0.0.1:{homes.port}", server)
        for tree in trees:  # numba's cache for each tree, both paths; not timed
            poll_parts(tree, "pending")
            poll_parts(tree, "snapshot")
        homes.restore("pending")
        _whole(ROOT, ["-m", "fts_share", "poll", str(homes.bbb)])
        homes.save("polled")
        for _ in range(args.rounds):
            for tree in trees:
                add(tree, "help", _whole(tree, ["-m", "fts_share", "--help"])[0])
                homes.restore("polled")
                add(tree, "idle poll", _whole(tree, ["-m", "fts_share", "poll",
                                                     str(homes.bbb)])[0])
                add(tree, "built", poll_parts(tree, "pending"))
                add(tree, "mapped", poll_parts(tree, "snapshot"))
                print(json.dumps({k: v[-1] for k, v in rows[str(tree)].items()}),
                      file=sys.stderr)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(homes.bbb.parent, ignore_errors=True)
    return {"trees": [str(t) for t in trees], "rows": rows, "envelopes": args.envelopes}


def markdown(result: dict[str, Any], command: str) -> str:
    """Medians (every round in brackets), baseline beside this tree."""
    base, this = (result["rows"][t] for t in result["trees"])

    def med(v: list[float]) -> str:
        return f"{statistics.median(v):.3f} ({', '.join(f'{x:.2f}' for x in v)})"

    out = [f"Command: `{command}`", "",
           (f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPUs; load "
            f"average at the end {os.getloadavg()[0]:.1f}; {result['envelopes']} envelopes "
            "waiting."), "",
           "| CPU seconds (median, rounds) | baseline | this tree |", "|---|---:|---:|"]
    for key, label in (("help", "`fts-share --help`, whole process"),
                       ("idle poll", "`fts-share poll`, nothing to receive, whole process")):
        out.append(f"| {label} | {med(base[key])} | {med(this[key])} |")
    for key in ("built", "mapped"):
        for i, label in enumerate([*PARTS, "whole process"]):
            b = [r[i] for r in base[key]]
            t = [r[i] for r in this[key]]
            out.append(f"| {key}: {label} | {med(b)} | {med(t)} |")
        rate = [result["envelopes"] / r[len(PARTS)] for r in this[key]]
        brate = [result["envelopes"] / r[len(PARTS)] for r in base[key]]
        out.append(f"| {key}: envelopes per CPU-s of the whole process | "
                   f"{statistics.median(brate):.0f} | {statistics.median(rate):.0f} |")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", type=Path)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--envelopes", type=int, default=2000)
    ap.add_argument("--write", type=Path)
    ap.add_argument("--parts", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.parts:
        print(json.dumps(parts(args.parts)), flush=True)
        end_as_the_command()
        return 0
    if args.baseline is None:
        ap.error("--baseline is required")
    started = time.time()
    result = run(args)
    text = markdown(result, "python3 bench/bench_startup.py " + " ".join(sys.argv[1:]))
    text += f"\n\nRun took {time.time() - started:.0f} s wall."
    print(text)
    if args.write:
        args.write.write_text(text + "\n" + json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
