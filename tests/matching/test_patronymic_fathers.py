"""Another father (issue 16, item 3; session 20): a patronymic reads as its father's
name, so a list that writes the father's name without its suffix names the same father
(*Akhmed Rajap Chataev* / *Akhmed Rajapovich Chataev*); another part in its place is
another father, be it a patronymic or a plain name (``patronymic_conflict``, counted
when either name holds a patronymic); and a patronymic is never the other name's given
name (*Magomedovich* is Magomed's son, not Magomed). Parts that face each other are
counted in a name whose family name is written first too."""

from __future__ import annotations

import pytest

from fts_share.matching import MatchConfig, NameIndex, name_similarity
from fts_share.matching.scoring.name_score_ref import substitutions

#: listed people (names as the UN list writes them)
LISTED = {
    "RUi.5": ["AKHMED RAJAPOVICH CHATAEV"],
    "RUi.6": ["Аслан Авгазарович Бютукаев"],
    "RUi.7": ["Хусан Исаевич Газиев"],
    "RUi.8": ["MAGHOMED MAGHOMEDZAKIROVICH ABDURAKHMANOV"],
    "RUi.2": ["TARKHAN ISMAILOVICH GAZIEV"],
}

#: made-up people: given and family name of a listed person, another father
OTHERS = [
    "Аслан Магомед Бютукаев",              # a plain father's name (0.69 before)
    "Хусан Исмаилович Гучаев",             # another patronymic (0.69 before)
    "Tarkhan AVGAZAROVICH GAZIEV",         # the same in Latin (0.67 before)
    "Абдурахманов Магомедович Измайлов",   # Magomed's son against Maghomed himself
    "Абдурахманов Магомед Алиев",          # family name first, another family (0.73)
]


@pytest.mark.parametrize(("a", "b"), [
    ("AKHMED Rajap CHATAEV", "AKHMED RAJAPOVICH CHATAEV"),        # 0.79 before
    ("Ахмед Ражап Чатаев", "AKHMED RAJAPOVICH CHATAEV"),
    ("Шамиль Магомед Измайлов", "Шамиль Магомедович Измайлов"),   # 0.89 before
    ("Khusan Isa Gaziev", "Хусан Исаевич Газиев"),
])
def test_a_fathers_name_without_its_suffix_is_the_patronymic(a: str, b: str) -> None:
    assert name_similarity(a, b) >= 0.95


def test_a_patronymic_is_not_a_given_name() -> None:
    # Magomedovich reads as Magomed, yet it is not aligned with a man named Maghomed
    assert name_similarity("Magomedovich Umarov", "Maghomed Umarov") < 0.8


@pytest.mark.parametrize("query", OTHERS)
def test_search_does_not_raise_another_father(index: NameIndex, query: str) -> None:
    assert index.search(query) == []


@pytest.mark.parametrize(("query", "person"), [
    ("AKHMED Rajap CHATAEV", "RUi.5"),
    ("Ахмед Ражапович Чатаев", "RUi.5"),
    ("Akhmed Chataev", "RUi.5"),                 # the patronymic left out
    ("Хусан Иса Газиев", "RUi.7"),
    ("Tarkhan Isaevich Gaziev", "RUi.2"),        # the UN list's own alias (0.68)
])
def test_search_finds_the_same_father(index: NameIndex, query: str, person: str) -> None:
    assert [h.record_id for h in index.search(query, limit=3)] == [person]


def test_another_father_costs_patronymic_conflict(index: NameIndex) -> None:
    # (other_name_conflict off too: Магомед / Авгазарович are clearly other names)
    off = NameIndex(config=MatchConfig(patronymic_conflict=0.0, other_name_conflict=0.0))
    for record_id, names in LISTED.items():
        off.add(record_id, names)
    query = "Аслан Магомед Бютукаев"
    assert [h.record_id for h in off.search(query)] == ["RUi.6"]
    assert index.search(query, threshold=0.5)[0].score < off.search(query)[0].score


def test_parts_face_each_other_with_the_family_name_first() -> None:
    # Abdurakhmanov Magomed Aliev / Maghomed Maghomedzakirovich Abdurakhmanov: read
    # with the family name first, Aliev stands where the other has Maghomedzakirovich
    assert substitutions(3, 3, [(1.0, 0, 2), (1.0, 1, 0)]) == 1
    # Umarov Doku Khamatovich / Doku Khamatovich Umarov: the same parts, none facing
    assert substitutions(3, 3, [(1.0, 0, 2), (1.0, 1, 0), (1.0, 2, 1)]) == 0
    assert substitutions(3, 3, [(1.0, 0, 1), (1.0, 1, 2), (1.0, 2, 0)]) == 0
