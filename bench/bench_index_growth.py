"""What a page of received subjects costs the name index: the UN list indexed, then
``--subjects`` notice subjects (``bench_receive.subjects``: names recombined from the
list's tokens) added in pages of 100, the index's numpy snapshot brought up to date
after each page (``NameIndex.arrays()``, as the first search of a page does). Each
tree runs in a fresh process, trees alternating, ``--rounds`` times; reported: CPU
seconds of the page snapshots (sum over the pages, median of the rounds) and a
digest of the final arrays (the same on both trees: the same snapshot).

    python3 bench/bench_index_growth.py [--subjects 2000] [--baseline /tmp/base]
                                        [--rounds 3]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIELDS = ("part_group", "part_weight", "part_given", "name_start", "name_len", "flat_pids",
          "flat_groups", "flat_weights", "post_len", "fat_start", "fat")


def worker(tree: Path, n: int) -> dict[str, Any]:
    """Index the UN list, add ``n`` subjects a page at a time; time the snapshots."""
    sys.path[:0] = [str(tree), str(tree / "bench")]
    import bench_receive as br  # the traffic of bench_receive

    from fts_share.errors import FtsError
    from fts_share.matching import NameIndex
    from fts_share.watchlist.un_xml import parse_un_xml

    idx = NameIndex()
    for e in parse_un_xml(br.UN_XML.read_bytes()).entries:
        names = [x for x in [e.name, e.name_original_script, *[a.name for a in e.aliases]]
                 if x]
        with contextlib.suppress(FtsError):  # a record the engine refuses is left out
            idx.add(e.reference, names)
    idx.arrays()
    subs = br.subjects(n)
    cpu = 0.0
    for p in range(0, len(subs), 100):
        for i, s in enumerate(subs[p:p + 100]):
            with contextlib.suppress(FtsError):  # (a name the engine cannot read)
                idx.add(f"s{p + i}", [x["full"] for x in s["names"]],
                        dob=s["dob"]["value"], nationality=s["nationalities"])
        c = time.process_time()
        idx.arrays()
        cpu += time.process_time() - c
    arrays = idx.arrays()
    digest = hashlib.sha256()
    for f in FIELDS:
        digest.update(getattr(arrays, f).tobytes())
    return {"tree": str(tree), "names": idx.name_count, "pages": (n + 99) // 100,
            "snapshot_cpu_s": cpu, "digest": digest.hexdigest()[:16]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--subjects", type=int, default=2000)
    ap.add_argument("--baseline", type=Path)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.subjects)))
        return 0
    trees = ([args.baseline] if args.baseline else []) + [ROOT]
    runs: dict[str, list[dict[str, Any]]] = {str(t): [] for t in trees}
    for _ in range(args.rounds):
        for tree in trees:
            out = subprocess.run([sys.executable, __file__, "--worker", str(tree),
                                  "--subjects", str(args.subjects)],
                                 capture_output=True, text=True, check=True)
            row = json.loads(out.stdout.strip().splitlines()[-1])
            print(json.dumps(row), file=sys.stderr)
            runs[str(tree)].append(row)
    print("| tree | names | pages | snapshot CPU-s, median (rounds) | arrays digest |")
    print("|---|---:|---:|---|---|")
    for tree, rows in runs.items():
        cpu = [r["snapshot_cpu_s"] for r in rows]
        label = "baseline" if args.baseline and tree == str(args.baseline) else "this tree"
        print(f"| {label} | {rows[0]['names']} | {rows[0]['pages']} | "
              f"{statistics.median(cpu):.3f} ({', '.join(f'{c:.3f}' for c in cpu)}) | "
              f"{rows[0]['digest']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
