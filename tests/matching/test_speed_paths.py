"""The fast paths give the same numbers as the reference scorer; the v2 file format
round-trips and refuses damaged files; countries come from fts_share.countries."""

import pickle
import random
from pathlib import Path

import numpy as np
import pytest
from search_helpers import ranked_by_every_name

from fts_share.errors import ValidationError
from fts_share.matching import NameIndex, analyze_name, resolve_country
from fts_share.matching.index import query as index_query
from fts_share.matching.index.groups import similarities_to_many
from fts_share.matching.index.join_search import query_readings
from fts_share.matching.refdata.countries import country_code, country_names
from fts_share.matching.scoring.join_guard import meets
from fts_share.matching.scoring.name_score_ref import score_names
from fts_share.matching.scoring.part_similarity_ref import part_similarity

WORDS = ["Muhammad", "Mohamed", "محمد", "Ahmad", "أحمد", "Hasan", "Hassan", "حسن", "Ali",
         "علي", "Abd al-Rahman", "عبدالرحمن", "Abu Bakr", "أبو بكر", "al-Baghdadi",
         "البغدادي", "Salahuddin", "صلاح الدين", "Zawahiri", "الظواهري", "Nasrallah", "bin",
         "Khalid", "Khaled", "خالد", "al-Harbi", "الحربي", "Yusuf", "Youssef", "يوسف"]


def _names(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.sample(WORDS, rng.randint(1, 4))) for _ in range(n)]


def _query_parts(idx: NameIndex, query: object) -> list[index_query.QueryPart]:
    return index_query.query_parts(query, idx.groups, idx.cache, idx.rarity, idx.config)


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
        got = idx.exhaustive_scores(query)
        for name_id, analysis in enumerate(idx.names.analysis):
            if analysis is None:
                assert name_id not in got
                continue
            ref = score_names(query, analysis, idx.rarity, idx.config).score
            assert got.get(name_id, 0.0) == ref, (q, analysis.text)


@pytest.mark.parametrize("threshold", [0.0, 0.5, 0.72, 0.85])
def test_index_finds_what_comparing_every_name_finds(threshold: float) -> None:
    """On a small index the candidate budget is never reached: the search returns
    exactly the records that exhaustive scoring ranks first, at every threshold (a
    threshold prunes only names whose score cannot reach it)."""
    idx = _index(_names(300, 8))
    for q in _names(40, 9):
        try:
            hits = idx.search(q, threshold=threshold, limit=5)
            query = analyze_name(q)
        except ValidationError:
            continue
        expected = [r for r, s in ranked_by_every_name(idx, query) if s >= threshold][:5]
        assert [h.record_id for h in hits] == expected, q


def test_evidence_that_lifts_a_name_over_the_threshold_is_not_pruned() -> None:
    """The threshold prunes names by what evidence could add: a name just under the
    threshold with the same date of birth and nationality is still found."""
    idx = _index(_names(200, 14))
    idx.add("T", "Yusuf Khalid al-Harbi Nasrallah Ali", dob="1981-02-03", nationality="IRQ")
    query = "Khaled al-Harbi Nasrallah Ali"  # four of the record's five parts, not its given name
    cut = idx.config.threshold
    plain = {h.record_id: h.score for h in idx.search(query, threshold=0.0, limit=50)}
    assert plain["T"] < cut  # the name alone does not reach the default threshold
    lifted = idx.search(query, dob="1981-02-03", nationality="Iraq", limit=50)
    hit = next(h for h in lifted if h.record_id == "T")
    assert hit.score >= cut and hit.score > plain["T"]


def test_search_scores_are_the_reference_scores() -> None:
    idx = _index(_names(300, 3))
    for q in _names(20, 4):
        try:
            hits = idx.search(q, threshold=0.0)
        except ValidationError:
            continue
        for h in hits:
            rec = idx.records.by_id[h.record_id]
            best = max(score_names(r, idx.names.analysis[i], idx.rarity, idx.config).score
                       for i in rec.names
                       for r in query_readings(analyze_name(q), idx.holds, idx.adjacent)
                       if meets(r, idx.names.analysis[i], idx.config))
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
    from fts_share.matching.config import MatchConfig
    from fts_share.matching.index import candidates

    idx = NameIndex(config=MatchConfig(candidate_budget=1, stats_min_names=10**9))
    idx.add("rare", "Zawahiri")
    for i in range(6):
        idx.add(f"common-{i}", "Khalid Yusuf")  # holds two common parts
        idx.add(f"one-{i}", "Khalid Nasrallah")  # holds one
        idx.add(f"other-{i}", "Yusuf Harbi")  # holds the other
    query = analyze_name("Zawahiri Khalid Yusuf")
    qparts = _query_parts(idx, query)
    arrays = idx.arrays()
    qw = np.array([qp.weight for qp in qparts])

    def found(need: float) -> set[str]:
        with candidates.QueryTable(qparts, arrays, idx.cache.scratch) as table:
            assert table.rows[qparts[0].gids[0], 0] == qparts[0].sims[0] > 0
            names, pre = candidates.gather(table, qw, need, idx.segments(),
                                           idx.cache.scratch, idx.config)
            # the pre-score is the one of names given by id
            assert pre.tolist() == candidates.prescore(names, table, qw, arrays,
                                                     idx.config).tolist()
        # the work arrays are left clean for the next query
        assert not idx.cache.scratch.name_bits(len(idx.names.analysis)).any()
        assert not idx.cache.scratch.group_bits(arrays.n_groups).any()
        assert not idx.cache.scratch.sim_rows(len(qparts), arrays.n_groups).any()
        return {idx.names.record[n] for n in names.tolist()}

    records = found(0.0)
    assert records == {"rare"} | {f"common-{i}" for i in range(6)}
    assert {h.record_id for h in idx.search("Zawahiri Khalid Yusuf", threshold=0.0,
                                            limit=20)} >= records
    # a name holding only the two common parts cannot match more weight than theirs:
    # when more is needed they are not paired, the rarest part is still read
    assert qw[0] > max(qw[1:])
    assert found(sum(qw[1:]) + 0.01) == {"rare"}
    # less is needed: they can reach it (here by reading every name holding the rare
    # part or "Khalid": no more postings than pairing would read)
    assert found(sum(qw[1:]) - 0.01) >= records
    # more than all parts together: nothing is read at all
    assert found(sum(qw) + 0.01) == set()


def test_candidates_hold_two_distinct_common_parts() -> None:
    """Of three common parts, any two held bring a name, read off the postings of the
    smaller parts only; one part held twice over (the same spelling near two query
    parts) does not."""
    from fts_share.matching.config import MatchConfig
    from fts_share.matching.index import candidates

    idx = NameIndex(config=MatchConfig(candidate_budget=1, stats_min_names=10**9))
    idx.add("rare", "Zawahiri")
    held = {"ab": "Khalid Yusuf", "ac": "Khalid Nasrallah", "bc": "Yusuf Nasrallah",
            "a": "Khalid Harbi", "b": "Yusuf Harbi", "c": "Nasrallah Harbi",
            "aa": "Khalid bin Khalid"}
    for key, name in held.items():
        for i in range(3 if key != "c" else 5):  # Nasrallah is the commonest
            idx.add(f"{key}-{i}", name)
    arrays = idx.arrays()

    def found(text: str) -> set[str]:
        qparts = _query_parts(idx, analyze_name(text))
        with candidates.QueryTable(qparts, arrays, idx.cache.scratch) as table:
            names, _pre = candidates.gather(table, np.array([qp.weight for qp in qparts]), 0.0,
                                            idx.segments(), idx.cache.scratch, idx.config)
        return {idx.names.record[n].split("-")[0] for n in names.tolist()}

    assert found("Zawahiri Khalid Yusuf Nasrallah") == {"rare", "ab", "ac", "bc"}
    # "Khalid" twice in the query: a name must hold it twice too
    assert found("Zawahiri Khalid Khalid") == {"rare", "aa"}


def test_candidates_read_the_least_common_part_when_every_name_needs_it() -> None:
    """When a name without the rare part must hold all three common parts to match
    what is needed, the names of the rare part and of the least common of the three
    are read (every such name is among them); without a need, names holding two
    common parts are paired in."""
    from fts_share.matching.config import MatchConfig
    from fts_share.matching.index import candidates

    idx = NameIndex(config=MatchConfig(candidate_budget=1, stats_min_names=10**9))
    idx.add("rare", "Zawahiri")
    held = {"abc": "Khalid Yusuf Nasrallah", "ab": "Khalid Yusuf", "ac": "Khalid Nasrallah",
            "bc": "Yusuf Nasrallah", "b": "Yusuf Harbi", "c": "Nasrallah Harbi"}
    for key, name in held.items():
        for i in range(2 if key not in ("b", "c") else 4):  # Khalid is the least common
            idx.add(f"{key}-{i}", name)
    arrays = idx.arrays()
    qparts = _query_parts(idx, analyze_name("Zawahiri Khalid Yusuf Nasrallah"))
    qw = np.array([qp.weight for qp in qparts])

    def found(need: float) -> set[str]:
        with candidates.QueryTable(qparts, arrays, idx.cache.scratch) as table:
            names, _pre = candidates.gather(table, qw, need, idx.segments(),
                                            idx.cache.scratch, idx.config)
        return {idx.names.record[n].split("-")[0] for n in names.tolist()}

    commons = qw[1:]
    need = sum(commons) - 0.01
    assert need > max(commons[0] + commons[1], commons[0] + commons[2], commons[1] + commons[2])
    got = found(need)
    assert got == {"rare", "abc", "ab", "ac"}  # the names holding Khalid
    # without the need, names holding two common parts are paired in
    assert found(0.0) >= {"rare", "abc", "ab", "ac", "bc"}


def test_needed_weight_is_where_the_score_bound_reaches_the_floor() -> None:
    """Any name score is at most the bound of ``needed_weight`` at the weight it
    matched: a name matching less than the needed weight scores under the floor."""
    from fts_share.matching.index import candidates

    idx = _index(_names(300, 12))
    cfg = idx.config
    assert candidates.needed_weight(0.0, [1.0, 0.5], cfg) == 0.0
    assert candidates.needed_weight(0.999, [0.2], cfg) == float("inf")
    needs = [candidates.needed_weight(f, [1.0, 0.8], cfg) for f in (0.5, 0.6, 0.72, 0.8)]
    assert needs == sorted(needs) and 0.0 < needs[0] and needs[-1] <= 1.8
    checked = 0
    for q in _names(25, 13):
        try:
            query = analyze_name(q)
        except ValidationError:
            continue
        qparts = _query_parts(idx, query)
        qw = [qp.weight for qp in qparts]
        for analysis in idx.names.analysis[:200]:
            if analysis is None:
                continue
            result = score_names(query, analysis, idx.rarity, cfg)
            # the query weight it matched, at the similarities of the aligned parts
            texts = [qp.part.text for qp in qparts]
            matched = sum(qw[texts.index(a.query_part)] * a.similarity for a in result.parts)
            for floor in (0.4, 0.6, 0.72, 0.9):
                if result.score >= floor:  # (similarities are rounded to 4 places)
                    assert matched + 1e-3 >= candidates.needed_weight(floor, qw, cfg), (
                        q, analysis.text)
                    checked += 1
    assert checked > 100


def test_a_spelling_indexed_later_joins_the_kept_neighbourhoods() -> None:
    """Neighbourhoods kept between queries are dropped when a new neighbour appears:
    a record with a new spelling is found by the next query, and a removed record is
    not."""
    idx = NameIndex()
    idx.add("A", "Khalid Nasrallah")
    idx.add("B", "Yusuf Harbi")
    assert [h.record_id for h in idx.search("Khalid", threshold=0.0)] == ["A"]
    idx.add("C", "Khaled Zawahiri")  # a new group, neighbour of "Khalid" only
    assert {h.record_id for h in idx.search("Khalid", threshold=0.0)} == {"A", "C"}
    idx.remove("A")
    assert [h.record_id for h in idx.search("Khalid", threshold=0.0)] == ["C"]


def test_select_takes_the_best_by_pre_score_ties_to_the_earlier() -> None:
    from fts_share.matching.index import selection_fast

    pre = np.array([0.9, 0.2, 0.5, 0.5, 0.8, 0.1, 0.5, 1.0])
    none = np.zeros(0, dtype=np.bool_)
    keep, best = selection_fast.select(pre, 0.0, 4, 2, none)
    assert sorted(best.tolist()) == [0, 7]  # the two best
    assert keep.tolist() == [0, 2, 4, 7]  # the best four: of the tied 0.5s, the first
    keep, best = selection_fast.select(pre, 0.85, 4, 1, none)
    assert best.tolist() == [7] and keep.tolist() == [0, 7]  # the floor, and the best
    pinned = np.zeros(len(pre), dtype=np.bool_)
    pinned[5] = True
    keep, best = selection_fast.select(pre, 0.85, 4, 0, pinned)
    assert best.tolist() == [] and keep.tolist() == [0, 5, 7]
    keep, best = selection_fast.select(pre[:2], 0.0, 4, 2, none)  # few: all of them
    assert keep.tolist() == [0, 1] and best.tolist() == [0, 1]
