"""Probe of a Latin long-vowel rule (issue 16, item 3; session 21, r21-vowels), on the
reference scorer only: what a Latin *ee* / *ei* / *ey* / *ay* / *ie* / *ii* (a long i,
which Arabic writes with ي) against an Arabic word with fewer ي / ى / ی past its first
letter would change, as a factor on that part pair (``--factor``).

    python3 bench/long_vowel_probe.py --data ../shared/data --factor 0.8

Prints: how often the ar2en train pairs spell such a vowel where the Arabic has no
such letter (and the same for *oo* / *ou* / *uu* / *ow* against و); the train pairs and
the listed people's Arabic names against their own Latin names and aliases that the
rule lowers and drops under 0.67; and main's false alarms
(``RESULTS-precision-negatives-r21-precision.json``) that it drops. A probe: the
index's compiled scorer does not see the rule (``NameIndex`` is unchanged).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fts_share.matching import name_similarity
from fts_share.matching.scoring import name_score_ref
from fts_share.watchlist.un_xml import load_un_xml

LONG_I = re.compile(r"ee|ei|ey|ay|ie|ii")
LONG_U = re.compile(r"oo|ou|uu|ow")
PATCHED = "part_similarity"  # the name ``name_score_ref`` scores part pairs with
ORIGINAL = getattr(name_score_ref, PATCHED)


def lacks(latin: str, arabic: str, spelling: re.Pattern[str], letters: str) -> bool:
    """Whether ``latin`` spells more long vowels than ``arabic`` has letters for."""
    return len(spelling.findall(latin)) > sum(c in letters for c in arabic[1:])


def ruled(factor: float) -> Any:
    """``part_similarity`` with the rule: a Latin part lacking its ي scaled by ``factor``."""
    def part_similarity(a: Any, b: Any, **kw: Any) -> float:
        s: float = ORIGINAL(a, b, **kw)
        if a.script != b.script and "initial" not in (a.kind, b.kind):
            lat, ar = (a, b) if a.script == "latin" else (b, a)
            if lacks(lat.core, ar.core, LONG_I, "يىی"):
                s *= factor
        return s
    return part_similarity


def both(a: str, b: str, factor: float) -> tuple[float, float]:
    """``name_similarity`` of a pair without and with the rule."""
    before = name_similarity(a, b)
    setattr(name_score_ref, PATCHED, ruled(factor))
    try:
        after = name_similarity(a, b)
    finally:
        setattr(name_score_ref, PATCHED, ORIGINAL)
    return before, after


def train_pairs(data: Path) -> list[tuple[str, str]]:
    """The ar2en train pairs (Arabic, Latin)."""
    text = (data / "ar2en" / "ar2en-train.txt").read_text("utf-8")
    return [(a.strip(), e.strip()) for a, e in
            (line.split("\t") for line in text.splitlines() if line.count("\t") == 1)]


def listed_pairs(data: Path) -> Iterator[tuple[str, str]]:
    """Each listed person's Arabic-script name with each of their Latin names."""
    arabic = re.compile("[\u0600-\u06ff]")
    for e in load_un_xml(str(data / "un-sc-consolidated-2025-08-02.xml")).entries:
        if e.name_original_script and arabic.search(e.name_original_script):
            for lat in [e.name, *(a.name for a in e.aliases)]:
                if lat and not arabic.search(lat):
                    yield e.name_original_script, lat


def false_alarm_pairs() -> Iterator[tuple[str, str]]:
    """Main's false alarms (query, hit) from r21-precision's reading of them."""
    path = ROOT / "bench" / "RESULTS-precision-negatives-r21-precision.json"
    for found in json.loads(path.read_text("utf-8"))["sets"].values():
        for alarm in found["false_alarms"]:
            for hit in alarm["hits"]:
                query, rest = hit.split(" ", 1)[1].split(" / ", 1)
                yield query, rest.split(": ", 1)[0]


def report(title: str, pairs: Iterator[tuple[str, str]] | list[tuple[str, str]],
           factor: float, show: int = 10) -> None:
    """Print how many pairs the rule lowers and drops under 0.67."""
    n, lowered, lost = 0, [], 0
    for a, b in pairs:
        before, after = both(a, b, factor)
        n += 1
        if after < before:
            lowered.append((a, b, round(before, 3), round(after, 3)))
        lost += before >= 0.67 > after
    print(f"{title}: {n} pairs, lowered {len(lowered)}, under 0.67 now {lost}")
    for row in lowered[:show]:
        print("   ", *row)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--factor", type=float, default=0.8)
    args = ap.parse_args()
    pairs = train_pairs(args.data)
    for name, spelling, letters in (("i", LONG_I, "يىی"), ("u", LONG_U, "و")):
        spelt = [(a, e) for a, e in pairs if spelling.search(e.lower())]
        missing = [p for p in spelt if lacks(p[1].lower(), p[0], spelling, letters)]
        print(f"train, long {name}: {len(spelt)} pairs spell it, {len(missing)} lack the "
              f"letter, e.g. {missing[:8]}")
    report("train pairs", pairs, args.factor)
    report("listed people, Arabic / Latin", listed_pairs(args.data), args.factor)
    report("main's false alarms", false_alarm_pairs(), args.factor)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
