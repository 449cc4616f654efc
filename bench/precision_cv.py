"""Cross-validated curve of recall@10 and false alarms on folds 0-3 only (issue 16,
item 3), several engines in one run, each fold scored with reference frequencies that
counted neither its people nor fold 4's (``bench_precision.fold_references``).

    python3 bench/precision_cv.py --data ../shared/data --engine . --engine /tmp/base \\
        [--options '{"threshold": 0.66}'] [--misses /tmp/misses.json]

Prints, per engine and threshold: pooled recall@10 over every listed-person query,
false alarms on people left out (names only, and with date of birth and nationality),
and recall by task. Fold 4 is never read.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import bench_precision as bp

THRESHOLDS = [round(0.56 + 0.01 * i, 2) for i in range(23)]


def curve(merged: dict[str, Any], run: dict[str, Any]) -> list[dict[str, float]]:
    """Per threshold: pooled recall@10, false alarms (names only, with evidence)."""
    rows = []
    for thr in THRESHOLDS:
        figs = bp.figures(merged, run, thr)
        pos = [(m["r@10"], m["n"]) for m in figs.values() if "r@10" in m]
        rec = sum(r * n for r, n in pos) / sum(n for _, n in pos)
        row = {"threshold": thr, "recall10": rec}
        for kind in ("left-out", "left-out+dob"):
            ms = [m for k, m in figs.items() if k.endswith(":" + kind)]
            row[kind] = sum(m["fa"] * m["n"] for m in ms) / sum(m["n"] for m in ms)
        for kind in ("ar->lat", "lat->ar", "alias", "alias+dob", "ar-alias"):
            ms = [m for k, m in figs.items() if k.endswith(":" + kind)]
            row[kind] = sum(m["r@10"] * m["n"] for m in ms) / sum(m["n"] for m in ms)
        row["fa"] = (row["left-out"] + row["left-out+dob"]) / 2
        rows.append(row)
    return rows


def references(engine: Path, data: Path, out: Path) -> list[Path]:
    """``bench_precision.fold_references`` made by ``engine``'s own analysis (its part
    keys), in a process of its own."""
    out.mkdir(parents=True)
    code = ("import sys; from pathlib import Path; sys.path[:0] = [sys.argv[1], "
            "sys.argv[1] + '/bench']; import bench_precision as bp; "
            "print('\\n'.join(map(str, bp.fold_references(Path(sys.argv[2]), "
            "Path(sys.argv[3])))))")
    proc = subprocess.run([sys.executable, "-c", code, str(engine), str(data), str(out)],
                          capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(engine)})
    return [Path(line) for line in proc.stdout.split()]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--engine", type=Path, action="append", required=True)
    ap.add_argument("--options", type=json.loads, default={})
    ap.add_argument("--misses", type=Path, help="write each engine's raw results here")
    args = ap.parse_args()
    people = bp.load_people(args.data)
    merged = {f"{f}:{k}": v for f in range(bp.TEST_FOLD) for k, v in bp.split_tasks(
        people, {p["ref"] for p in people if bp.fold_of(p["ref"]) == f}).items()}
    raw = {}
    with tempfile.TemporaryDirectory() as tmp:
        for e, engine in enumerate(args.engine):
            refs = references(engine.resolve(), args.data, Path(tmp) / str(e))
            run = bp.run_folds(engine.resolve(), args.options, merged, refs)
            raw[str(engine)] = run
            print(f"\n{engine} {args.options or ''}")
            print("| thr | recall@10 | FA names | FA +dob | ar->lat | lat->ar | alias "
                  "| alias+dob | ar-alias |")
            for r in curve(merged, run):
                print(f"| {r['threshold']:.2f} | {r['recall10']:.3f} | {r['left-out']:.3f} "
                      f"| {r['left-out+dob']:.3f} | {r['ar->lat']:.3f} | {r['lat->ar']:.3f} "
                      f"| {r['alias']:.3f} | {r['alias+dob']:.3f} | {r['ar-alias']:.3f} |",
                      flush=True)
    if args.misses:
        args.misses.write_text(json.dumps({"tasks": {k: v[1] for k, v in merged.items()},
                                           "runs": raw}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
