"""Where a screening poll's CPU goes, as deployed: ``screen_parts.py``'s thread-CPU
accumulators (and its collector timing by generation) around one ``running.poll_once``
of a fresh node process, the partner serving from a process of its own
(``bench_poll_e2e.py``'s setting: the node's home has no index snapshot, so the poll
builds the UN list's index with a cold analysis cache).

    python3 bench/screen_parts_e2e.py TREE [--envelopes 2000]        # SQLite

Prints one JSON line: the poll's process CPU (``cpu_s``), ``parts`` (CPU seconds of the
polling thread inside each part; the poll runs in the calling thread here) and ``gc``
(CPU seconds of collections during the poll, by generation, and their number).
"""

from __future__ import annotations

import argparse
import json
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
    sp.instrument()
    node = running.open_node(Path(home))
    node.config.federation.page_limit = 100
    cpu0 = time.process_time()
    running.poll_once(node)
    cpu = time.process_time() - cpu0
    node.close()
    print(json.dumps({"cpu_s": round(cpu, 3),
                      "parts": {k.strip(): round(v, 3) for k, v in sp.ACC.items()},
                      "gc": {"cpu_s": {g: round(t, 3) for g, t in sp.GC["t"].items()},
                             "collections": sp.GC["n"]}}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tree")
    ap.add_argument("--envelopes", type=int, default=2000)
    ap.add_argument("--drive", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.drive:
        drive(args.tree, args.drive)
        return
    sys.path[:0] = [str(HERE)]
    import bench_poll_e2e as e2e
    tree = Path(args.tree).resolve()
    env = e2e._env(tree)
    homes = e2e._child(tree, [str(HERE / "bench_poll_e2e.py"), "--setup", "--tree", str(tree),
                              "--backend", "sqlite", "--envelopes", str(args.envelopes)])
    server = subprocess.Popen([sys.executable, "-m", "fts_share", "serve", homes["aaa"],
                               "--no-poll", "--port", str(homes["port"])], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        e2e._wait_ready(f"http://127.0.0.1:{homes['port']}", server)
        out = subprocess.run([sys.executable, __file__, str(tree), "--drive", homes["bbb"]],
                             env=env, capture_output=True, text=True, check=True)
        result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(json.dumps({"tree": str(tree), **result}))


if __name__ == "__main__":
    main()
