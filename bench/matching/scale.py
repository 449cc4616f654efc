"""Scale bench: a synthetic index of N names, build time, peak RSS, queries/s, recall.

Synthetic names are drawn from real name words: the Latin and Arabic sides of the
ar2en train split and the name words of the UN list, combined 2-4 parts per name,
with Zipf-like weights (a few very common words, a long tail of rare ones), ~30% in
Arabic script, ~40% with an article (al-) on the last part and some "bin"/"Abu".
Queries are indexed names re-spelt: a part dropped or the order changed, Arabic <->
Latin swapped through the ar2en pairs where possible. Recall@10 of the index (target
found) is compared with exhaustive scoring over a 5,000-name sample (60 queries) that includes
the targets.
"""

from __future__ import annotations

import random
import resource
import time
from pathlib import Path

from fts_share.errors import ValidationError
from fts_share.matching import NameIndex


def _words(data: Path) -> tuple[list[tuple[str, str]], list[str]]:
    pairs = [tuple(line.split("\t")) for line in
             (data / "ar2en" / "ar2en-train.txt").read_text(encoding="utf-8").splitlines()
             if "\t" in line]
    return [(a, b.capitalize()) for a, b in pairs], []


def synth(data: Path, n: int, seed: int = 1) -> tuple[list[tuple[str, str]], dict[str, str]]:
    rng = random.Random(seed)
    pairs, _ = _words(data)
    rng.shuffle(pairs)
    weights = [1.0 / (i + 10) ** 0.9 for i in range(len(pairs))]
    names = []
    for i in range(n):
        k = rng.choice((2, 3, 3, 4))
        chosen = rng.choices(pairs, weights=weights, k=k)
        arabic = rng.random() < 0.3
        parts = [a if arabic else b for a, b in chosen]
        if rng.random() < 0.4:
            parts[-1] = ("ال" + parts[-1]) if arabic else "al-" + parts[-1]
        if k >= 3 and rng.random() < 0.2:
            parts.insert(1, "بن" if arabic else "bin")
        names.append((f"S{i}", " ".join(parts)))
    bridge = {a: b for a, b in pairs}
    bridge.update({b: a for a, b in pairs})
    return names, bridge


def respell(name: str, bridge: dict[str, str], rng: random.Random) -> str:
    parts = name.split()
    r = rng.random()
    if r < 0.4:  # other script, word by word where known
        parts = [bridge.get(p, p) for p in parts]
    elif r < 0.7 and len(parts) > 2:
        parts.pop(rng.randrange(1, len(parts)))
    else:
        parts = parts[1:] + parts[:1]
    return " ".join(parts)


def run_scale(data: Path, n: int, queries: int = 1000) -> dict[str, float]:
    names, bridge = synth(data, n)
    idx = NameIndex()
    t0 = time.perf_counter()
    for rid, name in names:
        try:
            idx.add(rid, name)
        except ValidationError:
            pass
    build = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rng = random.Random(2)
    sample = rng.sample(names, queries)
    qs = [(rid, respell(name, bridge, rng)) for rid, name in sample]
    t0 = time.perf_counter()
    found = 0
    for rid, q in qs:
        try:
            hits = idx.search(q, limit=10, threshold=0.0)
        except ValidationError:
            continue
        found += any(h.record_id == rid for h in hits)
    secs = time.perf_counter() - t0
    # exhaustive comparison on a smaller index that holds the targets
    sub = NameIndex()
    keep = {rid for rid, _ in sample[:60]}
    others = rng.sample(names, min(5000, len(names)))
    for rid, name in [x for x in names if x[0] in keep] + others:
        try:
            sub.add(rid, name)
        except ValidationError:
            pass
    ex_found = ix_found = 0
    for rid, q in qs[:60]:
        try:
            hits = sub.search(q, limit=10, threshold=0.0)
            ex = _exhaustive(sub, q)
        except ValidationError:
            continue
        ix_found += any(h.record_id == rid for h in hits)
        ex_found += rid in ex
    return {"names": n, "build_s": round(build, 1), "peak_rss_mb": round(rss),
            "queries": queries, "qps_1core": round(queries / secs, 1),
            "recall10_index_all": round(found / queries, 3),
            "recall10_index_5k": round(ix_found / 60, 3),
            "recall10_exhaustive_5k": round(ex_found / 60, 3)}


def _exhaustive(idx: NameIndex, q: str) -> list[str]:
    old = idx.config
    big = old.with_options(max_candidates=10**9, common_key_df=10**9)
    idx.config = big
    try:
        query = __import__("fts_share.matching.analysis", fromlist=["x"]).analyze_name(q)
        scored = []
        for name_id, analysis in enumerate(idx._names):
            rid = idx._name_record[name_id]
            if analysis is None or rid is None:
                continue
            scored.append((idx._score(query, analysis, rid, (), (), ()).score, rid))
        scored.sort(reverse=True)
        return [rid for _, rid in scored[:10]]
    finally:
        idx.config = old
