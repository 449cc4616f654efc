"""Scale bench: a synthetic index of N names; build, memory, save/load, q/s, recall, batch.

Run one engine per process (so that peak RSS is the index's own)::

    python3 bench/matching/scale.py --names 1000000 --queries 3000 --batch 100000 \\
        [--engine /tmp/match-base] [--exhaustive 150] [--json out.json]

``--engine DIR`` imports ``fts_share`` from another checkout (e.g. the code before a
change, ``git worktree add /tmp/match-base <commit>``), so both are measured by the
same harness on the same names and queries. ``bench/bench_matching.py --scale N
--base DIR`` runs both side by side and prints the table.

Synthetic names (deterministic, seed 1) are built from real name words only:

* *lemmas* with both scripts: the Arabic/Latin word pairs of the ar2en train split,
  plus pairs read off the UN list (individuals whose Latin name and Arabic original
  have the same number of words, aligned word by word: محمد/MUHAMMAD, ...); the UN
  pairs are ranked by their frequency in the list and put first, the ar2en words
  follow in random order; words are drawn with Zipf weights 1/(rank+10)^0.9, so a
  few given names are very common and family names have a long tail;
* Arabic naming structure: given name (6% ``Abd al-X``), optional ``bin``, father's
  name, grandfather's name (45%), a family name (60%; half with the article, a
  third of those a nisba ``al-X-i``), and a kunya ``Abu X`` in front (8%); 30% of
  the names are written in Arabic script.

Timed passes (CPU time of the querying thread, one pinned core, every query's name
analysed afresh): threshold 0 cold (the first queries of the process: its mean
includes the one-off start-up of the compiled loops), threshold 0 again, the default
threshold on the same queries, and the default threshold on *fresh* queries never
asked before (what recurs across names, common words and spellings, is warm, as in a
node that has been answering).

Queries are indexed names re-spelt: 40% written in the other script word by word;
25% with one part dropped; 15% reordered (given name last); 20% Latin spelling
variants (e/a, ou/u, doubled consonants, ``el`` for ``al-``). The target is the
name's record. Recall@10 of the index (threshold 0) is compared with *exhaustive*
scoring: every indexed group of spellings compared with every query part, and every
name holding an aligned part scored exactly (a name with no aligned part scores 0),
i.e. the result of comparing the query with every record.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

AR_ABD, AR_ABU, AR_BIN, AR_AL = "عبد", "أبو", "بن", "ال"
_SKIP = {"al", "el", "bin", "ibn", "ben", "abu", "abou", "abd", "abdul", "abdel", "bint",
         "ال", "بن", "ابن", "أبو", "ابو", "عبد", "بنت", "umm", "أم"}


def _ar(text: str) -> bool:
    return any("\u0600" <= c <= "\u06ff" for c in text)


def lemmas(data: Path) -> list[tuple[str, str]]:
    """(Arabic, Latin) word pairs: UN-aligned pairs by frequency, then ar2en words."""
    sys.path.insert(0, str(ROOT / "bench"))
    from matching import datasets
    counts: dict[tuple[str, str], int] = {}
    for p in datasets.un_people(data):
        if not p["original"] or not _ar(p["original"]):
            continue
        lat = [w for w in p["primary"].replace("-", " ").split()]
        ar = p["original"].split()
        if len(lat) != len(ar):
            continue
        for a, b in zip(ar, lat):
            if a in _SKIP or b.lower() in _SKIP or len(b) < 3 or not b.isalpha() or not _ar(a):
                continue
            key = (a, b.capitalize())
            counts[key] = counts.get(key, 0) + 1
    un = sorted(counts, key=lambda k: (-counts[k], k))
    pairs = [tuple(line.split("\t")) for line in
             (data / "ar2en" / "ar2en-train.txt").read_text(encoding="utf-8").splitlines()
             if "\t" in line]
    ar2en = [(a, b.capitalize()) for a, b in pairs if a and b]
    random.Random(1).shuffle(ar2en)
    seen = set(un)
    return un + [p for p in ar2en if p not in seen]


def _render(tokens: list[tuple[str, int]], script: int, lex: list[tuple[str, str]]) -> str:
    out = []
    for kind, i in tokens:
        w = lex[i][script]
        if script == 0:
            out.append({"w": w, "abd": f"{AR_ABD} {AR_AL}{w}", "abu": f"{AR_ABU} {w}",
                        "al": AR_AL + w, "nisba": f"{AR_AL}{w}ي", "bin": AR_BIN}[kind])
        else:
            out.append({"w": w, "abd": f"Abd al-{w}", "abu": f"Abu {w}", "al": f"al-{w}",
                        "nisba": f"al-{w}i", "bin": "bin"}[kind])
    return " ".join(out)


def synth(data: Path, n: int, seed: int = 1):
    """``n`` names: ``[(record_id, name, tokens, script)]`` and the lemma table."""
    lex = lemmas(data)
    rng = random.Random(seed)
    weights = [1.0 / (i + 10) ** 0.9 for i in range(len(lex))]
    cum = []
    total = 0.0
    for w in weights:
        total += w
        cum.append(total)
    idx = list(range(len(lex)))
    out = []
    for k in range(n):
        draw = rng.choices(idx, cum_weights=cum, k=5)
        toks: list[tuple[str, int]] = []
        if rng.random() < 0.08:
            toks.append(("abu", draw[4]))
        toks.append(("abd" if rng.random() < 0.06 else "w", draw[0]))
        if rng.random() < 0.15:
            toks.append(("bin", 0))
        toks.append(("w", draw[1]))
        if rng.random() < 0.45:
            toks.append(("w", draw[2]))
        r = rng.random()
        if r < 0.6:
            toks.append(("nisba" if r < 0.1 else "al" if r < 0.3 else "w", draw[3]))
        script = 0 if rng.random() < 0.3 else 1
        out.append((f"S{k}", _render(toks, script, lex), toks, script))
    return out, lex


def _variant(text: str, rng: random.Random) -> str:
    subs = [("e", "a"), ("a", "e"), ("ou", "u"), ("u", "ou"), ("i", "ee"), ("al-", "el "),
            ("al-", "al "), ("mm", "m"), ("d", "dd"), ("h", "")]
    for _ in range(2):
        a, b = rng.choice(subs)
        pos = text.find(a, 1)
        if pos > 0:
            text = text[:pos] + b + text[pos + len(a):]
    return text


def respell(tokens, script: int, lex, rng: random.Random) -> str:
    toks = list(tokens)
    r = rng.random()
    if r < 0.40:
        return _render(toks, 1 - script, lex)
    if r < 0.65 and len(toks) > 2:
        droppable = [i for i, t in enumerate(toks) if i > 0 and t[0] != "bin"]
        if droppable:
            toks.pop(rng.choice(droppable))
        return _render(toks, script, lex)
    if r < 0.80:
        return _render(toks[1:] + toks[:1], script, lex)
    return _variant(_render(toks, 1, lex), rng)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _median(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[len(xs) // 2] if xs else 0.0


#: time queries in CPU seconds of this thread (the machine is shared: wall-clock time
#: per query includes waiting for a core); ``--wall`` switches to wall-clock time
CPU_TIME = True


def _analysis_memo() -> dict:
    """The analyser's memo of recently seen names (a dict; empty if it has none)."""
    try:
        from fts_share.matching.scoring import analysis
    except ImportError:  # an engine from before the subpackages (--engine)
        from fts_share.matching import analysis  # type: ignore[no-redef]
    return getattr(analysis, "_RECENT", {})


def timed_pass(idx, queries, *, threshold, targets=None):
    """Per-query latencies (seconds) and recall@10 when targets are given."""
    from fts_share.errors import ValidationError
    lat, found, results = [], 0, []
    clock = time.thread_time if CPU_TIME else time.perf_counter
    recent = _analysis_memo()
    for i, q in enumerate(queries):
        recent.clear()  # every query is analysed afresh, as a new name would be
        t0 = clock()
        try:
            hits = idx.search(q, limit=10, threshold=threshold)
        except ValidationError:
            hits = []
        lat.append(clock() - t0)
        ids = [h.record_id for h in hits]
        results.append(ids)
        if targets is not None:
            found += targets[i] in ids
    return lat, found, results


def _speed(lat: list[float]) -> dict[str, float]:
    return {"median_ms": round(_median(lat) * 1000, 3),
            "qps_median": round(1 / _median(lat), 1) if lat else 0.0,
            "qps_mean": round(len(lat) / sum(lat), 1) if lat else 0.0,
            "p90_ms": round(sorted(lat)[int(len(lat) * 0.9)] * 1000, 3) if lat else 0.0}


def exhaustive(idx, query: str, limit: int = 10) -> list[tuple[str, float]]:
    """Top ``limit`` records (id, score) by exact score over the whole index: every
    query part compared with every indexed group (no blocking), every name holding an
    aligned part scored (``NameIndex.exhaustive_scores``; a name with no aligned part scores
    0)."""
    from fts_share.errors import ValidationError
    from fts_share.matching import analyze_name
    try:
        analysis = analyze_name(query)
    except ValidationError:
        return []
    best: dict[str, float] = {}
    if hasattr(idx, "exhaustive_scores"):
        scores, name_record = idx.exhaustive_scores(analysis), idx.names.record
    else:  # an engine from before the subpackages (--engine)
        scores, name_record = idx._exhaustive(analysis), idx._name_record
    for nid, score in scores.items():
        rid = name_record[nid]
        s = round(score, 4)
        if rid is not None and s > best.get(rid, -1.0):
            best[rid] = s
    return sorted(best.items(), key=lambda t: (-t[1], t[0]))[:limit]


def _save_load(idx, qs, tmpdir: Path, n: int, out: dict) -> None:
    from fts_share.matching import NameIndex
    path = tmpdir / f"scale-{n}-{os.getpid()}.idx"
    t0 = time.perf_counter()
    idx.save(str(path))
    out["save_s"] = round(time.perf_counter() - t0, 1)
    out["file_mb"] = round(path.stat().st_size / 2**20, 1)
    t0 = time.perf_counter()
    loaded = NameIndex.load(str(path))
    out["load_s"] = round(time.perf_counter() - t0, 1)
    check = qs[:200]
    _, _, a = timed_pass(idx, check, threshold=0.0)
    _, _, b = timed_pass(loaded, check, threshold=0.0)
    out["loaded_same_results"] = a == b
    del loaded
    path.unlink()
    out["peak_rss_after_load_mb"] = round(_rss_mb())


def run(data: Path, n: int, queries: int, batch: int, exhaustive_n: int,
        tmpdir: Path, save: bool = True) -> dict:
    from fts_share.errors import ValidationError
    from fts_share.matching import NameIndex
    names, lex = synth(data, n)
    rss_data = _rss_mb()
    idx = NameIndex()
    t0 = time.perf_counter()
    for rid, name, _, _ in names:
        try:
            idx.add(rid, name)
        except ValidationError:
            pass
    build = time.perf_counter() - t0
    rss_build = _rss_mb()
    out: dict = {"names": n, "indexed_names": idx.name_count, "build_s": round(build, 1),
                 "build_names_per_s": round(n / build), "peak_rss_mb": round(rss_build),
                 "rss_before_build_mb": round(rss_data)}
    rng = random.Random(2)
    sample = rng.sample(names, queries)
    qs = [respell(toks, script, lex, rng) for _, _, toks, script in sample]
    targets = [rid for rid, _, _, _ in sample]
    out["queries"] = queries
    out["arabic_query_share"] = round(sum(map(_ar, qs)) / len(qs), 3)
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cpus)})  # one core
    lat, found, res = timed_pass(idx, qs, threshold=0.0, targets=targets)
    out["cold_t0"] = _speed(lat)
    out["recall10_index"] = round(found / queries, 4)
    lat, _, _ = timed_pass(idx, qs, threshold=0.0)
    out["warm_t0"] = _speed(lat)
    lat, found_default, res_default = timed_pass(idx, qs, threshold=None, targets=targets)
    out["warm_default"] = _speed(lat)
    out["recall10_index_default"] = round(found_default / queries, 4)
    # names never asked before, in a process that has answered others (as a node
    # would): only what recurs across names (common words and spellings) is warm
    fresh = random.Random(4).sample(names, queries)
    frng = random.Random(5)
    fqs = [respell(toks, script, lex, frng) for _, _, toks, script in fresh]
    lat, found_fresh, _ = timed_pass(idx, fqs, threshold=None,
                                     targets=[rid for rid, _, _, _ in fresh])
    out["fresh_default"] = _speed(lat)
    out["recall10_index_fresh_default"] = round(found_fresh / queries, 4)
    os.sched_setaffinity(0, cpus)
    if exhaustive_n and (hasattr(idx, "exhaustive_scores") or hasattr(idx, "_exhaustive")):
        t0 = time.perf_counter()
        ex_found = ix_found = same_top = ex_found_d = ix_found_d = 0
        cut = idx.config.threshold
        for i in range(exhaustive_n):
            ranked = exhaustive(idx, qs[i], limit=10**9)
            ex = [rid for rid, _score in ranked[:10]]
            ex_found += targets[i] in ex
            ix_found += targets[i] in res[i]
            same_top += bool(ex) and bool(res[i]) and ex[0] == res[i][0]
            ex_d = [rid for rid, score in ranked if score >= cut][:10]
            ex_found_d += targets[i] in ex_d
            ix_found_d += targets[i] in res_default[i]
        out["exhaustive_sample"] = exhaustive_n
        out["recall10_exhaustive_sample"] = round(ex_found / exhaustive_n, 4)
        out["recall10_index_sample"] = round(ix_found / exhaustive_n, 4)
        out["top1_same_as_exhaustive"] = round(same_top / exhaustive_n, 4)
        out["recall10_exhaustive_sample_default"] = round(ex_found_d / exhaustive_n, 4)
        out["recall10_index_sample_default"] = round(ix_found_d / exhaustive_n, 4)
        out["exhaustive_s"] = round(time.perf_counter() - t0, 1)
    if save:
        _save_load(idx, qs, tmpdir, n, out)
    # batch: a manifest of re-spelt names, two workers
    if batch:
        brng = random.Random(3)
        rows = []
        for _ in range(batch):
            _, _, toks, script = names[brng.randrange(n)]
            rows.append({"name": respell(toks, script, lex, brng)})
        t0 = time.perf_counter()
        got = idx.search_many(rows, workers=2, limit=10, skip_invalid=True)
        out["batch_rows"] = batch
        out["batch_workers2_s"] = round(time.perf_counter() - t0, 1)
        out["batch_rows_with_hits"] = sum(bool(r) for r in got)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--names", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=0)
    ap.add_argument("--exhaustive", type=int, default=0)
    ap.add_argument("--engine", type=Path, default=ROOT)
    ap.add_argument("--tmp", type=Path, default=Path("/tmp"))
    ap.add_argument("--json", type=Path)
    ap.add_argument("--no-save", action="store_true", help="skip the save/load round trip")
    args = ap.parse_args()
    sys.path.insert(0, str(args.engine))
    result = run(args.data, args.names, args.queries, args.batch, args.exhaustive, args.tmp,
                 save=not args.no_save)
    result["engine"] = str(args.engine)
    text = json.dumps(result, indent=1)
    if args.json:
        args.json.write_text(text)
    print(text, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
