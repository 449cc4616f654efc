"""Build the reference name-part frequencies (issue 16, item 3) from the real data.

    python3 bench/build_refdata.py --data ../shared/data

writes ``fts_share/matching/refdata/name_frequencies.tsv``: for each name-part key of
the engine (``kind:skeleton``, the key the index counts its own statistics under), in
how many of the UN list's individuals it occurs (any of their names, any script; the
individuals of ``bench_precision.py``'s untouched fold 4 are left out, so the figures
reported on that fold come from frequencies that never saw its people),
plus the number of ar2en *train* pairs whose Arabic or Latin word has that key (the
pairs are a vocabulary of name words, each counted once; the eval split is not read,
so the word benchmark stays untouched). The first line is ``#people\\t<N>`` (the
individuals counted), the second ``#pairs\\t<P>``; keys follow, most frequent first.
Only keys seen at least twice are kept (the rest weigh as unseen, the most).

:func:`fts_share.matching.scoring.rarity.builtin_rarity` reads the file: a part's
weight is ``log10(N / df) / reference_idf_scale`` (N the people counted; the pairs,
a vocabulary where each word occurs once, only add to the counts) clamped to [``min_rarity_weight``,
1], so "Muhammad" (in about one listed person in five) weighs little wherever it is
matched, also in an index too small for statistics of its own.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "fts_share" / "matching" / "refdata" / "name_frequencies.tsv"


def _keys(name: str) -> set[str]:
    from fts_share.errors import ValidationError
    from fts_share.matching import analyze_name
    try:
        return {f"{p.kind}:{p.key}" for p in analyze_name(name).name_parts if p.key}
    except ValidationError:
        return set()


def count(data: Path, leave_out: frozenset[int] | None = None
          ) -> tuple[int, int, Counter[str]]:
    """(individuals, ar2en train pairs, key -> document frequency); the individuals of
    the benchmark's folds ``leave_out`` (default: the untouched fold) are not counted."""
    from bench_precision import TEST_FOLD, fold_of

    from fts_share.watchlist import load_un_xml
    skip = frozenset({TEST_FOLD}) if leave_out is None else leave_out
    df: Counter[str] = Counter()
    people = 0
    for e in load_un_xml(str(data / "un-sc-consolidated-2025-08-02.xml")).entries:
        if e.kind != "individual" or fold_of(e.reference) in skip:
            continue
        people += 1
        df.update(set().union(*(_keys(n) for n in e.all_names() if n)))
    pairs = 0
    for line in (data / "ar2en" / "ar2en-train.txt").read_text("utf-8").splitlines():
        words = [w for w in line.split("\t") if w.strip()]
        if len(words) == 2:
            pairs += 1
            df.update(_keys(words[0]) | _keys(words[1]))
    return people, pairs, df


def write(out: Path, people: int, pairs: int, df: Counter[str]) -> list[tuple[str, int]]:
    """Write the reference file (keys seen at least twice, most frequent first)."""
    kept = sorted(((k, n) for k, n in df.items() if n >= 2), key=lambda t: (-t[1], t[0]))
    lines = [f"#people\t{people}", f"#pairs\t{pairs}", *(f"{k}\t{n}" for k, n in kept)]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return kept


def main() -> int:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    if not (args.data / "un-sc-consolidated-2025-08-02.xml").exists():
        print(f"build_refdata: data not found in {args.data}", file=sys.stderr)
        return 2
    people, pairs, df = count(args.data)
    kept = write(args.out, people, pairs, df)
    print(f"{args.out}: {len(kept)} keys (of {len(df)}), {people} people, {pairs} pairs; "
          "top: " + ", ".join(f"{k} {n}" for k, n in kept[:12]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
