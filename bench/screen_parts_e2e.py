"""Where a screening poll's CPU goes, as deployed: ``screen_parts.py``'s thread-CPU
accumulators (and its collector timing by generation) around one ``running.poll_once``
of a fresh node process, the partner serving from a process of its own
(``bench_poll_e2e.py``'s setting: the node's home has no index snapshot, so the poll
builds the UN list's index with a cold analysis cache).

    python3 bench/screen_parts_e2e.py TREE [--envelopes 2000] [--backend postgresql]
                                           [--snapshot]

``--snapshot``: the home's index snapshot is written first (``fts-share index snapshot``),
so the poll maps it and replays the page's subjects into its overlay, as every poll
after a node's first does.

Prints one JSON line: the poll's process CPU (``cpu_s``), ``parts`` (CPU seconds of the
polling thread inside each part; the poll runs in the calling thread here), ``gc``
(CPU seconds of collections during the poll, by generation, and their number) and
``kernels`` (CPU seconds of numba's ``Dispatcher.compile`` per kernel: with a warm
cache, the load of its compiled code, the first carrying numba's own set-up).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def drive(tree: str, home: str) -> None:
    """In the node's process: instrument, poll once, print the figures."""
    sys.path[:0] = [tree, tree + "/tests", str(HERE)]
    import bench_receive
    import screen_parts as sp

    from fts_share.services import polling, running
    polling.ThreadPoolExecutor = bench_receive._Inline  # type: ignore[attr-defined,misc]
    t = time.thread_time()
    import numba  # noqa: F401 - (its import timed here: the poll would import it)
    numba_import = time.thread_time() - t
    sp.instrument()
    kernels = _count_kernel_loads()
    node = running.open_node(Path(home))
    node.config.federation.page_limit = 100
    cpu0 = time.process_time()
    running.poll_once(node)
    cpu = time.process_time() - cpu0
    node.close()
    print(json.dumps({"cpu_s": round(cpu, 3),
                      "parts": {k.strip(): round(v, 3) for k, v in sp.ACC.items()},
                      "gc": {"cpu_s": {g: round(t, 3) for g, t in sp.GC["t"].items()},
                             "collections": sp.GC["n"]},
                      "numba_import_s": round(numba_import, 3),
                      "kernels": {k: round(v, 4) for k, v in kernels.items()}}))


def _count_kernel_loads() -> dict[str, float]:
    """CPU seconds of numba's ``Dispatcher.compile`` per kernel (filled as the poll runs):
    with a warm cache, the load of its compiled code (the first carrying numba's own
    set-up)."""
    from numba.core.dispatcher import Dispatcher

    spent: dict[str, float] = {}
    compile_ = Dispatcher.compile

    def counted(self: Any, sig: Any) -> Any:
        t = time.thread_time()
        try:
            return compile_(self, sig)
        finally:
            name = self.py_func.__name__
            spent[name] = spent.get(name, 0.0) + time.thread_time() - t
    Dispatcher.compile = counted  # type: ignore[method-assign]
    return spent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tree")
    ap.add_argument("--envelopes", type=int, default=2000)
    ap.add_argument("--backend", default="sqlite", choices=("sqlite", "postgresql"))
    ap.add_argument("--snapshot", action="store_true")
    ap.add_argument("--drive", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.drive:
        drive(args.tree, args.drive)
        return
    sys.path[:0] = [str(HERE)]
    import bench_poll_e2e as e2e
    tree = Path(args.tree).resolve()
    env = e2e._env(tree)
    pg = None
    if args.backend == "postgresql":
        sys.path.insert(0, str(tree / "tests"))
        import pg_server
        pg = pg_server.start()
    try:
        result = _measure(args, tree, env, pg.url("postgres") if pg else None)
    finally:
        if pg is not None:
            pg.stop()
    print(json.dumps({"tree": str(tree), "backend": args.backend,
                      "snapshot": args.snapshot, **result}))


def _measure(args: argparse.Namespace, tree: Path, env: dict[str, str],
             pg_admin: str | None) -> dict[str, Any]:
    import bench_poll_e2e as e2e
    homes = e2e._child(tree, [str(HERE / "bench_poll_e2e.py"), "--setup", "--tree", str(tree),
                              "--backend", args.backend, "--envelopes", str(args.envelopes)]
                       + (["--pg-admin", pg_admin] if pg_admin else []))
    if args.snapshot:
        subprocess.run([sys.executable, "-m", "fts_share", "index", "snapshot", homes["bbb"]],
                       env=env, cwd=tree, check=True, capture_output=True)
    server = subprocess.Popen([sys.executable, "-m", "fts_share", "serve", homes["aaa"],
                               "--no-poll", "--port", str(homes["port"])], env=env, cwd=tree,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        e2e._wait_ready(f"http://127.0.0.1:{homes['port']}", server)
        out = subprocess.run([sys.executable, __file__, str(tree), "--drive", homes["bbb"]],
                             env=env, capture_output=True, text=True, check=True)
        result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(Path(homes["aaa"]).parent, ignore_errors=True)
    return result


if __name__ == "__main__":
    main()
