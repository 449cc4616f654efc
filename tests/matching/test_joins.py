"""A name written as one word or two (issue 16, item 3): *Walijan* / ولی جان, *Hassan
Dahir Aweys* / حسن ظاهرعويس, *Khudai Rahim* / خدايرحيم, *Allahdad* / *Allah Dad
Matin* meet; a son's given name is not joined to his father's, two names that both
write *Ahmad Jan* apart are not made rarer namesakes, and a join crosses no particle.
The index files every name as written; a query's word is joined, or read as two, only
where the index holds the joined word or the two words side by side."""

from __future__ import annotations

from pathlib import Path

import pytest

from fts_share.matching import MappedIndex, NameIndex, analyze_name, name_similarity, write_mapped
from fts_share.matching.index.join_search import query_readings
from fts_share.matching.scoring.join_readings import is_split, joined_readings
from fts_share.matching.scoring.name_score_ref import score_names
from fts_share.matching.scoring.rarity import builtin_rarity

LISTED = {"W": "WALIJAN", "H": "HASSAN DAHIR AWEYS", "K": "محمد قاسم مير ولي خدايرحيم",
          "M": "ALLAH DAD MATIN", "S": "صدام حسين التكريتي", "A": "Ahmad Jan Akhtar",
          "Z": "AKHUND ZADA SHER MOHAMMAD"}


def _index() -> NameIndex:
    idx = NameIndex()
    for rid, name in LISTED.items():
        idx.add(rid, name)
    return idx


@pytest.mark.parametrize(("one", "two"), [
    ("Allahdad", "Allah Dad"), ("WALIJAN", "ولی جان"), ("ولیجان", "WALI JAN"),
    ("حسن ظاهرعويس", "HASSAN DAHIR AWEYS"),
    ("محمد قاسم مير ولي خدايرحيم", "MOHAMMED QASIM MIR WALI KHUDAI RAHIM")])
def test_a_name_written_as_one_word_reads_as_it_written_as_two(one: str, two: str) -> None:
    assert name_similarity(one, two) >= 0.85
    assert name_similarity(two, one) == name_similarity(one, two)


@pytest.mark.parametrize(("query", "listed"), [
    ("ولی جان", "W"), ("Wali Jan", "W"),
    ("Allahdad Matin", "M"), ("Akhundzada Sher Mohammad", "Z"), ("آخوندزاده شیر محمد", "Z")])
def test_a_search_finds_the_name_written_the_other_way(query: str, listed: str) -> None:
    """Joined where the list writes the word whole, read as two where it writes them
    apart; scored as ``name_similarity`` finds them (>= the threshold both)."""
    idx = _index()
    hits = idx.search(query)  # (the default threshold)
    assert [h.record_id for h in hits][:1] == [listed]
    assert hits[0].name == LISTED[listed]  # the name as listed, not a joined reading
    assert name_similarity(query, LISTED[listed]) >= idx.config.threshold


def test_a_query_is_joined_or_split_only_where_the_index_can_meet_it() -> None:
    """Nothing joined is filed; *Wali Jan* reads as *Walijan* only beside *WALIJAN*,
    *Walijan* as *Wali Jan* only beside a name writing *WALI JAN*."""
    idx, other = _index(), NameIndex()
    other.add("X", "Sher Ali Mohammad")
    assert idx.name_count == other.name_count + len(LISTED) - 1  # (one name a record)
    for query, joined, split in (("Wali Jan", 1, 0), ("Allahdad Matin", 0, 1),
                                 ("Sher Ali Zada", 0, 0)):
        analysis = analyze_name(query)
        for index, held in ((idx, True), (other, False)):
            readings = query_readings(analysis, index.holds, index.adjacent)[1:]
            assert sum(r.joined for r in readings) == joined * held
            assert sum(is_split(r) for r in readings) == split * held


def test_a_snapshot_finds_them_the_same(tmp_path: Path) -> None:
    idx = _index()
    path = tmp_path / "joins.fmap"
    write_mapped(idx, str(path))
    mapped = MappedIndex.open(str(path))
    assert mapped.name_count == idx.name_count == len(LISTED)  # (joined readings: none)
    for query in ("Wali Jan", "حسن ظاهرعويس", "Allahdad Matin", "Ahmad Jan Wazir",
                  "Akhundzada Sher"):
        assert mapped.search(query, threshold=0.0) == idx.search(query, threshold=0.0)


def test_a_sons_given_name_is_not_joined_to_his_fathers() -> None:
    """*Uday Saddam* is not *Udaysaddam* read as *Saddam* (0.85): *Saddam* alone reads
    better, so the son scores as his own name does."""
    query = analyze_name("UDAY SADDAM HUSSEIN AL-TIKRITI")
    idx = _index()
    hit = next(h for h in idx.search(query.text, threshold=0.0) if h.record_id == "S")
    own = score_names(query, analyze_name(LISTED["S"]), idx.rarity, idx.config)
    assert hit.score == round(own.score, 4)
    assert all(p.query_part != "udaysaddam" for p in hit.explanation.parts)


def test_two_names_written_apart_are_not_joined_into_namesakes() -> None:
    """Both write *Ahmad Jan* apart: scored as written, never as two *Ahmadjan*."""
    idx = _index()
    query = analyze_name("Ahmad Jan Wazir")
    hit = next(h for h in idx.search(query.text, threshold=0.0) if h.record_id == "A")
    own = score_names(query, analyze_name(LISTED["A"]), idx.rarity, idx.config)
    assert hit.score == round(own.score, 4)
    plain = score_names(query, analyze_name(LISTED["A"]),
                        lambda p: builtin_rarity(p, idx.config), idx.config)
    assert name_similarity("Ahmad Jan Wazir", "Ahmad Jan Akhtar") == round(plain.coverage, 4)


@pytest.mark.parametrize("word", ["Haddad", "Trinidad", "Adamson", "Abdulrahman"])
def test_a_word_alone_reads_as_one(word: str) -> None:
    assert analyze_name(word).readings == (analyze_name(word),)
    assert len(analyze_name(word).name_parts) == 1
    assert joined_readings(analyze_name(word).text) == ()


def test_a_split_word_meets_only_a_name_writing_its_halves_side_by_side() -> None:
    """*Allahdad* is read as *Allah Dad* beside *ALLAH DAD MATIN*, yet meets *DAD
    ALLAH MATIN* (both words, apart and the other way round) only as written."""
    idx = _index()
    idx.add("D", "DAD ALLAH MATIN")
    query = analyze_name("Allahdad Matin")
    hits = {h.record_id: h.score for h in idx.search(query.text, threshold=0.0)}
    own = score_names(query, analyze_name("DAD ALLAH MATIN"), idx.rarity, idx.config)
    assert hits["M"] >= idx.config.threshold > hits["D"] == round(own.score, 4)


@pytest.mark.parametrize("name", ["Ahmad bin Ali", "Salah al-Din", "Abd al-Rahman",
                                  "Dr. Omar", "M. Ashraf", "AHMED ABDI AW-MOHAMED"])
def test_no_join_crosses_a_particle_a_title_or_an_initial(name: str) -> None:
    """Nor makes the core of an Abd X (*Abdi Awmohamed* read as عبد محمد)."""
    assert not analyze_name(name).others
    assert not joined_readings(analyze_name(name).text)


def test_a_name_of_two_words_also_reads_as_one() -> None:
    readings = (analyze_name("Wali Jan"), *joined_readings("Wali Jan"))
    assert [[p.text for p in r.name_parts] for r in readings] == [["wali", "jan"],
                                                                  ["walijan"]]
    assert [r.joined for r in readings] == [False, True]
    assert {r.text for r in readings} == {"Wali Jan"}
