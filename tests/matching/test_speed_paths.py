"""The fast paths give the same numbers as the reference scorer; the v2 file format
round-trips and refuses damaged files; countries come from fts_share.countries."""

import pickle
import random
from pathlib import Path

import pytest

from fts_share.errors import ValidationError
from fts_share.matching import NameIndex, analyze_name, resolve_country
from fts_share.matching.countries import country_code, country_names
from fts_share.matching.scoring import score_names
from fts_share.matching.similarity import part_similarity, similarities_to_many

WORDS = ["Muhammad", "Mohamed", "محمد", "Ahmad", "أحمد", "Hasan", "Hassan", "حسن", "Ali",
         "علي", "Abd al-Rahman", "عبدالرحمن", "Abu Bakr", "أبو بكر", "al-Baghdadi",
         "البغدادي", "Salahuddin", "صلاح الدين", "Zawahiri", "الظواهري", "Nasrallah", "bin",
         "Khalid", "Khaled", "خالد", "al-Harbi", "الحربي", "Yusuf", "Youssef", "يوسف"]


def _names(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.sample(WORDS, rng.randint(1, 4))) for _ in range(n)]


def _index(names: list[str]) -> NameIndex:
    idx = NameIndex()
    for i, n in enumerate(names):
        try:
            idx.add(f"R{i}", n)
        except ValidationError:
            pass
    return idx


def test_batched_part_similarity_equals_one_by_one() -> None:
    parts = [p for n in WORDS if n != "bin" for p in analyze_name(n).name_parts]
    for q in parts:
        many = similarities_to_many(q, [(p.forms, p.script, p.kind) for p in parts])
        assert many == [part_similarity(q, p) for p in parts]


def test_vectorised_scores_equal_the_reference_scorer() -> None:
    """Every name's score by the vectorised path (all groups compared) is bit for bit
    the score of ``score_names``; names with no aligned part score 0."""
    idx = _index(_names(300, 1))
    idx.remove("R7")
    for q in _names(40, 2) + ["Abu Bakr al-Baghdadi", "عبدالرحمن بن خالد"]:
        try:
            query = analyze_name(q)
        except ValidationError:
            continue
        got = idx._exhaustive(query)
        for name_id, analysis in enumerate(idx._names):
            if analysis is None:
                assert name_id not in got
                continue
            ref = score_names(query, analysis, idx.rarity, idx.config).score
            assert got.get(name_id, 0.0) == ref, (q, analysis.text)


def test_index_finds_what_comparing_every_name_finds() -> None:
    """On a small index the candidate budget is never reached: the search returns
    exactly the records that exhaustive scoring ranks first."""
    idx = _index(_names(300, 8))
    for q in _names(30, 9):
        try:
            hits = idx.search(q, threshold=0.5, limit=5)
            query = analyze_name(q)
        except ValidationError:
            continue
        best: dict[str, float] = {}
        for nid, score in idx._exhaustive(query).items():
            rid = idx._name_record[nid]
            best[rid] = max(best.get(rid, 0.0), round(score, 4))
        expected = sorted((s, r) for r, s in best.items() if s >= 0.5)
        expected = [r for s, r in sorted(expected, key=lambda t: (-t[0], t[1]))][:5]
        assert [h.record_id for h in hits] == expected, q


def test_search_scores_are_the_reference_scores() -> None:
    idx = _index(_names(300, 3))
    for q in _names(20, 4):
        try:
            hits = idx.search(q, threshold=0.0)
        except ValidationError:
            continue
        for h in hits:
            rec = idx._records[h.record_id]
            best = max(score_names(analyze_name(q), idx._names[i], idx.rarity, idx.config).score
                       for i in rec.names)
            assert h.score == round(best, 4) == h.explanation.score
            assert pickle.loads(pickle.dumps(h)) == h  # a pickled hit carries its explanation


def test_save_load_v2_round_trip_and_damage(tmp_path: Path) -> None:
    idx = _index(_names(200, 5))
    idx.add("D", "Khalid al-Harbi", dob="1980", nationality="Irak", documents="K-123 456")
    idx.remove("R3")
    path = tmp_path / "idx.bin"
    idx.save(str(path))
    loaded = NameIndex.load(str(path))
    assert len(loaded) == len(idx) and loaded.name_count == idx.name_count
    for q in _names(15, 6) + ["Khaled Harbi"]:
        try:
            a = [(h.record_id, h.score, h.explanation.text) for h in idx.search(q, threshold=0.3)]
        except ValidationError:
            continue
        assert a == [(h.record_id, h.score, h.explanation.text)
                     for h in loaded.search(q, threshold=0.3)]
    assert loaded.search("Khaled Harbi", documents="k123456")[0].record_id == "D"
    raw = bytearray(path.read_bytes())
    for pos in (len(raw) - 5, len(raw) // 2):
        bad = bytearray(raw)
        bad[pos] ^= 0x55
        (tmp_path / "bad.bin").write_bytes(bytes(bad))
        with pytest.raises(ValidationError):
            NameIndex.load(str(tmp_path / "bad.bin"))
    (tmp_path / "short.bin").write_bytes(bytes(raw[:100]))
    with pytest.raises(ValidationError):
        NameIndex.load(str(tmp_path / "short.bin"))


def test_countries_are_the_one_table_with_matching_extras() -> None:
    assert resolve_country("IRQ") == resolve_country("Irak") == resolve_country("العراق") == "IRQ"
    assert resolve_country("IQ") == "IRQ"  # alpha-2, from fts_share.countries
    assert resolve_country("Korea, Democratic People's Republic of") == "PRK"
    assert resolve_country("DPRK") == "PRK" and resolve_country("سورية") == "SYR"
    assert resolve_country("Narnia") is None and resolve_country("") is None
    with pytest.raises(ValidationError) as err:
        country_code("Narnia", field="nationality")
    assert "nationality" in err.value.errors
    assert country_names("EGY")["fr"] == ["Égypte"]


def test_search_many_with_workers_reports_a_bad_row() -> None:
    idx = _index(_names(50, 7))
    rows = ["Khalid al-Harbi"] * 1200 + ["abu"] + ["Yusuf"] * 10
    with pytest.raises(ValidationError) as err:
        idx.search_many(rows, workers=2)
    assert "queries.1200.name" in err.value.errors
    out = idx.search_many(rows, workers=2, skip_invalid=True)
    assert len(out) == len(rows) and out[1200] == []


def test_candidates_rarest_part_then_names_holding_two_common_parts() -> None:
    """With a budget the rarest part fills, the other parts are not scanned: a name
    holding two of them is still a candidate, a name holding one is not."""
    from fts_share.matching import fastpath
    from fts_share.matching.config import MatchConfig

    idx = NameIndex(config=MatchConfig(candidate_budget=1, stats_min_names=10**9))
    idx.add("rare", "Zawahiri")
    for i in range(6):
        idx.add(f"common-{i}", "Khalid Yusuf")  # holds two common parts
        idx.add(f"one-{i}", "Khalid Nasrallah")  # holds one
        idx.add(f"other-{i}", "Yusuf Harbi")  # holds the other
    query = analyze_name("Zawahiri Khalid Yusuf")
    qparts = idx._query_parts(query)
    arrays = idx._arrays()
    near = [(qp.gids, qp.sims) for qp in qparts]
    names = fastpath.candidate_names(near, arrays, idx._scratch, len(idx._names), idx.config)
    records = {idx._name_record[n] for n in names.tolist()}
    assert records == {"rare"} | {f"common-{i}" for i in range(6)}
    # the work bitsets are left clean for the next query
    chosen, seen, current = idx._scratch.name_bits(len(idx._names))
    assert not chosen.any() and not seen.any() and not current.any()
    assert {h.record_id for h in idx.search("Zawahiri Khalid Yusuf", threshold=0.0,
                                            limit=20)} >= records
