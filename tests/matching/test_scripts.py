"""Every script of the UN list is read (issue 16): Cyrillic through its standard
romanisations, Han kept but reported as unreadable; name_similarity never raises on
a string."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fts_share.errors import ValidationError
from fts_share.matching import NameIndex, analyze_name, name_similarity

# Cyrillic original-script names of the UN consolidated list (2025-08-02) and their
# Latin names on the same record.
UN_CYRILLIC = [
    ("Абдурахманов Магомед Магомедзакирович", "MAGHOMED MAGHOMEDZAKIROVICH ABDURAKHMANOV"),
    ("Эмират Кавказ", "EMARAT KAVKAZ"),
]


@pytest.mark.parametrize("cyrillic,latin", UN_CYRILLIC)
def test_cyrillic_names_of_the_un_list_match_their_latin_names(cyrillic: str, latin: str
                                                               ) -> None:
    assert name_similarity(cyrillic, latin) >= 0.9
    idx = NameIndex()
    idx.add("R", [latin])
    assert [h.record_id for h in idx.search(cyrillic)] == ["R"]


@pytest.mark.parametrize("latin", ["Yuriy Shcherbakov", "Iurii Shcherbakov",
                                   "Urij Serbakov", "Yury Shcherbakov"])
def test_cyrillic_meets_each_standard_romanisation(latin: str) -> None:
    assert name_similarity("Юрий Щербаков", latin) >= 0.8


def test_cyrillic_particles_are_particles() -> None:
    parts = analyze_name("Абу Бакр аль-Багдади").parts
    assert [p.role for p in parts] == ["kunya", "nisba"]
    assert name_similarity("Абу Бакр аль-Багдади", "Abu Bakr al-Baghdadi") >= 0.9


def test_han_is_reported_as_unread_not_as_particles() -> None:
    with pytest.raises(ValidationError) as err:
        analyze_name("朝鲜联合机械贸易会社")
    assert err.value.errors["name"] == [
        "not readable: written in Han script, which is not read"]


def test_record_with_one_unreadable_alias_is_found_by_its_other_names() -> None:
    idx = NameIndex()
    skipped = idx.add("KPe.055", ["KOREA HEUNGJIN TRADING COMPANY", "朝鲜兴进贸易会社"])
    assert len(skipped) == 1 and "Han" in skipped[0].reason
    assert idx.search("Korea Heungjin Trading Company")[0].record_id == "KPe.055"


def test_unknown_nationality_is_ignored_not_refused() -> None:
    idx = NameIndex()
    idx.add("QDi.290", "Ayman al-Zawahiri", nationality=["former Soviet Union", "EGY"])
    assert idx.search("Ayman al-Zawahiri")[0].record_id == "QDi.290"


@pytest.mark.parametrize("word", ["ibn", "b", "al", "Dr.", "ابن", "", " ", "\x00"])
def test_name_similarity_of_a_bare_particle_is_zero(word: str) -> None:
    assert name_similarity(word, "Ibn Taymiyya") == 0.0
    assert name_similarity("Ibn Taymiyya", word) == 0.0


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=12), st.text(max_size=12))
def test_name_similarity_never_raises_on_short_strings(a: str, b: str) -> None:
    assert 0.0 <= name_similarity(a, b) <= 1.0


@pytest.mark.parametrize("value", ["Iraqi", "irakien", "Irakienne", "عراقي", "عراقية", "IRQ",
                                   "iq", "Irak"])
def test_demonyms_and_names_resolve(value: str) -> None:
    from fts_share.matching import resolve_country
    assert resolve_country(value) == "IRQ"
