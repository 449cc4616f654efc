"""Recall on queries typed as people write them: alias lists and epithets.

    python3 bench/bench_queries.py [--data ../shared/data] [--sample 200]

The UN consolidated list (../shared/data) is indexed (every name and alias). Queries
are built from each individual's own aliases, the way officers type them:

* ``alias-list``: two of the person's names in one string, joined by ", ", "; " or
  " a.k.a. " (in turn);
* ``epithet``: an alias whose nisba is a demonym ("Abu Hamza al-Masri") written with
  the English epithet ("Abu Hamza the Egyptian"), or the French one for every other.

Before: ``NameIndex.search`` on the whole string. After: ``matching.query.search_typed``
(the screening service's reading). Same index, same run; recall@1 and @10.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fts_share.errors import ValidationError
from fts_share.matching import NameIndex
from fts_share.matching.query import NISBAS, search_typed
from fts_share.matching.refdata.demonyms import DEMONYMS
from fts_share.watchlist.un_xml import load_un_xml

SEPARATORS = (", ", "; ", " a.k.a. ")


def demonyms() -> dict[str, tuple[str, str]]:
    """Latin nisba core (``masri``) -> (English, French) demonym."""
    from fts_share.matching.text.bridge import word_forms

    out: dict[str, tuple[str, str]] = {}
    for forms in DEMONYMS.values():
        arabic = NISBAS.get(forms[0].casefold())
        latin = [f for f in forms if f.isascii() or f[0].isalpha() and f[0] < "\u0600"]
        if arabic and len(latin) >= 2:
            for form in word_forms(arabic):
                out.setdefault(form.full, (latin[0], latin[1] if not latin[1][0].isupper()
                                           else latin[-1]))
    return out


def queries(entries: list, sample: int, rng: random.Random) -> dict[str, list[tuple[str, str]]]:
    epi = demonyms()
    lists, epithets = [], []
    for e in entries:
        if e.kind != "individual":
            continue
        names = e.all_names()
        if len(names) >= 2:
            a, b = rng.sample(names, 2)
            lists.append((f"{a}{SEPARATORS[len(lists) % 3]}{b}", e.reference))
        for n in names:
            words = n.replace("-", " ").split()
            for i, w in enumerate(words[:-1]):
                core = words[i + 1].lower()
                if w.lower() in ("al", "el") and core in epi and i > 0:
                    en, fr = epi[core]
                    ep = f"the {en}" if len(epithets) % 2 == 0 else f"l'{fr}"
                    epithets.append((" ".join(words[:i] + [ep] + words[i + 2:]), e.reference))
                    break
    rng.shuffle(lists)
    rng.shuffle(epithets)
    return {"alias-list": lists[:sample], "epithet": epithets[:sample]}


def recall(idx: NameIndex, qs: list[tuple[str, str]], typed: bool) -> tuple[float, float, float]:
    at1 = at10 = 0
    t0 = time.perf_counter()
    for text, ref in qs:
        try:
            hits = (search_typed(lambda n: idx.search(n), text) if typed
                    else idx.search(text))
        except ValidationError:
            hits = []
        ids = [h.record_id for h in hits]
        at1 += ids[:1] == [ref]
        at10 += ref in ids[:10]
    n = len(qs) or 1
    return at1 / n, at10 / n, (time.perf_counter() - t0) / n * 1000


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--sample", type=int, default=200)
    ap.add_argument("--seed", type=int, default=16)
    args = ap.parse_args()
    xml = args.data / "un-sc-consolidated-2025-08-02.xml"
    if not xml.exists():
        print(f"bench_queries: data not found: {xml}", file=sys.stderr)
        return 2
    entries = load_un_xml(str(xml)).entries
    idx = NameIndex()
    for e in entries:
        try:
            idx.add(e.reference, e.all_names(), skip_invalid_names=True)
        except ValidationError:
            pass
    print("| queries | n | recall@1 before | after | recall@10 before | after "
          "| ms/query before | after |")
    print("|---|---|---|---|---|---|---|---|")
    for kind, qs in queries(entries, args.sample, random.Random(args.seed)).items():
        b1, b10, bms = recall(idx, qs, typed=False)
        a1, a10, ams = recall(idx, qs, typed=True)
        print(f"| {kind} | {len(qs)} | {b1:.3f} | {a1:.3f} | {b10:.3f} | {a10:.3f} "
              f"| {bms:.1f} | {ams:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
