"""Speed at N names whose tokens follow the UN list's own frequencies, two engines
side by side in one run (issue 16: >= 1,000 queries/s at 1M names on one pinned core,
build under 60 s, memory <= 2.5 GB RSS)::

    python3 bench/matching/scale_real.py --names 1000000 --queries 2000 --rounds 5 \\
        --engine . --engine /tmp/base [--mapped] [--json out.json]

Names (deterministic, seed 1): each is a real UN individual's name used as a template
(its number of parts and its particles such as ``AL``, ``BIN``, ``ABU``, ``عبد`` kept in
place) whose other words are replaced by words drawn from the list's words *at the
same position* (given name = first word, family name = last word, father's names =
the words between), each drawn with its frequency in the list, so that common words
repeat as they do in a real list. Half the names are built this way from the list's
Arabic-script originals (templates and words of the names written in Arabic script),
half from its Latin names. Each record also gets a year of birth and a nationality
drawn from the list's own (same frequencies; none when the drawn person has none).

Queries are the list's real people: their Latin name, their Arabic-script original or
a Good alias (deterministic sample), with their listed year of birth and nationality
when the list gives them (``--name-only``: the name alone); they are never in the index (the index holds only
recombined names), so every query meets the candidate sets of its common words.

Each ``--engine DIR`` runs in its own process (``fts_share`` imported from DIR), which
builds its index (wall clock and CPU seconds of the process; through
``matching.index.bulk.add_many`` where the engine has it, unless ``--no-bulk``, else
``NameIndex.add`` record by record; then the CPU of one full garbage collection,
``full_collection_after_cpu_s``: the part of the collector's work on the build's
objects still due, which ``add_many`` defers) and then answers timed
passes on request; the passes alternate between the engines, round after round, each
on one pinned core (``os.sched_setaffinity``, as ``taskset -c``), every query's name
analysed afresh (as ``scale.timed_pass``: CPU time of the querying thread, default
threshold of that engine), after one uncounted warm-up pass per engine. Reported per
engine: the median over rounds of the per-round median and mean q/s, build time
(wall clock and CPU), peak RSS; each pass also split by the query's script. ``--mapped`` then writes each engine's mapped
snapshot; a fresh process (as a serving worker) opens it, answers a warm-up pass and
a timed pass, and reports its RSS split into anonymous and file-mapped memory
(``/proc/self/smaps_rollup``) and the snapshot's own resident pages.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DATA = next((d for d in (ROOT.parent / "shared" / "data", ROOT.parents[1] / "shared" / "data")
             if d.exists()), ROOT.parent / "shared" / "data")
PARTICLES = {"al", "el", "bin", "ibn", "ben", "abu", "abou", "abd", "abdul", "abdel",
             "bint", "umm", "ال", "بن", "ابن", "أبو", "ابو", "عبد", "بنت", "أم"}


def _ar(text: str) -> bool:
    return any("\u0600" <= c <= "\u06ff" for c in text)


def _particle(word: str) -> bool:
    return word.lower().strip("-") in PARTICLES


def _year(entry) -> str | None:
    for d in entry.dates_of_birth:
        y = d.year or d.date[:4] or d.from_year
        if y and y.isdigit():
            return y
    return None


def _shape(words: list[str]) -> list[tuple[str, str]]:
    """(position, word): particles kept as ``keep``; content words given/father/family."""
    content = [i for i, w in enumerate(words) if not _particle(w)]
    out = []
    for i, w in enumerate(words):
        if i not in content:
            out.append(("keep", w))
        elif i == content[0]:
            out.append(("given", w))
        elif i == content[-1]:
            out.append(("family", w))
        else:
            out.append(("father", w))
    return out


def list_people(data: Path) -> list[dict]:
    """The UN list's individuals: Latin name, Arabic original, aliases, year, nationality."""
    from fts_share.watchlist import load_un_xml
    people = []
    for e in load_un_xml(str(data / "un-sc-consolidated-2025-08-02.xml")).entries:
        if e.kind != "individual":
            continue
        people.append({"latin": " ".join(e.name.split()),
                       "arabic": " ".join(e.name_original_script.split())
                       if _ar(e.name_original_script) else "",
                       "aliases": [" ".join(a.name.split()) for a in e.aliases
                                   if a.quality in ("Good", "a.k.a.") and a.name.strip()],
                       "year": _year(e),
                       "nationality": e.nationalities[0] if e.nationalities else None})
    return people


def recombined(people: list[dict], n: int, seed: int = 1) -> list[tuple[str, str, str | None,
                                                                       str | None]]:
    """``n`` records ``(id, name, year, nationality)`` as described in the docstring."""
    shapes: dict[str, list[list[tuple[str, str]]]] = {"latin": [], "arabic": []}
    pools: dict[tuple[str, str], list[str]] = {}
    for p in people:
        for script in ("latin", "arabic"):
            words = p[script].split()
            if sum(not _particle(w) for w in words) < 2:
                continue
            shape = _shape(words)
            shapes[script].append(shape)
            for pos, w in shape:
                if pos != "keep":
                    pools.setdefault((script, pos), []).append(w)
    years = [p["year"] for p in people]
    nats = [p["nationality"] for p in people]
    rng = random.Random(seed)
    out = []
    for k in range(n):
        script = "arabic" if k % 2 else "latin"
        shape = rng.choice(shapes[script])
        words = [w if pos == "keep" else rng.choice(pools[(script, pos)]) for pos, w in shape]
        out.append((f"R{k}", " ".join(words), rng.choice(years), rng.choice(nats)))
    return out


def real_queries(people: list[dict], n: int, seed: int = 2, evidence: bool = True
                 ) -> list[tuple[str, str | None, str | None]]:
    """``n`` queries ``(name, year, nationality)``: the list's people as listed (without
    year and nationality when ``evidence`` is false)."""
    rng = random.Random(seed)
    pool = []
    for p in people:
        names = [p["latin"]] + ([p["arabic"]] if p["arabic"] else []) + p["aliases"]
        pool.extend((name, p["year"] if evidence else None,
                     p["nationality"] if evidence else None) for name in names if name)
    return [rng.choice(pool) for _ in range(n)]


def _smaps() -> dict[str, int]:
    """This process's RSS split (MB) from /proc/self/smaps_rollup."""
    out = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines()[1:]:
        key, value = line.split(":", 1)
        if key in ("Rss", "Pss", "Anonymous", "Pss_File", "Shared_Clean", "Private_Clean"):
            out[key] = round(int(value.split()[0]) / 1024)
    out["file_mapped"] = out.get("Rss", 0) - out.get("Anonymous", 0)
    return out


def _mapped_rss(path: Path) -> int:
    """MB of ``path``'s pages resident in this process (from /proc/self/smaps)."""
    kb, inside = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        first = line.split()[0] if line.strip() else ""
        if "-" in first and all(c in "0123456789abcdef-" for c in first):  # a mapping
            inside = line.rstrip().endswith(str(path))
        elif inside and first == "Rss:":
            kb += int(line.split()[1])
    return round(kb / 1024)


def timed(index, queries: list, core: int) -> dict:
    """One timed pass over ``queries`` on core ``core`` (CPU time of this thread, every
    query's name analysed afresh, as ``scale.timed_pass``)."""
    import scale  # the scale bench's helpers (analysis memo, speed figures)

    from fts_share.errors import ValidationError
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {core})
    try:
        lat = []
        recent = scale._analysis_memo()
        for name, year, nat in queries:
            recent.clear()
            t = time.thread_time()
            try:
                index.search(name, dob=year, nationality=nat)
            except ValidationError:
                pass
            lat.append(time.thread_time() - t)
        ar = [x for x, q in zip(lat, queries) if _ar(q[0])]
        latin = [x for x, q in zip(lat, queries) if not _ar(q[0])]
        return {**scale._speed(lat), "arabic_queries": {"n": len(ar), **scale._speed(ar)},
                "latin_queries": {"n": len(latin), **scale._speed(latin)}}
    finally:
        os.sched_setaffinity(0, cpus)


def snapshot_worker(args: argparse.Namespace) -> None:
    """A fresh process (as a serving worker): open the mapped snapshot, a warm-up pass,
    a timed pass, then the process's memory."""
    sys.path[:0] = [str(args.engine), str(HERE)]
    from fts_share.matching import MappedIndex
    queries = real_queries(list_people(args.data), args.queries, evidence=not args.name_only)
    t0 = time.perf_counter()
    idx = MappedIndex.open(str(args.snapshot))
    open_s = time.perf_counter() - t0
    timed(idx, queries, args.core)  # warm-up (first use of the compiled loops)
    speed = timed(idx, queries, args.core)
    print(json.dumps({"open_ms": round(open_s * 1000, 1), **speed, "memory_mb": _smaps(),
                      "snapshot_resident_mb": _mapped_rss(args.snapshot)}), flush=True)


def worker(args: argparse.Namespace) -> None:
    """One engine: build, then answer ``pass`` / ``mapped`` / ``quit`` lines on stdin."""
    sys.path[:0] = [str(args.engine), str(HERE)]
    from fts_share.errors import ValidationError
    from fts_share.matching import NameIndex
    people = list_people(args.data)
    records = recombined(people, args.names)
    queries = real_queries(people, args.queries, evidence=not args.name_only)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    idx = NameIndex()
    try:  # the bulk build (collector paused), where the engine has it
        from fts_share.matching.index.bulk import add_many
    except ImportError:
        add_many = None
    bulk = add_many is not None and not args.no_bulk
    t0, c0 = time.perf_counter(), time.process_time()
    refused = 0
    if bulk:
        refused = len(add_many(idx, records).refused)
    else:
        for rid, name, year, nat in records:
            try:
                idx.add(rid, name, dob=year, nationality=nat)
            except ValidationError:
                refused += 1
    idx.search("Muhammad Ali")  # the index's arrays are built on the first search
    wall_s, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    c1 = time.process_time()
    gc.collect()  # what collecting the build's objects still costs (due once, later)
    build = {"build_wall_s": round(wall_s, 1), "build_cpu_s": round(cpu_s, 1),
             "full_collection_after_cpu_s": round(time.process_time() - c1, 1),
             "refused": refused, "bulk": bulk,
             "rss_before_build_mb": round(rss0),
             "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
             "threshold": idx.config.threshold}
    print(json.dumps(build), flush=True)
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "pass":
            print(json.dumps(timed(idx, queries, args.core)), flush=True)
        elif cmd == "mapped":
            from fts_share.matching import write_mapped
            path = args.tmp / f"scale-real-{os.getpid()}.snap"
            t0 = time.perf_counter()
            write_mapped(idx, str(path), sequence=1)
            write_s = round(time.perf_counter() - t0, 1)
            child = subprocess.run(
                [sys.executable, __file__, "--snapshot", str(path), "--engine",
                 str(args.engine), "--queries", str(args.queries), "--data", str(args.data),
                 "--core", str(args.core)] + ["--name-only"] * args.name_only, capture_output=True, text=True, check=True,
                env={**os.environ, "PYTHONPATH": str(args.engine)})
            print(json.dumps({"write_s": write_s, "file_mb": round(path.stat().st_size / 2**20),
                              **json.loads(child.stdout.splitlines()[-1])}), flush=True)
            path.unlink()
        else:
            return


def _median(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[len(xs) // 2]


def driver(args: argparse.Namespace) -> dict:
    """Start one worker per engine, alternate timed passes, gather the figures."""
    procs = []
    for eng in args.engine:
        cmd = [sys.executable, __file__, "--worker", "--names", str(args.names), "--queries",
               str(args.queries), "--data", str(args.data), "--tmp", str(args.tmp),
               "--core", str(args.core), "--engine", str(eng)] + ["--name-only"] * args.name_only
        cmd += ["--no-bulk"] * args.no_bulk
        procs.append(subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      text=True, env={**os.environ, "PYTHONPATH": str(eng)}))
    out: dict = {"names": args.names, "queries": args.queries, "engines": {}}
    for eng, p in zip(args.engine, procs):
        out["engines"][str(eng)] = {"build": json.loads(p.stdout.readline()), "rounds": []}
        print(eng, out["engines"][str(eng)]["build"], flush=True)
    for eng, p in zip(args.engine, procs):  # warm-up pass (compiled loops), not counted
        p.stdin.write("pass\n")
        p.stdin.flush()
        out["engines"][str(eng)]["warmup"] = json.loads(p.stdout.readline())
    for r in range(args.rounds):
        order = list(zip(args.engine, procs))
        for eng, p in order if r % 2 == 0 else order[::-1]:
            p.stdin.write("pass\n")
            p.stdin.flush()
            res = json.loads(p.stdout.readline())
            out["engines"][str(eng)]["rounds"].append(res)
            print(r, eng, res, flush=True)
        _save(args, out)
    for eng in args.engine:
        e = out["engines"][str(eng)]
        e["qps_median_of_medians"] = _median([x["qps_median"] for x in e["rounds"]])
        e["qps_mean_median"] = _median([x["qps_mean"] for x in e["rounds"]])
    if len(args.engine) == 2:
        a, b = (out["engines"][str(e)] for e in args.engine)
        out["ratio_first_over_second"] = {
            "median": round(a["qps_median_of_medians"] / b["qps_median_of_medians"], 2),
            "mean": round(a["qps_mean_median"] / b["qps_mean_median"], 2),
            "per_round_median": [round(x["qps_median"] / y["qps_median"], 2)
                                 for x, y in zip(a["rounds"], b["rounds"])]}
    _save(args, out)
    if args.mapped:
        for eng, p in zip(args.engine, procs):
            p.stdin.write("mapped\n")
            p.stdin.flush()
            out["engines"][str(eng)]["mapped"] = json.loads(p.stdout.readline())
            print(eng, "mapped", out["engines"][str(eng)]["mapped"], flush=True)
            _save(args, out)
    for p in procs:
        p.stdin.write("quit\n")
        p.stdin.flush()
        p.wait()
    return out


def _save(args: argparse.Namespace, out: dict) -> None:
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--names", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--engine", type=Path, action="append")
    ap.add_argument("--core", type=int, default=0, help="the core timed passes are pinned to")
    ap.add_argument("--tmp", type=Path, default=Path("/tmp"))
    ap.add_argument("--mapped", action="store_true")
    ap.add_argument("--name-only", action="store_true",
                    help="queries without the listed year of birth and nationality")
    ap.add_argument("--no-bulk", action="store_true",
                    help="build with NameIndex.add one record at a time even where the "
                         "engine has matching.index.bulk.add_many")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--snapshot", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.engine = [e.resolve() for e in (args.engine or [ROOT])]
    if args.worker or args.snapshot:
        args.engine = args.engine[0]
        (snapshot_worker if args.snapshot else worker)(args)
        return 0
    out = driver(args)
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
