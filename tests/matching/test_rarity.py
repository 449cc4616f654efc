"""Rarity from the reference frequencies of real lists, and the nasab shifted by a
generation (sons and fathers share all but one part of their names)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from fts_share.matching import MatchConfig, NameIndex, analyze_name
from fts_share.matching.scoring.rarity import builtin_rarity, reference_frequencies


def weight(name: str, config: MatchConfig | None = None) -> float:
    [part] = analyze_name(name).name_parts
    return builtin_rarity(part, config or MatchConfig())


def test_common_parts_of_real_lists_weigh_less_than_rare_ones() -> None:
    people, df = reference_frequencies()
    # the UN list's individuals less the benchmark's untouched fold (565 of 684)
    assert people > 500 and len(df) > 1000
    assert weight("Muhammad") < weight("Hassan") < weight("al-Tikriti") < 1.0
    assert weight("Zawahiri") == weight("Wakeford") == 1.0  # rare, or never seen
    # the common-name table alone, without the reference
    off = MatchConfig().with_options(reference_idf_scale=0.0)
    assert weight("al-Tikriti", off) == 1.0 and weight("Muhammad", off) == 0.35


def test_a_son_or_father_is_not_raised_where_an_alias_is() -> None:
    index = NameIndex()
    index.add("IQi.008", ["BARZAN IBRAHIM HASAN AL-TIKRITI", "برزان إبراهيم حسن التكريتي"],
              nationality="IRQ")
    found = {q: [h.record_id for h in index.search(q)] for q in (
        "Barzan Ibrahim al-Tikriti",               # a middle name dropped: the same man
        "برزان إبراهيم التكريتي",
        "Mohammad Barzan Ibrahim Hasan al-Tikriti",  # his son
        "محمد برزان إبراهيم حسن التكريتي",
        "Ibrahim Hasan al-Tikriti")}               # his father
    assert found == {"Barzan Ibrahim al-Tikriti": ["IQi.008"],
                     "برزان إبراهيم التكريتي": ["IQi.008"],
                     "Mohammad Barzan Ibrahim Hasan al-Tikriti": [],
                     "محمد برزان إبراهيم حسن التكريتي": [],
                     "Ibrahim Hasan al-Tikriti": []}
    son = index.search("Mohammad Barzan Ibrahim Hasan al-Tikriti", threshold=0.0)[0]
    assert [r.params["role"] for r in son.explanation.reasons
            if r.code == "part_unmatched"] == ["given"]  # Mohammad, only in the query


def test_the_shipped_frequencies_are_those_of_todays_readings(shared_data: Path) -> None:
    """A change to the analyser that changes a part's key must rebuild the table
    (``python3 bench/build_refdata.py``): a stale table weighs parts by keys no name has."""
    bench = Path(__file__).resolve().parents[2] / "bench"
    sys.path[:0] = [str(bench)]
    try:
        spec = importlib.util.spec_from_file_location("build_refdata", bench / "build_refdata.py")
        assert spec and spec.loader
        builder = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(builder)
        people, _pairs, df = builder.count(shared_data)
    finally:
        del sys.path[0]
    rebuilt = {k: n for k, n in df.items() if n >= 2}
    shipped_people, shipped = reference_frequencies()
    assert shipped_people == people
    stale = sorted(set(rebuilt.items()) ^ set(shipped.items()))
    assert not stale, f"rebuild refdata/name_frequencies.tsv: {stale[:10]}"
