"""The analysis classifies each word once (``analysis._ALONE``) and tries the Korean
reading only for names that may be Korean: the names read exactly as before."""

from __future__ import annotations

import itertools
import random

from fts_share.errors import ValidationError
from fts_share.matching import analyze_name
from fts_share.matching.refdata import lexicon as lx
from fts_share.matching.scoring import analysis
from fts_share.matching.text.korean import korean_readings, may_be_korean

#: particles of every closed class, words that look like them, and plain names
_WORDS = sorted(
    lx._ARTICLES | lx._SUN_ARTICLES | lx._NASAB | lx._KUNYA | lx._ABD | lx._DIN | lx._ALLAH
    | lx._KUNYA_ARTICLE | lx.ABD_STANDALONE
    | {"sheikh", "shaykh", "moullah", "qary", "dr", "cabdi", "cabdullahi", "abdulrahman",
       "abubakar", "salahuddin", "nasrallah", "binalshibh", "ziaurrahman", "din", "dawud",
       "shams", "rahman", "aziz", "muhammad", "ali", "kim", "jong", "un", "han", "chang",
       "su", "عبدالرحمن", "ابوبكر", "صلاح", "الدين", "محمد", "الله", "نصرالله", "аль",
       "ибн", "абу", "шейх", "абдулла", "мухаммад"})


def test_a_word_that_does_not_read_the_next_is_the_same_before_any_word() -> None:
    for tok in _WORDS:
        if lx.reads_next(tok):
            continue
        alone = lx.classify_token(tok, "")
        for nxt in _WORDS:
            assert lx.classify_token(tok, nxt) == alone, (tok, nxt)


def _fresh(text: str) -> analysis.NameAnalysis:
    analysis._ALONE.clear()
    analysis._RECENT.clear()
    return analyze_name(text)


def test_names_read_the_same_with_the_word_table_full_or_empty() -> None:
    rng = random.Random(7)
    names = [" ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 5)))
             for _ in range(1500)]
    names += ["Abdou", "Abdou Rahman", "ad Din Muhammad", "ad Dawud", "Abul Hassan",
              "Abul", "Cabdi Cali", "Аль Ибн Абдулла", "Kim Jong-un", "Chang Su Han"]
    fresh, warm = [], []
    for name in names:
        try:
            fresh.append(_fresh(name))
        except ValidationError as exc:
            fresh.append(repr(exc))  # type: ignore[arg-type]
    analysis._RECENT.clear()
    for name in names:  # every word's entry now filed by an earlier name
        try:
            warm.append(analyze_name(name))
        except ValidationError as exc:
            warm.append(repr(exc))  # type: ignore[arg-type]
        analysis._RECENT.clear()
    assert fresh == warm
    assert [p.kind for p in analyze_name("Abdou").parts] == ["plain"]
    assert [p.kind for p in analyze_name("Abdou Rahman").parts] == ["abd"]


def test_a_name_not_first_nor_last_a_family_name_has_no_korean_reading() -> None:
    words = ["kim", "jong", "un", "han", "chang", "su", "park", "min", "ho", "ali",
             "lee", "sung", "muhammad", "ri", "choe"]
    for k in (2, 3, 4):
        for combo in itertools.product(words, repeat=k):
            if not may_be_korean(list(combo)):
                assert korean_readings(list(combo)) == [], combo
    assert may_be_korean(["kim", "jong", "un"])
