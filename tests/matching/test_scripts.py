"""Every script of the UN list is read (issue 16): Cyrillic through its standard
romanisations, Han as pinyin; a script not read (Hangul) is reported as such;
name_similarity never raises on a string."""

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


def test_a_script_not_read_is_reported_as_such_not_as_particles() -> None:
    with pytest.raises(ValidationError) as err:
        analyze_name("조선흥진무역회사")
    assert err.value.errors["name"] == [
        "not readable: written in Hangul script, which is not read"]


# Han names of the UN list (KPe.059, KPe.073) and their pinyin as typed.
@pytest.mark.parametrize("han,latin", [
    ("華信船務(香港)有限公司", "Hua Xin Chuan Wu (Xiang Gang) You Xian Gong Si"),
    ("沈忠國際海運有限公司", "Shen Zhong Guo Ji Hai Yun You Xian Gong Si"),
    ("张伟", "Zhang Wei")])
def test_han_is_read_as_pinyin(han: str, latin: str) -> None:
    assert analyze_name(han).folded == analyze_name(latin).folded
    idx = NameIndex()
    assert idx.add("KPe", ["OCEAN TRADING", han]) == ()
    assert [h.record_id for h in idx.search(latin)] == ["KPe"]


def test_record_with_one_unreadable_alias_is_found_by_its_other_names() -> None:
    idx = NameIndex()
    skipped = idx.add("KPe.055", ["KOREA HEUNGJIN TRADING COMPANY", "조선흥진무역회사"])
    assert len(skipped) == 1 and "Hangul" in skipped[0].reason
    assert idx.search("Korea Heungjin Trading Company")[0].record_id == "KPe.055"


def test_a_single_given_name_alias_is_kept() -> None:
    # QDi.187 has the alias "Abdul" alone
    assert [p.role for p in analyze_name("Abdul").parts] == ["given"]
    idx = NameIndex()
    assert idx.add("QDi.187", ["ABDUL RAHMAN YASIN", "Abdul"]) == ()
    assert analyze_name("Abdul Rahman").parts[0].kind == "abd"


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


def test_every_record_of_the_real_un_list_is_indexed(shared_data) -> None:  # type: ignore[no-untyped-def]
    """The whole UN list (2025-08-02): every record indexed; the only names left out
    are those with no name in them (a title alone), each with its reason."""
    from fts_share.watchlist import load_un_xml
    parsed = load_un_xml(str(shared_data / "un-sc-consolidated-2025-08-02.xml"))
    idx = NameIndex()
    skipped = {e.reference: idx.add(e.reference, e.all_names(), dob=e.dob_variants() or None,
                                    nationality=e.nationalities or None)
               for e in parsed.entries}
    assert len(idx) == len(parsed.entries) == 879
    reasons = {s.reason for sk in skipped.values() for s in sk}
    assert reasons <= {"contains no name: only particles or titles"}
    for ref, cyrillic in (("QDi.396", "Амир Хазмат"), ("QDi.398", "Абу Мухаммад Аль-Кадари")):
        assert ref in [h.record_id for h in idx.search(cyrillic)]
    assert "KPi.035" in [h.record_id for h in idx.search("金铁三")]


@pytest.mark.parametrize("value,code", [
    ("Dutch", "NLD"), ("néerlandaise", "NLD"), ("هولندي", "NLD"), ("Azeri", "AZE"),
    ("haïtien", "HTI"), ("Sri Lankan", "LKA"), ("صربي", "SRB"), ("NL", "NLD"),
    ("Pays-Bas", "NLD"), ("هولندا", "NLD"), ("nld", "NLD")])
def test_nationality_codes_names_and_demonyms_in_three_languages(value: str, code: str
                                                                 ) -> None:
    from fts_share.matching import resolve_country
    assert resolve_country(value) == code
    idx = NameIndex()
    idx.add("A", "Omar Hassan Darwish", nationality=[value])
    idx.add("B", "Omar Hassan Darwish", nationality=["Narnia"])  # kept, ignored
    # a conflict lowers the score of A; B's unknown nationality counts for nothing
    other = {h.record_id: h.score for h in idx.search(
        "Omar Hassan Darwish", nationality="FRA" if code != "FRA" else "DEU", threshold=0.0)}
    plain = {h.record_id: h.score for h in idx.search("Omar Hassan Darwish", threshold=0.0)}
    assert other["A"] < other["B"] == plain["B"] == plain["A"]
