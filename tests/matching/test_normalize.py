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


def test_a_caron_is_the_digraph_it_stands_for() -> None:
    # ISO 9 Cyrillic, Czech, Croatian, the scholarly romanisation of Arabic (š ش):
    # without the caron, c reads as k and s as s
    assert fold("Čataev Šamil Hadžiev Hišām") == "chataev shamil hadzhiev hisham"
    assert fold("C\u030cataev") == fold("Čataev")  # decomposed as well


def test_c_and_s_with_a_cedilla_are_kept() -> None:
    # ç: ch (Turkish, Albanian) or s (French, Portuguese); ş, ș: sh (``latin`` reads them)
    assert fold("Çakır Şahin Ștefan François Ţara") == "çakir şahin ştefan françois tara"
    assert fold("c\u0327s\u0327") == fold("çş")


def test_bidi_marks_are_stripped_not_refused() -> None:
    assert clean_text("\u202bمحمد\u202c\u200f") == "محمد"


@settings(deadline=None)  # the first Han character loads pypinyin's dictionaries
@given(st.text(max_size=60))
def test_fold_is_idempotent(text: str) -> None:
    once = fold(text)
    assert fold(once) == once


def _fold_latin_whole(text: str) -> str:
    """``fold_latin`` as it was, over the whole text at once (the reference)."""
    import unicodedata

    from fts_share.matching.text.normalize import _CARON, _CEDILLA, _LATIN_TABLE, _is_cyrillic
    text = text.lower().translate(_LATIN_TABLE)
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", text)
    kept: list[str] = []
    for ch in text:
        if ch == _CARON and kept and kept[-1] in "csz":
            kept.append("h")
        elif ch in _CEDILLA and kept and kept[-1] in _CEDILLA[ch]:
            kept[-1] = _CEDILLA[ch][kept[-1]]
        elif not unicodedata.combining(ch) or (kept and _is_cyrillic(kept[-1])):
            kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)).translate(_LATIN_TABLE)


def test_fold_latin_word_by_word_is_fold_latin_of_the_whole_text() -> None:
    import random

    from fts_share.matching.text.normalize import fold_latin
    alphabet = ("abcstXYZ -'’ʿéÈüñçşȘøßæİıйёЙЁщšČ\u030c\u0301\u0308\u0327\u0326¨\u00a0\u2002ﬁ"
                "محمدأإآةى\u064b\u0651")
    rng = random.Random(5)
    samples = ["Şükrü  Ñúñez", "Йо́сиф ё", "Zoë ¨ ´Abd", " \u0301a", "ﬁrst\u00a0Name", ""]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 18)))
                for _ in range(3000)]
    for text in samples:
        assert fold_latin(text) == _fold_latin_whole(text), repr(text)


def _fold_whole(text: str) -> str:
    """``fold`` as it was, over the whole text at once (the reference)."""
    from fts_share.matching.text.han import han_to_pinyin
    from fts_share.matching.text.normalize import _NON_WORD, fold_arabic, fold_latin
    text = fold_latin(fold_arabic(han_to_pinyin(text)))
    text = _NON_WORD.sub(" ", text.replace("_", " "))
    return " ".join(text.split())


def test_fold_word_by_word_is_fold_of_the_whole_text() -> None:
    import random

    from fts_share.matching.text.normalize import fold
    spaces = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
    alphabet = ("abcXYZ -_'’ʿéÈüñçßİıΣσςйёЙщ\u0301\u0308\u0327¨ﬁǅ①²"
                "محمدأإآةىـ\u064b\u0651ﷲﷺﻻ张伟李" + spaces)
    rng = random.Random(7)
    samples = ["ΟΔΥΣΣΕΥΣ Σ", "ﷺ محمد", "张伟 李", "a\u2002\u0301b", "x_y-z", "\u00a0", ""]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 18)))
                for _ in range(3000)]
    for text in samples:
        assert fold(text) == _fold_whole(text), repr(text)
