"""Benchmark of cross-script name matching: fts-share bridge-v1 vs two baselines.

    python3 bench/bench_matching.py                 # quality, all systems, one run
    python3 bench/bench_matching.py --scale 1000000 # + the 1M-name speed/memory bench
    python3 bench/bench_matching.py --scale-only --scale 1000000 --base /tmp/match-base

Reads ../shared/data relative to the repository (override with --data) and stops
with a clear message when it is absent. Systems, in the same run:

* ``fts-share``: ``NameIndex`` (candidate generation + bridge-v1), default threshold;
* ``base`` (with ``--base DIR``): the engine of another source tree, e.g. main's,
  in its own process on the same tasks, at its own default threshold;
* ``naive``: anyascii folding + rapidfuzz token_sort_ratio >= 85 against every record;
* ``nomenklatura``: OpenSanctions logic-v2 >= 0.7 against every record, each query its
  own entity id, run by ``bench/matching/nk_worker.py`` in the virtualenv given by
  --nk-python (default /work/venv-nk/bin/python; ``pip install nomenklatura``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from anyascii import anyascii
from matching import datasets
from rapidfuzz import fuzz, process

from fts_share.errors import ValidationError
from fts_share.matching import NameIndex

Result = list[list[tuple[str, float]]]


def run_ours(records: list[dict], queries: list[dict], threshold: float | None = None,
             limit: int = 10) -> tuple[Result, float]:
    idx = NameIndex()
    for r in records:
        try:
            idx.add(r["id"], r["names"], skip_invalid_names=True)
        except ValidationError:  # a candidate word that is a particle ("al", "abu")
            pass
    t0 = time.perf_counter()
    out: Result = []
    for q in queries:
        try:
            hits = idx.search(q["name"], limit=limit, threshold=threshold)
        except ValidationError:  # e.g. a bare title: no name to search
            hits = []
        out.append([(h.record_id, h.score) for h in hits])
    return out, time.perf_counter() - t0


def run_base(base: Path, records: list[dict], queries: list[dict], limit: int = 10
             ) -> tuple[Result, float]:
    """The engine of the source tree ``base`` (``--base``) on the same task, in its own
    process (``bench_precision.worker``), at its own default threshold (or 0 for
    ``limit=1``, the word task)."""
    from bench_precision import run_engine
    out = run_engine(base, {}, {"t": (records, queries, limit)})["t"]
    cut = 0.0 if limit == 1 else out["threshold"]
    res = [[(i, s) for i, s in r if s >= cut] for r in out["results"]]
    return res, out["seconds"]


def _fold(text: str) -> str:
    return " ".join(anyascii(text).lower().replace("-", " ").split())


def run_naive(records: list[dict], queries: list[dict], threshold: float = 85,
              limit: int = 10, scorer=fuzz.token_sort_ratio) -> tuple[Result, float]:
    flat = [(r["id"], _fold(n)) for r in records for n in r["names"]]
    choices = [n for _, n in flat]
    t0 = time.perf_counter()
    out: Result = []
    for q in queries:
        best: dict[str, float] = {}
        for _, score, i in process.extract(_fold(q["name"]), choices, scorer=scorer,
                                           score_cutoff=threshold, limit=None):
            rid = flat[i][0]
            best[rid] = max(best.get(rid, 0.0), score / 100)
        out.append(sorted(best.items(), key=lambda t: -t[1])[:limit])
    return out, time.perf_counter() - t0


def run_nk(records: list[dict], queries: list[dict], python: str, threshold: float = 0.7,
           limit: int = 10) -> tuple[Result, float]:
    job = {"records": records, "queries": [{"name": q["name"]} for q in queries],
           "threshold": threshold, "limit": limit, "workers": os.cpu_count() or 2}
    proc = subprocess.run([python, str(ROOT / "bench" / "matching" / "nk_worker.py")],
                          input=json.dumps(job), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed")
    doc = json.loads(proc.stdout)
    return [[tuple(x) for x in r] for r in doc["results"]], doc["seconds"]


def metrics(queries: list[dict], results: Result, seconds: float) -> dict[str, float]:
    pos = [(q, r) for q, r in zip(queries, results) if q["target"] is not None]
    neg = [(q, r) for q, r in zip(queries, results) if q["target"] is None]
    m: dict[str, float] = {"n": len(queries), "qps": len(queries) / seconds if seconds else 0}
    if pos:
        def ok(q: dict, ids: list[str]) -> bool:
            t = q["target"]
            return any(i in t for i in ids) if isinstance(t, list) else t in ids
        m["r@1"] = sum(ok(q, [i for i, _ in r[:1]]) for q, r in pos) / len(pos)
        m["r@10"] = sum(ok(q, [i for i, _ in r[:10]]) for q, r in pos) / len(pos)
    if neg:
        m["fa"] = sum(bool(r) for _, r in neg) / len(neg)
    return m


def word_records(candidates: list[str]) -> list[dict]:
    return [{"id": c, "names": [c]} for c in candidates]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--sample", type=int, default=150, help="queries per task (all systems)")
    ap.add_argument("--full", action="store_true", help="all queries (slow for nomenklatura)")
    ap.add_argument("--nk-sample-words", type=int, default=60)
    ap.add_argument("--nk-python", default=os.environ.get("NK_PYTHON", "/work/venv-nk/bin/python"))
    ap.add_argument("--no-nk", action="store_true")
    ap.add_argument("--scale", type=int, default=0, help="also run the scale bench (names)")
    ap.add_argument("--scale-only", action="store_true", help="skip the quality tasks")
    ap.add_argument("--base", type=Path, help="checkout of the code to compare with "
                    "(e.g. `git archive main | tar -x -C /tmp/match-base`): quality tasks "
                    "side by side, and the scale bench at --base-names")
    ap.add_argument("--base-names", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=3000, help="scale: queries per pass")
    ap.add_argument("--base-queries", type=int, default=1000)
    ap.add_argument("--batch", type=int, default=100_000, help="scale: manifest rows at N")
    ap.add_argument("--base-batch", type=int, default=5000)
    ap.add_argument("--exhaustive", type=int, default=150, help="scale: exhaustive sample")
    ap.add_argument("--json", type=Path, help="write all figures here")
    args = ap.parse_args()
    xml = args.data / "un-sc-consolidated-2025-08-02.xml"
    if not xml.exists():
        print(f"bench_matching: data not found: {xml}\n(the benchmark needs ../shared/data "
              "next to the repository, or --data DIR)", file=sys.stderr)
        return 2
    if args.scale_only:
        report = {"scale": run_scale_runs(args)}
        if args.json:
            args.json.write_text(json.dumps(report, indent=1))
        return 0
    n = None if args.full else args.sample
    people = datasets.un_people(args.data)
    tasks = dict(datasets.cross_script(people, n))
    tasks["alias"] = datasets.alias_task(people, n)
    tasks["negatives"] = datasets.negatives(people, n)
    nk_ok = not args.no_nk and Path(args.nk_python).exists()
    systems = ["fts-share", "naive", "nomenklatura"] if nk_ok else ["fts-share", "naive"]
    if args.base:
        systems.insert(1, "base")
    report: dict[str, dict[str, dict[str, float]]] = {}
    for task, (records, queries) in tasks.items():
        report[task] = {}
        for system in systems:
            if system == "fts-share":
                res, sec = run_ours(records, queries)
            elif system == "base":
                res, sec = run_base(args.base, records, queries)
            elif system == "naive":
                res, sec = run_naive(records, queries)
            else:
                try:
                    res, sec = run_nk(records, queries, args.nk_python)
                except RuntimeError as exc:
                    print(f"nomenklatura failed on {task}: {exc}", file=sys.stderr)
                    continue
            report[task][system] = metrics(queries, res, sec)
            print(task, system, {k: round(v, 3) for k, v in report[task][system].items()},
                  flush=True)
    candidates, words = datasets.ar2en_words(args.data, None)
    recs = word_records(candidates)
    report["ar2en-words"] = {}
    for system in systems:
        qs = words if system != "nomenklatura" else words[: args.nk_sample_words]
        if system == "fts-share":
            res, sec = run_ours(recs, qs, threshold=0.0, limit=1)
        elif system == "base":
            res, sec = run_base(args.base, recs, qs, limit=1)
            res = [r[:1] for r in res]
        elif system == "naive":
            res, sec = run_naive(recs, qs, threshold=0, limit=1, scorer=fuzz.ratio)
        else:
            res, sec = run_nk(recs, qs, args.nk_python, threshold=0.0, limit=1)
        m = metrics(qs, res, sec)
        report["ar2en-words"][system] = {"n": m["n"], "top1": m["r@1"], "qps": m["qps"]}
        print("ar2en-words", system, report["ar2en-words"][system], flush=True)
    print_table(report, systems)
    if args.scale:
        report["scale"] = run_scale_runs(args)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


def _scale_run(args: argparse.Namespace, engine: Path, names: int, queries: int,
               batch: int, exhaustive: int) -> dict:
    """One engine at one size, in its own process (own peak RSS)."""
    cmd = [sys.executable, str(ROOT / "bench" / "matching" / "scale.py"), "--data",
           str(args.data), "--engine", str(engine), "--names", str(names), "--queries",
           str(queries), "--batch", str(batch), "--exhaustive", str(exhaustive)]
    print("+", " ".join(cmd), flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(proc.stdout)


def run_scale_runs(args: argparse.Namespace) -> dict:
    """The scale bench: the base code (if given) and this code at --base-names, one
    after the other in this run, then this code at --scale names."""
    runs: dict[str, dict] = {}
    if args.base:
        runs["base"] = _scale_run(args, args.base, args.base_names, args.base_queries,
                                  args.base_batch, 0)
        print(json.dumps(runs["base"]), flush=True)
        runs["new-small"] = _scale_run(args, ROOT, args.base_names, args.base_queries,
                                       args.base_batch, 0)
        print(json.dumps(runs["new-small"]), flush=True)
    runs["new"] = _scale_run(args, ROOT, args.scale, args.queries, args.batch,
                             args.exhaustive)
    print(json.dumps(runs["new"]), flush=True)
    print_scale(runs)
    return runs


def print_scale(runs: dict) -> None:
    rows = [
        ("names indexed", lambda r: f"{r['indexed_names']:,}"),
        ("build (s)", lambda r: r["build_s"]),
        ("build (names/s)", lambda r: f"{r['build_names_per_s']:,}"),
        ("peak RSS after build (MB)", lambda r: r["peak_rss_mb"]),
        ("queries per pass (Arabic share)",
         lambda r: f"{r['queries']} ({r['arabic_query_share']:.0%})"),
        ("q/s, 1 core, cold caches, thr 0 (median; mean)",
         lambda r: f"{r['cold_t0']['qps_median']:.0f}; {r['cold_t0']['qps_mean']:.0f}"),
        ("q/s, 1 core, warm, thr 0 (median; mean)",
         lambda r: f"{r['warm_t0']['qps_median']:.0f}; {r['warm_t0']['qps_mean']:.0f}"),
        ("q/s, 1 core, warm, default thr (median; mean)",
         lambda r: f"{r['warm_default']['qps_median']:.0f}; "
                   f"{r['warm_default']['qps_mean']:.0f}"),
        ("recall@10 index (all queries)", lambda r: f"{r['recall10_index']:.3f}"),
        ("recall@10 index / exhaustive (sample)",
         lambda r: f"{r['recall10_index_sample']:.3f} / {r['recall10_exhaustive_sample']:.3f}"
                   f" (n={r['exhaustive_sample']})" if "exhaustive_sample" in r else ""),
        ("save (s) / file (MB)", lambda r: f"{r['save_s']} / {r['file_mb']}"),
        ("load (s)", lambda r: r["load_s"]),
        ("batch workers=2: rows, wall (s)",
         lambda r: f"{r.get('batch_rows', 0):,}, {r.get('batch_workers2_s', '')}"),
    ]
    names = list(runs)
    print("\n| measure | " + " | ".join(f"{k} ({runs[k]['names']:,})" for k in names) + " |")
    print("|---|" + "---|" * len(names))
    for label, fn in rows:
        cells = []
        for k in names:
            try:
                cells.append(str(fn(runs[k])))
            except (KeyError, TypeError):
                cells.append("")
        print(f"| {label} | " + " | ".join(cells) + " |")


def print_table(report: dict, systems: list[str]) -> None:
    print("\n| task | system | n | recall@1 | recall@10 | false-alarm | top-1 words | q/s |")
    print("|---|---|---|---|---|---|---|---|")
    for task, by_sys in report.items():
        for system in systems:
            m = by_sys.get(system)
            if not m:
                continue
            r1, r10, fa, top1 = (f"{m[k]:.3f}" if k in m else "" for k in ("r@1", "r@10", "fa",
                                                                          "top1"))
            print(f"| {task} | {system} | {int(m['n'])} | {r1} | {r10} | "
                  f"{fa} | {top1} | {m['qps']:.0f} |")


if __name__ == "__main__":
    sys.exit(main())
