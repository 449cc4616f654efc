"""A name written as one word or two (issue 16, item 3): *Walijan* / ولی جان, *Hassan
Dahir Aweys* / حسن ظاهرعويس, *Khudai Rahim* / خدايرحيم, *Allahdad* / *Allah Dad
Matin* meet; a son's given name is not joined to his father's, two names that both
write *Ahmad Jan* apart are not made rarer namesakes, a word is never split, and a
join crosses no particle."""

from __future__ import annotations

from pathlib import Path

import pytest

from fts_share.matching import MappedIndex, NameIndex, analyze_name, name_similarity, write_mapped
from fts_share.matching.scoring.name_score_ref import score_names
from fts_share.matching.scoring.rarity import builtin_rarity

LISTED = {"W": "WALIJAN", "H": "HASSAN DAHIR AWEYS", "K": "محمد قاسم مير ولي خدايرحيم",
          "M": "ALLAH DAD MATIN", "S": "صدام حسين التكريتي", "A": "Ahmad Jan Akhtar"}


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
    ("ولی جان", "W"), ("Wali Jan", "W"), ("حسن ظاهرعويس", "H"),
    ("MOHAMMED QASIM MIR WALI KHUDAI RAHIM", "K"), ("Allahdad Matin", "M")])
def test_a_search_finds_the_name_written_the_other_way(query: str, listed: str) -> None:
    idx = _index()
    hits = idx.search(query)  # (the default threshold)
    assert [h.record_id for h in hits][:1] == [listed]
    assert hits[0].name == LISTED[listed]  # the name as listed, not a joined reading


def test_a_snapshot_finds_them_the_same(tmp_path: Path) -> None:
    idx = _index()
    path = tmp_path / "joins.fmap"
    write_mapped(idx, str(path))
    mapped = MappedIndex.open(str(path))
    assert mapped.name_count == idx.name_count == len(LISTED)  # (joined readings: none)
    for query in ("Wali Jan", "حسن ظاهرعويس", "Allahdad Matin", "Ahmad Jan Wazir"):
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
def test_a_word_is_never_split(word: str) -> None:
    assert analyze_name(word).readings == (analyze_name(word),)
    assert len(analyze_name(word).name_parts) == 1


@pytest.mark.parametrize("name", ["Ahmad bin Ali", "Salah al-Din", "Abd al-Rahman",
                                  "Dr. Omar", "M. Ashraf", "AHMED ABDI AW-MOHAMED"])
def test_no_join_crosses_a_particle_a_title_or_an_initial(name: str) -> None:
    """Nor makes the core of an Abd X (*Abdi Awmohamed* read as عبد محمد)."""
    assert not analyze_name(name).others


def test_a_name_of_two_words_also_reads_as_one() -> None:
    readings = analyze_name("Wali Jan").readings
    assert [[p.text for p in r.name_parts] for r in readings] == [["wali", "jan"],
                                                                  ["walijan"]]
    assert [r.joined for r in readings] == [False, True]
    assert {r.text for r in readings} == {"Wali Jan"}
