"""Korean personal names written in Latin letters, read syllable by syllable.

Korean names on the lists (the DPRK entries of the UN list) come in several
romanisations: McCune-Reischauer with its breves and apostrophes (*Ch'oe Ch'un-yŏng*),
the Revised Romanization (*Choe Chun-yeong*), the DPRK's own system with its *kh*,
*th*, *ph*, *chh* for the aspirates (*Thae Yong Ho*, *Jang Song Thaek*) and ad hoc
spellings (*Choi*, *Young*, *Cheol*, *Hyuk*, *Hee*), with the given name's two syllables joined, hyphenated or spaced
(*Kim Jong Un*, *Kim Jong-un*, *Kim Jongun*). The Latin bridge reads *ch* and *j*,
*k* and *g*, *t* and *d* as different consonants, and compares syllables letter by
letter, so *Kim Tong Chol* and *Kim Yong Chol* (two people) looked alike while
*Jang Myong-Jin* and *Chang Myong-Chin* (one person) did not.

A name is read as Korean (``korean_name``) when its first word (or, written in the
Western order, its last) is a Korean family name and every other word is made of
romanised Korean syllables, one or two of them in all (a word is cut where it was
split: *Il U* and *Il Woo* are 일우; a joined word by the rule of ``syllables``). Each syllable is then
*folded* to its class: the onsets that the romanisations write differently are one
(``ch``/``chh``/``j``/``tch``/``jj``, ``k``/``kh``/``g``/``kk``, ``t``/``th``/``d``,
``p``/``ph``/``b``, ``s``/``ss``/``sh``, ``r``/``l``); the vowels that the breves or
the Revised Romanization tell apart and a typed name does not (``o``/``eo``,
``u``/``eu``/``oo``, ``yo``/``yeo``/``you``, ``ae``/``e``/``ai``,
``oe``/``oi``/``wae``/``we``, ``ui``/``i``/``ee``); the codas
likewise (``k``/``g``, ``l``/``r``, ``p``/``b``, ``t``/``d``). A folded syllable is
written as one Hangul syllable block (the class's representative: *jong*, *chong*,
*jeong*, *cheong* -> 종), so the whole given name, however it was split, becomes one
name part of two blocks (*Jong-un*, *Jong Un*, *Jongun* -> 종운) compared block by
block: one syllable different is half the part (*Tong-chol* / *Yong-chol* 0.5, under
the alignment threshold), and the rarity of a given name is that of the two syllables
together. Family names the two Koreas write differently are one: *Ri*, *Li*, *Lee*,
*Yi*, *I*, *Rhee*; *Pak*, *Park*, *Bak*; *Rim*, *Lim*, *Im*; *Ryu*, *Yu*, *Yoo* ...;
any other family name is known by its syllable however a system spells it
(*Hyon*, *Hyeon*, *Hyun*; *Kong*, *Gong*; *T'ae*, *Thae*, *Tae*).

The blocks are a key, not a transcription: the folded classes merge sounds Korean
keeps apart.
"""

from __future__ import annotations

import re
from functools import lru_cache

# onset spellings -> jamo index (ㄱ0 ㄴ2 ㄷ3 ㄹ5 ㅁ6 ㅂ7 ㅅ9 ㅇ11 ㅈ12 ㅎ18); the aspirates
# as the DPRK's own system writes them (ㅋ kh, ㅌ th, ㅍ ph, ㅊ chh: *Thae*, *Phyo*)
# beside McCune-Reischauer's k', t', p', ch' (apostrophes folded away) and the
# Revised Romanization's k, t, p, ch
_ONSETS = {
    "tch": 12, "chh": 12, "jj": 12, "ch": 12, "j": 12, "ts": 12,
    "kk": 0, "kh": 0, "k": 0, "g": 0, "tt": 3, "th": 3, "t": 3, "d": 3,
    "pp": 7, "ph": 7, "p": 7, "b": 7,
    "ss": 9, "sh": 9, "s": 9, "r": 5, "l": 5, "m": 6, "n": 2, "h": 18, "": 11,
}
# vowel spellings -> jamo index (ㅏ0 ㅐ1 ㅑ2 ㅖ7 ㅗ8 ㅘ9 ㅚ11 ㅛ12 ㅜ13 ㅝ14 ㅟ16 ㅠ17 ㅣ20);
# ㅢ (Revised *ui*, McCune-Reischauer and DPRK *ŭi*) is ㅣ, as typed names write it
# (*Hui*, *Hee*, *Hi*)
_VOWELS = {
    "yeo": 12, "eui": 20, "woo": 13, "yae": 7, "wae": 11, "weo": 14, "you": 12, "yoo": 17, "yo": 12, "ya": 2,
    "ye": 7, "yu": 17, "wa": 9, "wo": 14, "we": 11, "wi": 16, "eo": 8, "eu": 13,
    "ae": 1, "ai": 1, "oe": 11, "oi": 11, "ui": 20, "oo": 13, "ee": 20,
    "a": 0, "e": 1, "i": 20, "o": 8, "u": 13,
}
# coda spellings -> jamo index (ㄱ1 ㄴ4 ㄷ7 ㄹ8 ㅁ16 ㅂ17 ㅇ21)
_CODAS = {"ng": 21, "n": 4, "m": 16, "l": 8, "r": 8, "k": 1, "g": 1, "t": 7, "d": 7,
          "p": 17, "b": 17, "": 0}

_SYLLABLE = re.compile(
    "(?P<onset>" + "|".join(sorted(_ONSETS, key=len, reverse=True)) + ")"
    "(?P<vowel>" + "|".join(sorted(_VOWELS, key=len, reverse=True)) + ")")

#: family names whose spellings the syllable folding does not bring together
#: (initial r / n / nothing, Park, Oh ...), each with the spelling it is read as
_FAMILY_SPECIAL = {
    "ri": "ri", "li": "ri", "lee": "ri", "yi": "ri", "i": "ri", "rhee": "ri", "rhie": "ri",
    "rim": "rim", "lim": "rim", "im": "rim", "yim": "rim",
    "ryu": "ryu", "yu": "ryu", "yoo": "ryu", "ryoo": "ryu", "yoon": "yun",
    "ra": "ra", "na": "ra", "ro": "ro", "no": "ro", "roh": "ro",
    "ryang": "ryang", "yang": "ryang", "ryom": "ryom", "yom": "ryom", "yeom": "ryom",
    "park": "pak", "bark": "pak", "oh": "o", "ahn": "an", "suh": "so", "hur": "ho",
    "choy": "choe",
}
#: the common Korean family names, as they are written in Latin letters
_FAMILY_NAMES = frozenset(_FAMILY_SPECIAL) | frozenset((
    "kim", "gim", "pak", "bak", "choe", "choi", "chwe", "jong", "chong", "jeong",
    "cheong", "chung", "jung", "kang", "gang", "cho", "jo", "joe", "yun", "jang",
    "chang", "han", "o", "so", "seo", "sin", "shin", "kwon", "gwon", "hwang", "an",
    "song", "jon", "chon", "jeon", "cheon", "chun", "hong", "ko", "go", "mun", "moon",
    "son", "sohn", "pae", "bae", "paek", "baek", "paik", "baik", "ho", "heo", "nam",
    "ha", "kwak", "sung", "cha", "ju", "chu", "joo", "u", "woo", "ku", "koo", "gu",
    "min", "ra", "jin", "chin", "ji", "chi", "om", "eom", "chae", "won", "pang", "bang",
    "kong", "hyon", "hyun", "ham", "pyon", "byon", "byun", "yo", "yeo", "to", "do",
    "sok", "seok", "sun", "sol", "kil", "yon", "yeon", "wi", "pyo", "myong", "ki",
    "pan", "wang", "kum", "keum", "ok", "yuk", "in", "maeng", "je", "che", "mo", "tak",
    "kuk", "un", "eun", "yong", "ye", "kyong", "pong", "pu", "kye", "tae", "hyong",
    "pi", "tu", "kam", "ryo", "rye",
))

#: most syllables a Korean given name has
MAX_GIVEN_SYLLABLES = 2


#: before these codas typed names write *u* for ŏ (*Chul*, *Sung*, *Kyung*): u is o there
_U_IS_O = {13: 8, 17: 12}
#: ... and *yu* for yŏ before k (*Hyuk* for hyŏk, 혁)
_YU_IS_YO = {17: 12}


def _block(onset: str, vowel: str, coda: str) -> str:
    """The Hangul syllable block of a folded syllable."""
    v = _VOWELS[vowel]
    if coda in ("ng", "l", "r"):
        v = _U_IS_O.get(v, v)
    elif coda in ("k", "g"):
        v = _YU_IS_YO.get(v, v)
    return chr(0xAC00 + (_ONSETS[onset] * 21 + v) * 28 + _CODAS[coda])


@lru_cache(maxsize=20_000)
def syllables(word: str) -> tuple[str, ...] | None:
    """``word`` (folded, ASCII letters) cut into romanised Korean syllables, each as
    its block; ``None`` when it cannot be cut. Of several cuts the one with the fewest
    syllables wins, then the one that does not take a vowel-initial syllable after a
    coda (*mi-na*, not *min-a*) unless that coda is *ng* (*jong-un*)."""
    best = _cuts(word, 0)
    return best[1] if best is not None else None


def _cuts(word: str, i: int) -> tuple[tuple[int, int], tuple[str, ...]] | None:
    """The best cut of ``word[i:]``: ((syllables, penalty), blocks)."""
    if i == len(word):
        return (0, 0), ()
    m = _SYLLABLE.match(word, i)
    if m is None:
        return None
    best: tuple[tuple[int, int], tuple[str, ...]] | None = None
    onset, vowel = m.group("onset"), m.group("vowel")
    for coda in _CODAS:
        j = m.end() + len(coda)
        if not word.startswith(coda, m.end()):
            continue
        rest = _cuts(word, j)
        if rest is None:
            continue
        split_bad = j < len(word) and (
            (coda and coda != "ng" and word[j] in "aeiou")  # min-a: mi-na
            or (coda == "n" and word[j] == "g"))             # jon-gun: jong-un
        cost = (rest[0][0] + 1, rest[0][1] + split_bad)
        if best is None or cost < best[0]:
            best = (cost, (_block(onset, vowel, coda), *rest[1]))
    return best


def _one_block(word: str) -> str | None:
    """The block of ``word`` when it is one romanised syllable, else ``None``."""
    cut = syllables(word)
    return cut[0] if cut is not None and len(cut) == 1 else None


@lru_cache(maxsize=1)
def _family_spellings() -> dict[str, str]:
    """Every spelling of a Korean family name -> its block. A family name is known by
    its syllable, however a system spells it (*Hyon*, *Hyeon*, *Hyun*; *Kong*, *Gong*;
    *Thae*, *Tae*): every one-syllable spelling whose block is that of a name of
    ``_FAMILY_NAMES``, and the spellings of ``_FAMILY_SPECIAL``."""
    blocks = {_one_block(w) for w in _FAMILY_NAMES - set(_FAMILY_SPECIAL)}
    out: dict[str, str] = {}
    # (a syllable's spelling cuts one way only: its block; no system writes a family
    # name's ㅈ as *ts*, which is Cantonese: *Tsang*)
    for onset in (o for o in _ONSETS if o != "ts"):
        for vowel in _VOWELS:
            for coda in _CODAS:
                block = _block(onset, vowel, coda)
                if block in blocks:
                    out[onset + vowel + coda] = block
    for word, spelt in _FAMILY_SPECIAL.items():
        special = _one_block(spelt)
        if special is not None:
            out[word] = special
    return out


def family_block(word: str) -> str | None:
    """The block of a Korean family name spelt ``word``, or ``None``."""
    return _family_spellings().get(word)


Reading = tuple[tuple[str, str], tuple[str, str]]


def korean_name(words: list[str], hyphens: frozenset[int] = frozenset()
                ) -> Reading | None:
    """``((family text, family block), (given text, given blocks))`` when the folded
    words ``words`` read as a Korean name (see the module docstring), else ``None``:
    the first of :func:`korean_readings`."""
    readings = korean_readings(words, hyphens)
    return readings[0] if readings else None


def may_be_korean(words: list[str]) -> bool:
    """False when :func:`korean_readings` of ``words`` is surely empty: neither the
    first nor the last word is a Korean family name (a cheap test)."""
    return bool(words) and (family_block(words[0]) is not None
                            or family_block(words[-1]) is not None)


def korean_readings(words: list[str], hyphens: frozenset[int] = frozenset()
                    ) -> list[Reading]:
    """The readings of the folded words ``words`` as a Korean name: none, one, or two
    when the name reads as Korean in both orders (*Chang Su Han*: *Chang* and *Han*
    are both family names), family name first then last; then the other cuts of a
    given name written in one word (*Namung*: 남웅 first, 나뭉 after).

    ``hyphens`` holds each ``i`` whose word ``i`` was joined to word ``i + 1`` by a
    hyphen: a hyphen joins the syllables of a given name, never a family name to one,
    so a hyphen between two words settles the order (*Chang-Su Han* is Han Chang-su,
    *Han Chang-Su* too), and words all joined by hyphens are a given name alone
    (*Young-Chul*), not a Korean name in full."""
    if not 2 <= len(words) <= 4 or not all(w.isascii() and w.isalpha() for w in words) \
            or len(hyphens) == len(words) - 1:
        return []
    first, western = _readings(words[0], words[1:]), _readings(words[-1], words[:-1])
    if first and western and hyphens:
        if 0 in hyphens and len(words) - 2 not in hyphens:
            return western
        if len(words) - 2 in hyphens and 0 not in hyphens:
            return first
    return first[:1] + western[:1] + first[1:] + western[1:]


def _readings(family: str, given: list[str]) -> list[Reading]:
    """The readings of ``family`` as the family name and ``given`` as the given name
    (none, or the best cut of the given name first, then its other cuts)."""
    block = family_block(family)
    if block is None:
        return []
    cuts = [syllables(w) for w in given]
    if any(c is None for c in cuts):
        return []
    blocks = "".join(b for c in cuts if c for b in c)
    if not 1 <= len(blocks) <= MAX_GIVEN_SYLLABLES:
        return []
    text = " ".join(given)
    others = _other_cuts(given[0], blocks) if len(given) == 1 and len(blocks) == 2 else []
    return [((family, block), (text, b)) for b in (blocks, *others)]


def _other_cuts(word: str, best: str) -> list[str]:
    """The other ways to cut ``word`` into two syllables (a given name written in one
    word: *Namung* is Nam-ung or Na-mung, *Mangon* Man-gon or Mang-on), each as
    blocks, ``best`` left out: where the word was cut is not written."""
    out = []
    for i in range(1, len(word)):
        head, tail = _one_block(word[:i]), _one_block(word[i:])
        if head is not None and tail is not None and head + tail != best:
            out.append(head + tail)
    return out


def is_hangul(word: str) -> bool:
    """True for a word of Hangul syllable blocks (a folded Korean name part)."""
    return bool(word) and all("\uac00" <= ch <= "\ud7a3" for ch in word)


def hyphen_joins(folded: str) -> frozenset[int]:
    """The ``i`` whose word ``i`` is joined to word ``i + 1`` by a hyphen in ``folded``
    (words split at spaces and hyphens, as ``scoring.analysis`` splits them)."""
    out: set[int] = set()
    i = 0
    for chunk in folded.split():
        words = [w for w in chunk.split("-") if w]
        out.update(range(i, i + len(words) - 1))
        i += len(words)
    return frozenset(out)
