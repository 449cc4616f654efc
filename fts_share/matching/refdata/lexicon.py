"""Word lists of the name analysis: particles, titles, compound markers, common names.

These are small closed classes (articles, ibn/bin, abu/umm, abd, ad-Din, titles),
written in both scripts. They are *not* a dictionary of names: every name word is
bridged by the rules of :mod:`fts_share.matching.text.bridge`. The one list of names here,
:data:`COMMON_GIVEN_NAMES`, only lowers the weight of very frequent parts when no
index statistics are available.
"""

from __future__ import annotations

import re
from functools import lru_cache

from fts_share.matching.text.latin import latin_forms

_ARTICLES = frozenset({"al", "el", "ul", "il", "l", "ol"})
# Assimilated article before a sun letter: ad-Din, ar-Rahman, ash-Shami, Eddine.
_SUN_ARTICLES = frozenset({
    "ad", "ar", "as", "at", "az", "an", "ash", "ath", "adh", "ed", "er", "es", "et",
    "ez", "en", "esh", "ud", "ur", "us", "ut", "uz", "un", "ush", "id", "ir", "is",
})
_NASAB = frozenset({"ibn", "bin", "ben", "bint", "binti", "ibnu", "ould", "wuld", "b", "bn",
                    "ابن", "بن", "بنت", "ولد"})  # ould / ولد: "son of" in Mauritanian names
_KUNYA = frozenset({"abu", "abou", "abo", "abi", "aba", "ابو", "ابي", "ابا"})
#: "mother of": a kunya of its own kind, so that Umm X is not Abu X ("father of")
_UMM = frozenset({"umm", "um", "oum", "omm", "ummu", "ام"})
_ABD = frozenset({"abd", "abdel", "abdul", "abdal", "abdil", "abdur", "abdar", "abder",
                  "abdus", "abdes", "abdas", "abdoul", "abdou", "abdu", "abdo",
                  "abdol", "abdoel", "abdi", "عبد"})
_DIN = frozenset({"din", "deen", "dine", "eddine", "eddin", "uddin", "uddine", "uddeen",
                  "addin", "aldin", "eldin", "eldine", "edine", "edin", "udin", "الدين"})
_ALLAH = frozenset({"allah", "ullah", "illah", "alla", "ulla", "llah", "الله", "لله"})
_TITLES = frozenset({
    "dr", "doctor", "doc", "prof", "professor", "mr", "mrs", "ms", "mme", "mlle", "sir",
    "sheikh", "shaikh", "shaykh", "sheik", "shaik", "sheykh", "cheikh", "cheik", "chaikh",
    "cheick", "mullah", "mulla", "molla", "mollah", "hajji", "haji", "hajj", "hadj",
    "hadji", "alhaj", "alhajj", "elhadj", "alhadj", "elhaj", "alhaji", "alhadji",
    "maulana", "mawlana", "moulana", "molana",
    "maulvi", "mawlawi", "moulvi", "maulavi", "mawlavi", "molvi", "mufti", "imam", "qari",
    "ustad", "ustadh", "ustaz", "engineer", "eng",
    "الشيخ", "شيخ", "الدكتور", "دكتور", "د", "الحاج", "حاج", "حاجي", "ملا", "مولانا", "مولوي",
    "المولوي", "المفتي", "مفتي", "الامام", "امام", "القاري", "قاري", "الاستاذ", "استاذ",
    "السيد", "المهندس", "مهندس",
    # ranks and offices in English and French, and their Arabic (titles only before
    # the name: General Nkunda, Colonel Rambo, العقيد); not Major (an alias of its own
    # on the UN list) nor Amir / Emir (given names)
    "general", "colonel", "captain", "capitaine", "commandant", "commander",
    "lieutenant", "brigadier", "sergeant", "sergent", "admiral", "amiral", "marshal",
    "marechal", "president", "minister", "ministre", "judge", "juge", "monsieur",
    "madame", "mister", "docteur", "العقيد", "اللواء", "العميد", "الرءيس", "الوزير",
})
#: Abd-words that are also given names on their own (Abdou, Abdi): kept as a name
#: when nothing follows them.
ABD_STANDALONE = frozenset({"abdou", "abdu", "abdo", "abdi", "abdoul", "abdul", "abdel",
                            "abdal"})

#: Very frequent given names and nisbas; their parts weigh less when the index has
#: no statistics of its own (see :class:`~fts_share.matching.config.MatchConfig`).
COMMON_GIVEN_NAMES = (
    "Muhammad", "Ahmad", "Ali", "Abdullah", "Hasan", "Husayn", "Ibrahim", "Umar",
    "Yusuf", "Khalid", "Mahmud", "Mustafa", "Abd al-Rahman", "Abd al-Aziz",
    "Abd al-Karim", "Ismail", "Salih", "Said", "Hamza", "Usama", "Uthman", "Sulayman",
    "Musa", "Isa", "Yahya", "Idris", "Jamal", "Karim", "Nasir", "Rashid", "Khan",
    "Abd al-Qadir", "Abd al-Hamid", "Hamid", "Amin", "Ayub", "Bakr", "Jafar", "Yasin",
    "al-Masri", "al-Iraqi", "al-Libi", "al-Shami", "al-Yemeni", "al-Sudani", "al-Tunisi",
    "al-Jazairi", "al-Maghribi", "al-Urduni", "al-Filistini", "al-Ansari", "al-Tamimi",
)

_ABU_PREFIXES = ("abou", "abu", "abo")
_DIN_SUFFIXES = ("ouddine", "oudine", "oudin", "uddine", "uddeen", "uddin", "udine",
                 "eddine", "eddin", "addin", "aldeen",
                 "aldin", "eldine", "eldin", "edine", "udin", "oddin", "iddin")
#: (longest first: Asadoullah is Asad + oullah)
_ALLAH_SUFFIXES = ("oullah", "ullakh", "allakh", "ollakh", "ullah", "allah", "ollah",
                   "illah", "oulah", "ulakh", "ulah", "ulla", "alla")
#: Allah as a word: Allah, Ullah, Ulah, Oullah, Ullakh (kh for h, from Cyrillic)
_ALLAH_RE = re.compile(r"(?:ou|[aeiou])?ll?a(?:k?h)?")
#: Allah at the end of a one-word Abd compound, also in its West African and Somali
#: forms: Abdullahi, Abdallahi, Abdoulaye, Abdoullaye (all "Abdullah")
_ABD_ALLAH_RE = re.compile(r"(?:ou|[aeiou])?ll?a(?:k?hi?|ye|y|yi)?")
#: a kunya with its article attached: Abul Hassan, Aboul Walid (Abu al-X)
_KUNYA_ARTICLE = frozenset({"abul", "aboul", "abil", "abal"})
_VOWELS = frozenset("aeiou")


#: titles of the religious and honorific register, whose other spellings are known by
#: their reading in the bridge (Moullah, Mulah, Hadjji, Hajy, Maulavy, Chaykh); not
#: the short or English ones (Dr, Mr, Doctor), nor Qari (its reading is Gary's)
_TITLES_BY_READING = ("sheikh", "shaykh", "mullah", "hajji", "haji", "maulana",
                      "mawlawi", "maulavi", "maulvi", "mufti", "ustadh")


@lru_cache(maxsize=1)
def _title_readings() -> frozenset[str]:
    return frozenset(f.full for t in _TITLES_BY_READING for f in latin_forms(t))


def _is_title_spelling(tok: str) -> bool:
    """True for a Latin spelling of a title of ``_TITLES_BY_READING`` (same reading),
    or of Qari written with its q (Qary, Qaari)."""
    if len(tok) < 4 or not tok.isascii() or not tok.isalpha():
        return False
    readings = {f.full for f in latin_forms(tok)}
    return bool(readings & _title_readings()) or (tok[0] == "q" and "kari" in readings)


def is_allah(word: str) -> bool:
    """True if ``word`` is the divine name Allah in any of its spellings."""
    return word in _ALLAH or word == "له" or bool(_ALLAH_RE.fullmatch(word))


def _is_arabic(tok: str) -> bool:
    return any("\u0600" <= c <= "\u06ff" for c in tok)


def classify_token(tok: str, nxt: str) -> list[tuple[str, str]]:
    """Split one folded token into tagged items.

    Tags: ``article``, ``nasab``, ``kunya`` (Abu), ``umm``, ``abd``, ``din``,
    ``allah``, ``title`` and ``word``. A one-word compound (Abdulrahman, Abubakar, Salahuddin,
    Nasrallah, عبدالرحمن) yields two items.
    """
    tag = _closed_tag(tok, nxt)
    if tag is not None:
        return [(tag, tok)]
    if _is_arabic(tok):
        return _classify_arabic(tok)
    if tok.startswith("cabd") and len(tok) > 4:
        return classify_token(tok[1:], nxt)  # Somali c for ʿayn: Cabdullahi, Cabdi
    if tok in _ARTICLES or (tok in _SUN_ARTICLES and nxt and nxt.startswith(tok[1:])):
        return [("article", tok)]
    return _classify_latin(tok, nxt)


def reads_next(tok: str) -> bool:
    """True if ``classify_token(tok, nxt)`` may depend on ``nxt`` (an Abd word, a sun
    article, a kunya with its article, a Somali Cabd-), False if it is the same for
    every ``nxt``."""
    return tok in _ABD or tok in _SUN_ARTICLES or tok in _KUNYA_ARTICLE \
        or tok.startswith("cabd")


def _closed_tag(tok: str, nxt: str) -> str | None:
    """The tag of ``tok`` if it is a word of a closed class (title, nasab particle,
    kunya, abd, din, Allah), else ``None``."""
    if tok in _TITLES or _is_title_spelling(tok):
        return "title"
    if tok in _NASAB:
        return "nasab"
    if tok in _KUNYA:
        return "kunya"
    if tok in _UMM:
        return "umm"
    if tok in _ABD:
        return "word" if not nxt and tok in ABD_STANDALONE else "abd"
    if tok in _DIN:
        return "din"
    if tok in _ALLAH or (len(tok) >= 4 and tok.isascii() and _ALLAH_RE.fullmatch(tok)):
        return "allah"
    return None


def _classify_arabic(tok: str) -> list[tuple[str, str]]:
    if tok.startswith("عبد") and len(tok) >= 5:
        return [("abd", "عبد")] + _arabic_word(tok[3:])
    if tok.startswith("ابو") and len(tok) >= 6:  # (ابوعبدالرحمن: Abu + Abd al-Rahman)
        return [("kunya", "ابو")] + _classify_arabic(tok[3:])
    if tok.endswith("الدين") and len(tok) >= 7:
        return _arabic_word(tok[:-5]) + [("din", "الدين")]
    if tok.endswith("الله") and len(tok) >= 6:
        return _arabic_word(tok[:-4]) + [("allah", "الله")]
    return _arabic_word(tok)


def title_as_name(article: str, word: str) -> tuple[str, str]:
    """``(article, word)`` of a title read as a name (one written after the name): an
    Arabic title's article split off as a name's is (قادر السيد: ال + سيد, as *Kader El
    Sayed*; حسن الشيخ as *Hassan El Sheikh*)."""
    if not article and _is_arabic(word):
        items = _arabic_word(word)
        if len(items) == 2 and items[0][0] == "article":
            return items[0][1], items[1][1]
    return article, word


def _arabic_word(tok: str) -> list[tuple[str, str]]:
    if tok in ("الله", "لله"):
        return [("allah", tok)]
    if tok.startswith("ال") and len(tok) >= 4:
        return [("article", "ال"), ("word", tok[2:])]
    return [("word", tok)] if tok else []


_NASAB_ARTICLE = re.compile(r"(bin|ben|ibn)(al|el)([^aeiou].{2,})")


def _kunya_article(tok: str, nxt: str) -> list[tuple[str, str]]:
    """Abul Hassan: the kunya and its article (nothing when no name follows)."""
    return [("kunya", tok[:-1]), ("article", "l")] if tok in _KUNYA_ARTICLE and nxt else []


def _classify_latin(tok: str, nxt: str = "") -> list[tuple[str, str]]:
    kunya = _kunya_article(tok, nxt)
    if kunya:
        return kunya
    m = _NASAB_ARTICLE.fullmatch(tok)  # Binalshibh
    if m:
        return [("nasab", m.group(1)), ("article", m.group(2)), ("word", m.group(3))]
    rest = split_abd(tok)
    if rest:
        return [("abd", "abd"), ("allah" if is_allah(rest) else "word", rest)]
    for prefix in _ABU_PREFIXES:
        if tok.startswith(prefix) and len(tok) - len(prefix) >= 3 \
                and tok[len(prefix)] not in _VOWELS:
            return [("kunya", prefix), ("word", tok[len(prefix):])]
    m = _RAHMAN.fullmatch(tok)  # Ziaurrahman, Azizirahman: Zia ur-Rahman
    if m:
        return [("word", m.group(1)), ("article", m.group(2) or "ur"), ("word", m.group(3))]
    return _split_suffix(tok)


def _split_suffix(tok: str) -> list[tuple[str, str]]:
    """A one-word *X al-Din* or *X Allah* split in two, else the word."""
    for suffix in _DIN_SUFFIXES:
        if tok.endswith(suffix) and len(tok) - len(suffix) >= 3:
            return [("word", tok[: -len(suffix)]), ("din", suffix)]
    for suffix in _ALLAH_SUFFIXES:
        if tok.endswith(suffix) and len(tok) - len(suffix) >= 3:
            return [("word", tok[: -len(suffix)]), ("allah", suffix)]
    return [("word", tok)]


#: X ur-Rahman written as one word (the izafa or the article joined: -ur-, -u-, -i-)
_RAHMAN = re.compile(r"([a-z]{3,}?)(u[rl]?|i|e)?(r[ae]k?hma+n)")


def split_abd(tok: str) -> str | None:
    """The divine name in a one-word Abd compound (``abdulrahman`` -> ``rahman``)."""
    if not tok.startswith("abd") or len(tok) < 6:
        return None
    rest = tok[3:]
    for _ in range(2):
        if rest[:1] in _VOWELS:
            rest = rest[1:]
    if _ABD_ALLAH_RE.fullmatch(rest):
        return "allah"  # abdullahi, abdoulaye
    if rest.startswith("l") and len(rest) > 2:
        rest = rest[1:]  # the article: abdel-aziz, abdul-lah, abdul-rahman
    return rest if len(rest) >= 2 else None


def article_variant(word: str) -> str | None:
    """The word without an attached Latin article (``alrawi`` -> ``rawi``), if any."""
    if len(word) >= 6 and word[:2] in ("al", "el") and word[2] not in _VOWELS:
        return word[2:]
    return None
