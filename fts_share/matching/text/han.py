"""Readings of Han characters (Chinese names in aliases) as Hanyu Pinyin.

The UN list gives some entities a Chinese name beside the Latin one. Each run of Han
characters is read with the ``pypinyin`` library (MIT; its phrase and character
dictionaries come from the Unicode Unihan database and CC-CEDICT), one syllable per
character, without tone marks, as Latin spellings of Chinese names are typed
("张伟" -> "zhang wei"). The syllables are then folded and read like any Latin name.
Characters with several readings take the phrase reading pypinyin chooses.

The library is imported on first use only, so a node that never sees a Han name does
not load its dictionaries.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: CJK unified ideographs (with extension A) and compatibility ideographs.
_HAN_RUN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def is_han_char(ch: str) -> bool:
    """True for a Han ideograph the reader knows."""
    return bool(_HAN_RUN.fullmatch(ch))


@lru_cache(maxsize=10_000)
def _pinyin(run: str) -> str:
    from pypinyin import Style, lazy_pinyin  # (loaded on first use: large dictionaries)

    return " ".join(s for s in lazy_pinyin(run, style=Style.NORMAL) if s.isalpha())


def han_to_pinyin(text: str) -> str:
    """``text`` with every run of Han characters replaced by its pinyin syllables,
    set off by spaces; other characters untouched."""
    if text.isascii() or not _HAN_RUN.search(text):
        return text
    return _HAN_RUN.sub(lambda m: f" {_pinyin(m.group(0))} ", text)
