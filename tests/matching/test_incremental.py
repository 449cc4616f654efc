"""An index that grows page by page (screening on arrival) searches exactly as one built
at once over the same records: the snapshot's weights follow the rarity statistics
of every name added or removed, and its postings the names, to the last bit."""

import random
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fts_share.errors import ValidationError
from fts_share.matching import MappedIndex, MatchConfig, NameIndex, OverlaidIndex, write_mapped

#: statistics from 30 names on: every page moves every part's rarity
CONFIG = MatchConfig(stats_min_names=30)
GIVEN = ["Mohammed", "Muhammad", "Ahmed", "Abdullah", "Omar", "Ali", "Hassan", "Yusuf",
         "Ibrahim", "Khalid", "Saif", "Abu Bakr", "محمد", "أحمد", "عبد الله", "عمر"]
FAMILY = ["al-Baghdadi", "Zawahiri", "al-Masri", "Haqqani", "al-Tikriti", "Othman",
          "al-Adel", "Mahmoud", "Zidan", "al-Libi", "البغدادي", "الظواهري", "المصري"]


def _records(n: int, seed: int) -> list[tuple[str, list[str], dict]]:
    """``n`` records whose tokens recur with Zipf-like weights (common names repeat)."""
    rng = random.Random(seed)
    gw = [1 / (i + 1) for i in range(len(GIVEN))]
    fw = [1 / (i + 1) for i in range(len(FAMILY))]
    out = []
    for i in range(n):
        first, second = rng.choices(GIVEN, gw, k=2)
        names = [f"{first} {second} {rng.choices(FAMILY, fw)[0]}"]
        if rng.random() < 0.4:
            names.append(f"{rng.choices(GIVEN, gw)[0]} {rng.choices(FAMILY, fw)[0]}")
        evidence = {"dob": str(rng.randint(1960, 1990))} if rng.random() < 0.5 else {}
        out.append((f"r{i}", names, evidence))
    return out


def _queries(seed: int) -> list[tuple[str, dict]]:
    rng = random.Random(seed)
    qs: list[tuple[str, dict]] = [(f"{g} {f}", {}) for g in GIVEN[:6] for f in FAMILY[:5]]
    qs += [(f"{rng.choice(GIVEN)} {rng.choice(GIVEN)} {rng.choice(FAMILY)}",
            {"threshold": 0.3, "limit": 40, "dob": str(rng.randint(1960, 1990))})
           for _ in range(25)]
    return qs + [("Muhammad", {"threshold": 0.0, "limit": 60}), ("Omar Othman", {})]


def _hits(idx: NameIndex | OverlaidIndex, queries: list[tuple[str, dict]]) -> list:
    out = []
    for q, kw in queries:
        try:
            hits = idx.search(q, **kw)
        except ValidationError:
            out.append(None)
            continue
        out.append([(h.record_id, h.name, h.score, h.explanation) for h in hits])
    return out


def _fresh(grown: NameIndex, held: dict[str, tuple[list[str], dict]]) -> NameIndex:
    """An index built at once over what ``grown`` holds, in its record order."""
    fresh = NameIndex(config=CONFIG)
    for rid in grown.record_ids():
        names, evidence = held[rid]
        fresh.add(rid, names, **evidence)
    return fresh


def _weights(idx: NameIndex) -> dict:
    """Per indexed part (by what it is): its weight in the snapshot."""
    arrays = idx.arrays()
    return {part: float(arrays.part_weight[pid]) for pid, part in enumerate(idx.parts.items)}


def _grow(records: list, pages: list[int], removals: set[int], queries: list
          ) -> tuple[NameIndex, dict]:
    """Add ``records`` a page at a time (searching after each page, as arrival
    screening does); after page k in ``removals`` drop a record and rename another."""
    grown = NameIndex(config=CONFIG)
    held: dict[str, tuple[list[str], dict]] = {}
    at = 0
    for k, size in enumerate(pages):
        for rid, names, evidence in records[at:at + size]:
            grown.add(rid, names, **evidence)
            held[rid] = (names, evidence)
        at += size
        _hits(grown, queries[k::len(pages)])
        if k in removals and len(held) > 2:
            gone, moved = list(held)[k % len(held)], list(held)[-1]
            grown.remove(gone)
            del held[gone]
            names = [f"Omar {FAMILY[k % len(FAMILY)]}"]
            grown.add(moved, names)
            held[moved] = (names, {})
    return grown, held


def test_growing_page_by_page_gives_the_hits_of_a_fresh_build() -> None:
    records, queries = _records(400, seed=1), _queries(seed=2)
    grown, held = _grow(records, [40] * 10, {3, 7}, queries)
    fresh = _fresh(grown, held)
    assert grown.name_count == fresh.name_count
    assert _weights(grown) == {p: w for p, w in _weights(fresh).items()
                               if p in grown.parts.ids}
    got, want = _hits(grown, queries), _hits(fresh, queries)
    assert got == want
    assert sum(len(h) for h in want if h) > 200  # the comparison is not empty


def test_weights_follow_every_page() -> None:
    """A page that adds names moves every part's rarity: the snapshot is not kept."""
    idx = NameIndex(config=CONFIG)
    for rid, names, evidence in _records(60, seed=3):
        idx.add(rid, names, **evidence)
    before = idx.arrays().part_weight.copy()
    idx.add("new", ["Zayd Qutb"])
    after = idx.arrays().part_weight
    assert not np.array_equal(before, after[:len(before)])
    for pid, part in enumerate(idx.parts.items):
        assert after[pid] == CONFIG.role_weight(part.role) * idx.rarity(part)


@settings(max_examples=12, deadline=None)
@given(n=st.integers(20, 160), seed=st.integers(0, 10_000),
       pages=st.lists(st.integers(1, 60), min_size=1, max_size=8),
       removals=st.sets(st.integers(0, 7), max_size=3))
def test_any_growth_gives_the_hits_of_a_fresh_build(n: int, seed: int, pages: list[int],
                                                    removals: set[int]) -> None:
    records, queries = _records(n, seed), _queries(seed + 1)[::3]
    grown, held = _grow(records, pages, removals, queries)
    fresh = _fresh(grown, held)
    assert _hits(grown, queries) == _hits(fresh, queries)


@pytest.mark.parametrize("stats_min_names", [1, 10**9])
def test_empty_and_statistics_free_indexes(stats_min_names: int) -> None:
    idx = NameIndex(config=MatchConfig(stats_min_names=stats_min_names))
    assert idx.search("Omar Othman") == []
    idx.add("a", "Omar Othman")
    assert [h.record_id for h in idx.search("Omar Othman", threshold=0.0)] == ["a"]
    idx.remove("a")
    assert idx.search("Omar Othman") == []


def _grow_over(snapshot_of: int, records: list, pages: list[int], removals: set[int],
               queries: list, path: Path) -> tuple[OverlaidIndex, dict]:
    """A snapshot of the first ``snapshot_of`` records, mapped, then the rest added a
    page at a time into its overlay (as ``_grow``), searching after each page."""
    snap = NameIndex(config=CONFIG)
    held: dict[str, tuple[list[str], dict]] = {}
    for rid, names, evidence in records[:snapshot_of]:
        snap.add(rid, names, **evidence)
        held[rid] = (names, evidence)
    write_mapped(snap, str(path), sequence=1)
    over = OverlaidIndex(MappedIndex.open(str(path), config=CONFIG))
    at = snapshot_of
    for k, size in enumerate(pages):
        for rid, names, evidence in records[at:at + size]:
            over.add(rid, names, **evidence)
            held[rid] = (names, evidence)
        at += size
        _hits(over, queries[k::len(pages)])
        if k in removals and len(held) > 2:
            gone, moved = list(held)[(7 * k) % len(held)], list(held)[k]
            over.remove(gone)
            del held[gone]
            names = [f"Omar {FAMILY[k % len(FAMILY)]}"]
            over.add(moved, names)
            held[moved] = (names, {})
    return over, held


def test_mapped_snapshot_and_overlay_give_the_hits_of_a_fresh_build(tmp_path: Path
                                                                    ) -> None:
    """The overlay's records and the snapshot's masked ones move the statistics
    both parts weigh with: the hits are those of one index built over the names."""
    records, queries = _records(300, seed=5), _queries(seed=6)
    over, held = _grow_over(150, records, [30] * 5, {1, 3}, queries, tmp_path / "s")
    assert over.masked
    fresh = NameIndex(config=CONFIG)
    for rid in sorted(held):
        fresh.add(rid, *held[rid][:1], **held[rid][1])
    got, want = _hits(over, queries), _hits(fresh, queries)
    assert got == want
    assert sum(len(h) for h in want if h) > 150


@settings(max_examples=8, deadline=None)
@given(n=st.integers(40, 160), seed=st.integers(0, 10_000), data=st.data())
def test_any_overlay_gives_the_hits_of_a_fresh_build(n: int, seed: int,
                                                    data: st.DataObject) -> None:
    snapshot_of = data.draw(st.integers(1, n - 1), label="snapshot_of")
    pages = data.draw(st.lists(st.integers(1, 40), min_size=1, max_size=6), label="pages")
    removals = data.draw(st.sets(st.integers(0, 5), max_size=3), label="removals")
    records, queries = _records(n, seed), _queries(seed + 1)[::3]
    with tempfile.TemporaryDirectory() as folder:
        over, held = _grow_over(snapshot_of, records, pages, removals, queries,
                                Path(folder) / "s")
        fresh = NameIndex(config=CONFIG)
        for rid in sorted(held):
            fresh.add(rid, *held[rid][:1], **held[rid][1])
        assert _hits(over, queries) == _hits(fresh, queries)


def test_snapshot_and_overlay_search_as_one_index_past_the_candidate_budgets(
        tmp_path: Path) -> None:
    """With budgets so tight that most queries' candidates exceed them, a snapshot and
    its overlay still give the hits of one index built over the snapshot's records and
    then the overlay's: the candidates are planned, read and chosen over both at once,
    and the masked records' names are passed over."""
    tight = MatchConfig(stats_min_names=30, candidate_budget=12, max_candidates=6,
                        exact_candidates=2)
    records, queries = _records(240, seed=11), _queries(seed=12)
    snap, fresh = NameIndex(config=tight), NameIndex(config=tight)
    for rid, names, evidence in records[:120]:
        snap.add(rid, names, **evidence)
        fresh.add(rid, names, **evidence)
    write_mapped(snap, str(tmp_path / "s"), sequence=1)
    over = OverlaidIndex(MappedIndex.open(str(tmp_path / "s"), config=tight))
    for rid, names, evidence in records[120:]:
        over.add(rid, names, **evidence)
        fresh.add(rid, names, **evidence)
    for idx in (over, fresh):  # one of the snapshot's records removed, one replaced
        idx.remove("r3")
        idx.add("r5", ["Omar Zawahiri"], dob="1971")
    got, want = _hits(over, queries), _hits(fresh, queries)
    assert got == want
    assert sum(len(h) for h in want if h) > 40
