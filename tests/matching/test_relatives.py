"""Relatives are not matches (issue 16, item 3): a father and his son share the family
name and the son's father's name is his father's given name."""

from __future__ import annotations

from fts_share.matching import NameIndex, analyze_name


def _index() -> NameIndex:
    idx = NameIndex()
    idx.add("TAi.144", ["SIRAJUDDIN JALLALOUDINE HAQQANI"])
    idx.add("IQi.036", ["SAB'AWI IBRAHIM HASSAN AL-TIKRITI"])
    idx.add("X.1", ["Noureddine Ben Ali Al-Drissi"])
    return idx


def test_a_given_name_compound_with_din_is_the_given_name() -> None:
    parts = analyze_name("Jalaluddin Haqqani").name_parts
    assert [p.role for p in parts] == ["given", "family"]
    assert analyze_name("Ahmad Salahuddin").name_parts[1].role == "laqab"


def test_the_father_is_not_his_son() -> None:
    idx = _index()
    assert idx.search("Jalaluddin Haqqani") == []          # Sirajuddin's father
    assert [h.record_id for h in idx.search("Sirajuddin Haqqani")] == ["TAi.144"]


def test_a_son_named_after_his_grandfather_is_not_his_father() -> None:
    # Ibrahim, son of Sabawi, son of Ibrahim: his first two names cross his father's
    idx = _index()
    assert idx.search("IBRAHIM SABAWI IBRAHIM HASAN AL-TIKRITI") == []
    assert [h.record_id for h in idx.search("Sabawi Ibrahim Hasan al-Tikriti")] == ["IQi.036"]


def test_a_name_in_another_order_still_matches() -> None:
    assert [h.record_id for h in _index().search("Noureddine Drissi")] == ["X.1"]


def test_din_alone_first_is_a_name() -> None:
    # "DIN MOHAMMAD HANIF" and دین محمد حنیف: Din is his given name in both scripts
    idx = NameIndex()
    idx.add("TAi.1", ["دین محمد حنیف"])
    assert [h.record_id for h in idx.search("DIN MOHAMMAD HANIF")] == ["TAi.1"]
    assert analyze_name("Din Mohammad Hanif").name_parts[0].text == "din"
