"""Another name between the same given and family name (issue 16, item 3; session 20):
``other_name_conflict`` (on by default, 0.08) takes a part off where a part of one
name stands between two aligned parts where the other name has a clearly other name
there (every pair less than ``other_name_similarity`` alike), not a spelling under the
alignment floor, an initial, or a family name that differs after the last aligned part.
The compiled scorer (through ``NameIndex``) gives the reference scorer's doubles."""

from __future__ import annotations

import pytest
from search_helpers import score_against

from fts_share.matching import MatchConfig, NameIndex
from fts_share.matching.scoring.analysis import analyze_name
from fts_share.matching.scoring.name_score_ref import score_names

ON = MatchConfig()
OFF = MatchConfig(other_name_conflict=0.0)

#: (query, listed name): another father's name between the same given and family name
OTHER_FATHER = [
    ("Anwar Jordan Abdullah Al-Aulaqi", "Anwar Nasser Abdullah Aulaqi"),
    ("Umarov Salimovich Khamatovich", "Umarov Doku Khamatovich"),
]

#: (query, listed name): the same person, whose parts that differ are no other name
SAME_PERSON = [
    ("Akram Turki Hishan Al-Mazidih", "Akram Turki Hashim Al-Mazidih"),  # a spelling
    ("Sayed M. Gaddef Eddam", "Sayyid Mohammed Qadhaf al-Dam"),         # an initial
    ("Safia Farkash Mohammed Al-Hadad", "Safia Farkash Al-Barassi"),    # the family name
    ("Abdul Samad", "Abdul Samad Achekzai"),                            # a part left out
]



@pytest.mark.parametrize(("query", "listed"), OTHER_FATHER)
def test_another_fathers_name_is_taken_off(query: str, listed: str) -> None:
    off, on = score_against(query, listed, OFF), score_against(query, listed, ON)
    assert on == pytest.approx(off - 0.08, abs=1e-4)
    assert ON.threshold <= off < ON.threshold + 0.08  # found without the conflict


@pytest.mark.parametrize(("query", "listed"), OTHER_FATHER)
def test_another_father_is_no_alert(query: str, listed: str) -> None:
    idx = NameIndex()
    idx.add("R1", listed)
    idx.add("R2", "Abdul Samad Achekzai")
    assert idx.search(query) == []


@pytest.mark.parametrize(("query", "listed"), SAME_PERSON)
def test_no_other_name_keeps_itsscore_against(query: str, listed: str) -> None:
    assert score_against(query, listed, ON) == score_against(query, listed, OFF)


@pytest.mark.parametrize(("query", "listed"), OTHER_FATHER + SAME_PERSON)
@pytest.mark.parametrize("config", [ON, MatchConfig(other_name_conflict=0.3,
                                                    other_name_similarity=0.62)])
def test_compiled_equals_reference(query: str, listed: str, config: MatchConfig) -> None:
    idx = NameIndex(config=config)
    idx.add("R1", listed)
    q, r = analyze_name(query), analyze_name(listed)
    ref = score_names(q, r, idx.rarity, idx.config).score
    assert idx.exhaustive_scores(q).get(0, 0.0) == ref
    hits = idx.search(query, threshold=0.0)  # (scores rounded to 4 places)
    assert (hits[0].score if hits else 0.0) == pytest.approx(ref, abs=5e-5)
