"""Two patronymics that name other fathers (issue 16, item 3; session 21):
``other_father_similarity`` (on by default, 0.4) reads two patronymics under the
alignment floor as clearly other names for ``other_name_conflict`` when their fathers'
names (the readings without -ovich) are less than 0.4 alike, however alike the shared
suffix makes the patronymics (*Magomedovich* / *Rajapovich* 0.42, *Magomed* / *Rajap*
0.11). The same father written otherwise, or a father whose name is as alike as *Isa*
and *Ismail* (the UN list's own alias of QDi.366), keeps its score. The compiled scorer
(through ``NameIndex``) gives the reference scorer's doubles."""

from __future__ import annotations

import pytest
from search_helpers import score_against

from fts_share.matching import MatchConfig, NameIndex
from fts_share.matching.scoring.analysis import analyze_name
from fts_share.matching.scoring.name_score_ref import score_names
from fts_share.matching.scoring.part_similarity_ref import father_similarity
from fts_share.matching.text.forms import Form

ON = MatchConfig()
OFF = MatchConfig(other_father_similarity=0.0)

#: (query, listed name): another father's patronymic between the same given and
#: family name, in Latin and in Cyrillic letters
OTHER_FATHER = [
    ("Akhmed Magomedovich Chataev", "Akhmed Rajapovich Chataev"),
    ("Ахмед Магомедович Чатаев", "Akhmed Rajapovich Chataev"),
]

#: (query, listed name): the same father, or one the lists cannot tell apart
SAME_FATHER = [
    ("Tarkhan Isaevich Gaziev", "Tarkhan Ismailovich Gaziev"),  # QDi.366, both listed
    ("Akhmed Rajap Chataev", "Akhmed Rajapovich Chataev"),       # no suffix
    ("Ахмед Ражапович Чатаев", "Akhmed Rajapovich Chataev"),     # Cyrillic
    ("Shamil Magomed Ismailov", "Shamil Magomedovich Ismailov"),
]



@pytest.mark.parametrize(("query", "listed"), OTHER_FATHER)
def test_another_fathers_patronymic_is_no_alert(query: str, listed: str) -> None:
    idx = NameIndex()
    idx.add("R1", listed)
    idx.add("R2", "Doku Khamatovich Umarov")
    assert idx.search(query) == []
    assert score_against(query, listed, OFF) >= ON.threshold  # an alert without the rule


@pytest.mark.parametrize(("query", "listed"), OTHER_FATHER)
def test_another_fathers_patronymic_is_taken_off(query: str, listed: str) -> None:
    assert score_against(query, listed, ON) == pytest.approx(
        score_against(query, listed, OFF) - ON.other_name_conflict, abs=1e-4)


@pytest.mark.parametrize(("query", "listed"), SAME_FATHER)
def test_the_same_father_keeps_itsscore_against(query: str, listed: str) -> None:
    assert score_against(query, listed, ON) == score_against(query, listed, OFF)
    assert score_against(query, listed, ON) >= ON.threshold


def _group(name: str) -> tuple[tuple[Form, ...], str, str]:
    p = analyze_name(name).name_parts[1]
    return p.forms, p.script, p.kind


def test_fathers_are_compared_without_the_suffix() -> None:
    a, b = _group("Akhmed Magomedovich Chataev"), _group("Akhmed Rajapovich Chataev")
    assert father_similarity(a, b, 0.6, 0.75) == pytest.approx(0.1143, abs=1e-4)
    assert father_similarity(a, _group("Akhmed Rajap Chataev"), 0.6, 0.75) is None


@pytest.mark.parametrize(("query", "listed"), OTHER_FATHER + SAME_FATHER)
@pytest.mark.parametrize("config", [ON, MatchConfig(other_father_similarity=0.7,
                                                    other_name_similarity=0.2)])
def test_compiled_equals_reference(query: str, listed: str, config: MatchConfig) -> None:
    idx = NameIndex(config=config)
    idx.add("R1", listed)
    q, r = analyze_name(query), analyze_name(listed)
    ref = score_names(q, r, idx.rarity, idx.config).score
    assert idx.exhaustive_scores(q).get(0, 0.0) == ref
    hits = idx.search(query, threshold=0.0)  # (scores rounded to 4 places)
    assert (hits[0].score if hits else 0.0) == pytest.approx(ref, abs=5e-5)
