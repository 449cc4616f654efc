"""Queries as people type them (``matching.query``): alias lists, epithets, titles,
brackets and quotes, two scripts. The records are real entries of the UN list
(fixtures/un-excerpt.xml, and a few more copied from the 2025-08-02 export)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fts_share.errors import ValidationError
from fts_share.matching import NameIndex
from fts_share.matching.query import MAX_VARIANTS, read_query, search_typed
from fts_share.watchlist.un_xml import load_un_xml

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

#: Entries of the UN list with a nisba that English speakers write as an epithet.
EPITHETS = {
    "QDi.067": ["MOSTAFA KAMEL MOSTAFA IBRAHIM", "مصطفى كمال مصطفى ابراهيم",
                "Mustafa Kamel Mustafa", "Abu Hamza Al-Masri", "Abu Hamza",
                "Abu Hamza Al-Misri"],
    "QDi.333": ["SEIFALLAH BEN OMAR BEN MOHAMED BEN HASSINE", "سيف الله بن عمر بن محمد بنحسين",
                "Saifallah ben Hassine", "Abu Iyyadh al-Tunisi", "Abou Iyadh el-Tounsi",
                "Abu Ayyad al-Tunisi", "Abou Iyadh"],
    "QDi.345": ["TARKHAN TAYUMURAZOVICH BATIRASHVILI", "Omar Shishani", "Abu Umar al-Shishani",
                "Omar al-Shishani", "Omar the Chechen", "Abu Umar", "Abu Hudhayfah"],
    "QDi.400": ["IYAD NAZMI SALIH KHALIL", "إياد نظمي صالح خليل", "Iyad al-Tubasi",
                "Abu-Julaybib al-Urduni", "Abu-Julaybib"],
    "QDi.029": ["RAED MUHAMMAD HASAN MUHAMMAD HIJAZI", "رائد محمد حسن محمد حجازي",
                "Rashid Al-Maghribi", "Abu-Ahmad Al-Amriki"],
}


@pytest.fixture(scope="module")
def idx() -> NameIndex:
    index = NameIndex()
    for e in load_un_xml(str(FIXTURES / "un-excerpt.xml")).entries:
        names = [e.name, e.name_original_script, *(a.name for a in e.aliases)]
        index.add(e.reference, [n for n in names if n], skip_invalid_names=True)
    for rid, names in EPITHETS.items():
        index.add(rid, names)
    return index


def typed(idx: NameIndex, text: str, **kw: object) -> list[tuple[str, float]]:
    return [(h.record_id, h.score) for h in search_typed(lambda n: idx.search(n, **kw), text)]


def plain(idx: NameIndex, text: str) -> list[str]:
    try:
        return [h.record_id for h in idx.search(text)]
    except ValidationError:
        return []


@pytest.mark.parametrize("query,ref", [
    ("Abu Bakr al-Baghdadi a.k.a. Ibrahim Awad al-Badri", "QDi.299"),
    ("Dr. Ayman al-Zawahiri, alias Abu Mohammed, alias Abu Fatma", "QDi.006"),
    ("Yaser Khalaf al-Rawi aka Jaber Taha Falah aka Abou Khattab", "QDi.325"),
])
def test_alias_lists_find_what_the_whole_string_misses(idx: NameIndex, query: str,
                                                       ref: str) -> None:
    assert ref not in plain(idx, query)
    assert typed(idx, query)[0][0] == ref


@pytest.mark.parametrize("query,ref", [
    ("Taha Sobhi Falaha, Abu Mohammed al-Adnani", "QDi.325"),
    ("Saif al-Adel (Mohammed Salahaldin Zidane)", "QDi.001"),
    ("Ul-Haq, Amin", "QDi.002"),
    ("Abdelhamid Abou Zeid / Amor Ghedeir", "QDi.250"),
    ("Abu Mohammed al-Julani; Ahmed al-Sharaa", "QDi.317"),
    ("أبو محمد الجولاني المعروف بأمجد مظفر حسين النعيمي", "QDi.317"),
    ("Emir Abou Mohamed al-Adnani", "QDi.325"),
    ('Abou Mohamed "Taha al-Banshi" al-Adnani', "QDi.325"),
    ("Abubakar Shekau أبو بكر محمد الشكوى", "QDi.322"),
    ("Saddam Hussein al-Tikriti (Abu Ali)", "IQi.001"),
    ("Commander Tarad al-Jarba the Iraqi", "QDi.370"),
    ("Abu Umar the Chechen", "QDi.345"),
    ("Abou Iyadh le Tunisien", "QDi.333"),
    ("Abu Julaybib the Jordanian", "QDi.400"),
    ("Abu Ahmad the American", "QDi.029"),
])
def test_typed_queries_find_the_listed_person_first(idx: NameIndex, query: str,
                                                    ref: str) -> None:
    assert typed(idx, query)[0][0] == ref


@pytest.mark.parametrize("query,listed", [
    ("Abu Hamza the Egyptian", "Abu Hamza al-Masri"),
    ("Abou Hamza l'Égyptien", "Abu Hamza al-Masri"),
    ("Rashid the Moroccan", "Rashid al-Maghribi"),
    ("Abu Umar le Tchétchène", "Abu Umar al-Shishani"),
])
def test_an_epithet_scores_as_the_nisba_the_list_writes(idx: NameIndex, query: str,
                                                        listed: str) -> None:
    """"the Egyptian" is read as al-Masri: the same score as the list's own spelling
    (whether that passes the threshold is the scorer's business)."""
    want = idx.search(listed, threshold=0.3)[0]
    got = typed(idx, query, threshold=0.3)[0]
    assert got == (want.record_id, want.score)


def test_what_the_reading_gives() -> None:
    assert read_query("Abu Bakr al-Baghdadi a.k.a. Ibrahim Awad al-Badri (the Iraqi)").names \
        == ("Abu Bakr al-Baghdadi Ibrahim Awad al-Badri العراقي",
            "Abu Bakr al-Baghdadi Ibrahim Awad al-Badri", "Abu Bakr al-Baghdadi",
            "Ibrahim Awad al-Badri")
    assert read_query("Al-Haq, Amin").names == ("Al-Haq Amin", "Amin Al-Haq")
    assert read_query("Ayman al-Zawahiri أيمن الظواهري").names[1:] == (
        "Ayman al-Zawahiri", "أيمن الظواهري")
    assert "Abu Omar الشيشاني" in read_query("Emir Abu Omar the Chechen").names
    assert read_query("Mohamed Ali").names == ("Mohamed Ali",)
    many = read_query("; ".join(f"Abu {n} al-Masri" for n in "abcdefghijkl")).names
    assert len(many) == MAX_VARIANTS


def test_a_single_common_word_is_not_searched_alone(idx: NameIndex) -> None:
    names = read_query("Mohammed, Omar").names
    assert "Mohammed" not in names and "Omar" not in names
    assert typed(idx, "Ayman al-Zawahiri, Mohammed")[0][0] == "QDi.006"


def test_errors_still_name_their_field(idx: NameIndex) -> None:
    with pytest.raises(ValidationError) as err:
        search_typed(lambda n: idx.search(n), "ابن")
    assert "name" in err.value.errors
    with pytest.raises(ValidationError) as err:
        search_typed(lambda n: idx.search(n, dob="1990-02-30"), "Ayman al-Zawahiri; Abu Fatma")
    assert "dob" in err.value.errors
