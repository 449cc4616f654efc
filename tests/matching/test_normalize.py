"""Character folding of Arabic and Latin script."""

from hypothesis import given, settings
from hypothesis import strategies as st

from fts_share.matching.text.normalize import clean_text, fold


def test_arabic_letter_variants_fold_to_one_form() -> None:
    assert fold("أحمد") == fold("احمد") == fold("إحمد") == fold("آحمد")
    assert fold("مُحَمَّد") == fold("محمد")  # tashkeel
    assert fold("محــمد") == fold("محمد")  # tatweel
    assert fold("مصطفى") == fold("مصطفي")  # alef maqsura
    assert fold("یوسف") == fold("يوسف") and fold("کریم") == fold("كريم")  # Persian letters


def test_digits_in_both_alphabets_become_ascii() -> None:
    assert fold("١٩٧١") == fold("۱۹۷۱") == "1971"


def test_latin_case_diacritics_and_ayn_marks() -> None:
    assert fold("Saʿīd") == fold("Sa'id") == fold("SA’ID") == fold("Said") == "said"
    assert fold("Müller") == "muller"


def test_bidi_marks_are_stripped_not_refused() -> None:
    assert clean_text("\u202bمحمد\u202c\u200f") == "محمد"


@settings(deadline=None)  # the first Han character loads pypinyin's dictionaries
@given(st.text(max_size=60))
def test_fold_is_idempotent(text: str) -> None:
    once = fold(text)
    assert fold(once) == once
