"""Letters read as the sounds they stand for (issue 16, item 3, session 22).

The cedilla letters:
ş (and Romanian ș) is sh in every alphabet that writes it; ç is ch in Turkish,
Albanian, Azerbaijani and Kurdish and s in French, Portuguese and Catalan. Both also
keep the reading of their base letter, which lists write for them (*Sahin*,
*Francois*), first: a name typed without its marks is found as before, and a part's
key (its index key, its rarity) is the one it had.

The letters of Urdu and Pashto that Arabic does not have were read as nothing: Urdu
ٹ ڈ ڑ and Pashto ټ ډ ړ (retroflex t, d, r), ں ڼ (n), Pashto ځ (dz, written z) and څ
(ts, written s), ښ (sh or kh) and ږ (zh or g)."""

from __future__ import annotations

import pytest

from fts_share.matching import NameIndex, name_similarity
from fts_share.matching.text.bridge import word_forms
from fts_share.matching.text.latin import initial_forms
from fts_share.matching.text.normalize import fold


def test_the_fold_keeps_c_and_s_with_a_cedilla() -> None:
    assert fold("Idriça DJALÓ") == "idriça djalo"
    assert fold("BEŞİR Ştefan") == "beşir ştefan"
    assert fold("Ștefan") == fold("s\u0327tefan") == fold("S\u0326tefan") == "ştefan"
    assert fold("Ţara") == "tara"  # other letters lose the mark, as before
    assert fold(fold("Françoise Şahin")) == fold("Françoise Şahin")


def _skeletons(word: str) -> set[str]:
    return {f.skel for f in word_forms(fold(word))}


def test_s_cedilla_reads_sh_and_s() -> None:
    assert _skeletons("Şahin") == {"Shn", "shn"}
    # the base letter's reading first: the part's key is that of *Besir*, as before
    assert word_forms(fold("Beşir"))[0] == word_forms("besir")[0]
    assert word_forms(fold("Idriça"))[0] == word_forms("idrica")[0]


def test_c_cedilla_reads_ch_s_and_before_a_o_u_k() -> None:
    assert _skeletons("Idriça") == {"drS", "drs", "drk"}
    assert _skeletons("Çelik") == {"Slk", "slk"}  # c before e is s: no k
    assert {f.skel for f in initial_forms("ç")} == {"S", "s", "k"}
    assert {f.skel for f in initial_forms("ş")} == {"S", "s"}


@pytest.mark.parametrize(("a", "b"), [
    ("Idriça Djaló", "IDRISSA DJALÓ"),            # 0.879 before (ç read as k)
    ("Beşir", "Bashir"),                          # 0.783
    ("Çelik", "Chelik"),                          # 0.720
    ("Hüseyin Şahin", "Hussein Shaheen"),         # 0.795
    ("Hüseyin Şahin", "حسين شاهين"),             # 0.795
])
def test_a_cedilla_letter_meets_the_spellings_of_its_sound(a: str, b: str) -> None:
    assert name_similarity(a, b) >= 0.95
    assert name_similarity(a, b) == name_similarity(b, a)


def test_a_joined_article_and_a_cedilla() -> None:
    # (the list writes this alias *Muhammed El Besir*, without the cedilla: that one
    # stays apart from *Lebachir*, s is not sh)
    assert name_similarity("Muhammed El Beşir", "Mohamed Lebachir") >= 0.75  # 0.18


@pytest.mark.parametrize(("a", "b"), [
    ("François Bozizé", "Francois Bozize"),
    ("Hüseyin Şahin", "Husein Sahin"),
    ("Ahmet Çakır", "Ahmet Cakir"),
    ("Ştefan", "Stefan"),
    ("Beşir", "Besir"),
])
def test_a_name_typed_without_its_cedillas_is_the_same_name(a: str, b: str) -> None:
    assert name_similarity(a, b) == 1.0


@pytest.mark.parametrize(("a", "b"), [
    ("Çetin", "Ketin"),     # c before e is never k
    ("Şahin", "Zahin"),
    ("Beşir", "Bakir"),
])
def test_a_cedilla_letter_does_not_read_as_other_letters(a: str, b: str) -> None:
    assert name_similarity(a, b) < 0.8


@pytest.fixture(scope="module")
def index() -> NameIndex:
    idx = NameIndex()
    idx.add("GBi.004", "IDRISSA DJALÓ")
    idx.add("X.1", "Hussein Shaheen")
    idx.add("X.2", "Idris Dialo")
    idx.add("X.3", "Ahmed Celik")
    return idx


@pytest.mark.parametrize(("query", "record_id"), [
    ("Idriça Djaló", "GBi.004"),      # the list's own alias of IDRISSA DJALÓ
    ("Hüseyin Şahin", "X.1"),
    ("Ahmet Çelik", "X.3"),           # and as before, typed without the marks
    ("Idrissa Djalo", "GBi.004"),
])
def test_search_finds_the_name_spelt_with_cedillas(index: NameIndex, query: str,
                                                   record_id: str) -> None:
    assert [h.record_id for h in index.search(query)][:1] == [record_id]


@pytest.mark.parametrize(("a", "b"), [
    ("Muhammad Omar Zadran", "محمد عمر ځدران"),  # TAi.171 as the list writes him
    ("Tariq Gidar", "طارق گیدڑ"),               # QDe.160's Urdu name
    ("Bhutto", "بھٹو"),
    ("Dhillon", "ڈھلوں"),
    ("Khan", "خاں"),
    ("Pashtun", "پښتون"),
    ("Pakhtun", "پښتون"),
])
def test_urdu_and_pashto_letters_are_read(a: str, b: str) -> None:
    assert name_similarity(a, b) >= 0.95


@pytest.mark.parametrize(("word", "skeleton"), [
    ("ٹانڈو", "tnd"), ("ټانډو", "tnd"), ("گیدڑ", "kdr"), ("ځدران", "zdrn"), ("څمکنی", "smkn"),
])
def test_urdu_and_pashto_letters_keep_their_place(word: str, skeleton: str) -> None:
    assert word_forms(fold(word))[0].skel == skeleton


def test_urdu_and_pashto_letters_stay_apart_from_others() -> None:
    # (each letter was read as nothing: 1.0 before)
    assert name_similarity("ځدران", "Darran") < 0.8
    assert name_similarity("گیدڑ", "Gid") < 0.8
