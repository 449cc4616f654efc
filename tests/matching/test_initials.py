"""An initial (one Latin letter, with or without its dot: *M.*, *A*) stands for a name
that starts with its letter, in Latin or in Arabic script (*Haji M. Ashraf* / *HAJI
MUHAMMAD ASHRAF*, *M. Ashraf* / محمد أشرف); it says little (many names start with
its letter) and is never the only evidence. The index finds names through their
other parts and aligns the initials when it scores them."""

import random

import pytest
from search_helpers import ranked_by_every_name

from fts_share.errors import ValidationError
from fts_share.matching import NameIndex, analyze_name, name_similarity


def test_an_initial_aligns_with_a_name_that_starts_with_its_letter() -> None:
    assert name_similarity("M. Ashraf", "Muhammad Ashraf") > name_similarity(
        "M. Ashraf", "Ahmad Ashraf")
    assert name_similarity("Haji M. Ashraf", "HAJI MUHAMMAD ASHRAF") >= 0.9
    assert name_similarity("Tufail, S.M.", "Tufail Shaykh Muhammad") > name_similarity(
        "Tufail, S.M.", "Tufail Karim Hasan")


def test_an_initial_aligns_with_the_arabic_letters_it_can_stand_for() -> None:
    assert name_similarity("M. Ashraf", "محمد أشرف") >= 0.9
    assert name_similarity("M. Ashraf", "محمد أشرف") > name_similarity("M. Ashraf",
                                                                        "أحمد أشرف")
    assert name_similarity("S. Karim", "شريف كريم") > name_similarity("S. Karim",
                                                                        "حسن كريم")


def test_initials_alone_are_no_evidence() -> None:
    assert name_similarity("M. A.", "Muhammad Ali") == 0.0
    assert name_similarity("M. A. Ashraf", "Muhammad Ali Karimi") == 0.0


def _people() -> NameIndex:
    idx = NameIndex()
    idx.add("QDi.265", ["HAJI MUHAMMAD ASHRAF", "Muhammad Ashraf Manshah"],
            dob="1965-03-01", nationality="PAK")
    idx.add("LYi.003", "SAYYID MOHAMMED QADHAF AL-DAM", dob="1948")
    idx.add("X1", "Ahmad Ashraf Karimi", dob="1970-05-02")
    idx.add("X2", "Sayed Hasan Gaddef", dob="1960")
    idx.add("Y1", "Tufail, S.M.")
    return idx


def test_a_query_with_an_initial_finds_the_name_it_abbreviates() -> None:
    idx = _people()
    hits = idx.search("Haji M. Ashraf", dob="1965-03-01", nationality="Pakistan")
    assert [h.record_id for h in hits][:1] == ["QDi.265"]
    assert [h.record_id for h in idx.search("Sayed M. Gaddef Eddam")] == ["LYi.003"]


def test_a_listed_initial_is_aligned_with_the_query_name() -> None:
    idx = _people()
    spelt = idx.search("Tufail Shaykh Muhammad", threshold=0.0)
    other = idx.search("Tufail Karim Hasan", threshold=0.0)
    assert spelt[0].record_id == "Y1" and spelt[0].score > other[0].score


WORDS = ["M.", "A.", "S", "K.", "Muhammad", "Mohamed", "محمد", "Ahmad", "أحمد", "Ashraf",
         "أشرف", "Sayed", "سعيد", "Kabir", "Abd al-Kabir", "Shams", "Karim", "كريم"]


def _names(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.sample(WORDS, rng.randint(1, 4))) for _ in range(n)]


@pytest.mark.parametrize("threshold", [0.0, 0.5, 0.67])
def test_the_index_finds_names_with_initials_as_comparing_every_name_does(
        threshold: float) -> None:
    """Initials bring no candidates, yet the search returns the records that scoring
    every name ranks first (its candidates come through the other parts, and the
    threshold prunes only names whose score cannot reach it)."""
    idx = NameIndex()
    for i, n in enumerate(_names(300, 21)):
        try:
            idx.add(f"R{i}", n)
        except ValidationError:
            pass
    for q in _names(60, 22):
        try:
            hits = idx.search(q, threshold=threshold, limit=5)
            query = analyze_name(q)
        except ValidationError:
            continue
        expected = [r for r, s in ranked_by_every_name(idx, query)
                    if s >= threshold and s > 0][:5]
        assert [h.record_id for h in hits] == expected, q
