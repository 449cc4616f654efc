"""Worker start: from process start to an index ready to search, at N names.

    python3 bench/bench_workerstart.py --names 1000000 [--json out.json]
    python3 bench/bench_workerstart.py --names 100000 --qps 2000

Names are the synthetic names of ``bench/matching/scale.py`` (real UN and ar2en name
words recombined, seed 1). This process builds the index once (the *build* figure:
what a worker does today, from records already in memory; a worker reading the
database rows also pays for reading them), saves it in the old file format
(``NameIndex.save``) and as a mapped snapshot (``write_mapped``). Then, each in a
fresh interpreter, timed from before the interpreter starts until the index is
ready:

* ``persist``: ``NameIndex.load`` of the old file;
* ``mapped``: ``MappedIndex.open`` of the snapshot, then one search;

each split into interpreter start and imports, the load itself, and the first
search (which loads the compiled loops from numba's cache);

and two processes that map the same snapshot at once and answer 200 queries each:
their RSS and PSS, shared and private memory (``/proc/<pid>/smaps_rollup``).
With ``--qps Q``: queries per second (CPU time, one thread) of the in-memory index and
of the mapped snapshot on the same Q queries, alternating passes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench" / "matching"))
sys.path.insert(0, str(ROOT))

from scale import respell, synth  # type: ignore[import-not-found]

CHILD = """
import sys, time, json
t0 = float(sys.argv[3])
mode, path = sys.argv[1], sys.argv[2]
from fts_share.matching import MappedIndex, NameIndex
t1 = time.time()
idx = NameIndex.load(path) if mode == "persist" else MappedIndex.open(path)
t2 = time.time()
idx.search("Muhammad Abdallah")
ready = time.time() - t0
queries = json.loads(sys.stdin.readline())
for q in queries:
    idx.search(q)
print(json.dumps({"ready_s": round(ready, 2), "start_and_import_s": round(t1 - t0, 2),
                  "load_s": round(t2 - t1, 3), "first_search_s": round(ready - (t2 - t0), 2)}),
      flush=True)
sys.stdin.readline()
"""


def memory(pid: int) -> dict[str, int]:
    """kB figures of ``/proc/<pid>/smaps_rollup``."""
    out = {}
    with open(f"/proc/{pid}/smaps_rollup") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                out[parts[0].rstrip(":")] = int(parts[1])
    return out


def start(mode: str, path: Path, queries: list[str]) -> subprocess.Popen[str]:
    """A child process loading ``path`` (``mode``) and answering ``queries``."""
    proc = subprocess.Popen([sys.executable, "-c", CHILD, mode, str(path), repr(time.time())],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(queries) + "\n")
    proc.stdin.flush()
    return proc


def finish(*procs: subprocess.Popen[str]) -> list[dict]:
    """Each child's report and memory (read while all are alive), then let them exit."""
    reports = []
    for proc in procs:
        assert proc.stdout is not None
        reports.append(json.loads(proc.stdout.readline()))
    for proc, report in zip(procs, reports):
        mem = memory(proc.pid)
        report.update({k: round(mem.get(k, 0) / 1024, 1) for k in (
            "Rss", "Pss", "Shared_Clean", "Private_Clean", "Private_Dirty")})
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("\n")
        proc.stdin.flush()
        proc.wait()
    return reports


def qps(idx: object, queries: list[str]) -> float:
    """Queries per CPU second of one pass."""
    t0 = time.thread_time()
    for q in queries:
        idx.search(q)  # type: ignore[attr-defined]
    return len(queries) / (time.thread_time() - t0)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--names", type=int, default=100_000)
    ap.add_argument("--qps", type=int, default=0, help="queries for the q/s comparison")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    from fts_share.errors import ValidationError
    from fts_share.matching import MappedIndex, NameIndex, write_mapped
    names, lex = synth(args.data, args.names)
    rng = random.Random(2)
    queries = [respell(toks, script, lex, rng)
               for _, _, toks, script in rng.sample(names, 200 + args.qps)]
    out: dict = {"names": args.names}
    t0 = time.perf_counter()
    idx = NameIndex()
    for rid, name, _, _ in names:
        try:
            idx.add(rid, name)
        except ValidationError:
            pass
    idx.search("Muhammad Abdallah")
    out["build_s"] = round(time.perf_counter() - t0, 1)
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        old, snap = Path(tmp) / "index.fts", Path(tmp) / "index.snap"
        t0 = time.perf_counter()
        idx.save(str(old))
        out["persist_save_s"] = round(time.perf_counter() - t0, 1)
        t0 = time.perf_counter()
        write_mapped(idx, str(snap), sequence=1)
        out["mapped_write_s"] = round(time.perf_counter() - t0, 1)
        out["persist_mb"] = round(old.stat().st_size / 2**20, 1)
        out["mapped_mb"] = round(snap.stat().st_size / 2**20, 1)
        if args.qps:
            mapped = MappedIndex.open(str(snap))
            qs = queries[200:]
            assert all(idx.search(q) == mapped.search(q) for q in qs[:200])
            runs = {"memory": [], "mapped": []}  # type: dict[str, list[float]]
            for _ in range(3):
                runs["memory"].append(qps(idx, qs))
                runs["mapped"].append(qps(mapped, qs))
            out["qps"] = {k: round(max(v)) for k, v in runs.items()}
            del mapped
        del idx
        out["persist"] = finish(start("persist", old, queries[:200]))[0]
        out["mapped"] = finish(start("mapped", snap, queries[:200]))[0]
        out["two_mapped"] = finish(*(start("mapped", snap, queries[:200]) for _ in range(2)))
    print(json.dumps(out, indent=1))
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
