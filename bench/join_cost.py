"""What reading a name with two words joined costs (issue 16, item 3, session 22): the
CPU of building an index of every listed name and of searching it, per source tree,
alternating trees over rounds, each run in a process of its own.

    python3 bench/join_cost.py --trees /work/wt/join-base,/work/wt/join --rounds 3

Queries: every Latin and Arabic name of the people of folds 0-3 (fold 4 is never
read), searched at the default threshold and at 0.0 (as the precision benches do),
limit 10. Prints per tree the median process CPU seconds of the build, of each
search pass, the names filed (readings included) and the hits found.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def worker(data: Path) -> dict[str, float]:
    """One tree (first on ``sys.path``): build, then search twice."""
    sys.path.insert(0, str(ROOT / "bench"))
    import bench_precision as bp

    from fts_share.errors import ValidationError
    from fts_share.matching import NameIndex
    people = bp.load_people(data)
    idx, t0 = NameIndex(), time.process_time()
    with idx.adding_many():
        for p in people:
            try:
                idx.add(p["ref"], p["latin"] + p["arabic"])
            except ValidationError:
                pass
    idx.arrays()
    out: dict[str, float] = {"build": time.process_time() - t0,
                             "names": float(len(idx.names.analysis))}
    queries = [n for p in people if bp.fold_of(p["ref"]) < bp.TEST_FOLD
               for n in p["latin"] + p["arabic"]]
    for label, threshold in (("search", None), ("search@0", 0.0)):
        t0, hits = time.process_time(), 0
        for q in queries:
            try:
                hits += len(idx.search(q, limit=10, threshold=threshold))
            except ValidationError:
                pass
        out[label] = time.process_time() - t0
        out[label + " hits"] = float(hits)
    out["queries"] = float(len(queries))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trees", required=True, help="comma-separated source trees")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker)))
        return 0
    trees = args.trees.split(",")
    runs: dict[str, list[dict[str, float]]] = {t: [] for t in trees}
    for _ in range(args.rounds):
        for tree in trees:
            proc = subprocess.run(
                [sys.executable, __file__, "--trees", tree, "--worker", str(args.data)],
                capture_output=True, text=True, check=True,
                env={**os.environ, "PYTHONPATH": tree})
            runs[tree].append(json.loads(proc.stdout))
    print(f"load {os.getloadavg()[0]:.1f}; medians of {args.rounds} rounds (process CPU s)")
    for tree, rs in runs.items():
        med = {k: statistics.median(r[k] for r in rs) for k in rs[0]}
        print(tree, json.dumps({k: round(v, 3) for k, v in med.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
