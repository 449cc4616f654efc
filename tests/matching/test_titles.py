"""Ranks and offices before a name are titles, not name parts (issue 16, item 3): a
shared *Colonel* is no evidence that two people are one, and a rank written or left
out does not keep a person's name from meeting it."""

from __future__ import annotations

import pytest

from fts_share.matching import NameIndex, analyze_name, name_similarity


@pytest.mark.parametrize(("a", "b"), [
    ("Colonel Innocent Ngaruye", "Colonel Baudoin Ngaruye"),
    ("General Jean Bosco", "General Jean Pierre"),
    ("Colonel Jean Baptiste", "Colonel Jean Pierre"),
])
def test_a_shared_rank_does_not_make_two_people_one(a: str, b: str) -> None:
    assert name_similarity(a, b) < 0.6  # (0.64-0.85 when the rank was a name)


@pytest.mark.parametrize(("a", "b"), [
    ("Captain Jerome Kakwavu", "Colonel Jerome Kakwavu"),
    ("Colonel Innocent Kaina", "Innocent Kaina"),
    ("Commander Putol", "Commandant Putol"),
    ("العقيد معمر القذافي", "معمر القذافي"),
])
def test_a_rank_written_or_not_keeps_the_name(a: str, b: str) -> None:
    assert name_similarity(a, b) == 1.0


def test_search_reads_ranks_as_titles() -> None:
    index = NameIndex()
    index.add("ngaruye", ["Colonel Baudoin Ngaruye"])
    index.add("kakwavu", ["Colonel Jerome Kakwavu"])
    assert index.search("Colonel Innocent Ngaruye") == []  # (0.74 when Colonel was a name)
    hits = index.search("Captain Jerome Kakwavu")
    assert [h.record_id for h in hits] == ["kakwavu"] and hits[0].score > 0.95


def test_a_rank_after_a_name_or_inside_one_stays_a_word() -> None:
    parts = analyze_name("KOREA RYONBONG GENERAL CORPORATION").parts
    assert [p.kind for p in parts] == ["plain"] * 4
    assert [p.role for p in analyze_name("General Major Mupenzi").parts] == \
        ["title", "given", "family"]
