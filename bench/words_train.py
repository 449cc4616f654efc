"""Word top-1 on a sample of the ar2en *train* split (issue 16): for deciding bridge
changes without reading the eval split that the precision report measures.

    python3 bench/words_train.py --data ../shared/data --engine . --engine /tmp/base

Each Arabic word of a deterministic sample of train pairs (2,000 distinct words) is
ranked against every Latin target of the sample; top-1 is the share whose first
candidate is one of the word's targets. Each engine runs in its own process.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import bench_precision as bp


def tasks(data: Path, n: int = 2000) -> dict:
    """The sampled train words as a ``bench_precision`` task."""
    pairs = [line.split("\t") for line in (data / "ar2en" / "ar2en-train.txt")
             .read_text("utf-8").splitlines() if line.count("\t") == 1]
    valid: dict[str, set[str]] = {}
    for ar, en in pairs:
        valid.setdefault(ar.strip(), set()).add(en.strip().lower())
    words = sorted(valid, key=lambda w: hashlib.sha256(w.encode()).hexdigest())[:n]
    candidates = sorted({en for w in words for en in valid[w]})
    queries = [{"name": w, "target": sorted(valid[w])} for w in words]
    return {"words": ([{"id": c, "names": [c]} for c in candidates], queries, 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--engine", type=Path, action="append", required=True)
    args = ap.parse_args()
    task = tasks(args.data)
    for engine in args.engine:
        run = bp.run_engine(engine.resolve(), {}, task)
        print(engine, bp.figures(task, run, run["words"]["threshold"]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
