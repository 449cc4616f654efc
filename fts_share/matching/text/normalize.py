"""Character-level normalisation of names in Arabic and Latin script.

Two layers:

* :func:`clean_text` validates and tidies raw input (control characters refused,
  bidirectional marks and zero-width characters stripped, length capped);
* :func:`fold_arabic` and :func:`fold_latin` map the many ways of writing a letter to
  one form (alef forms, ta marbuta, alef maqsura, hamza seats, tatweel, tashkeel,
  Persian/Urdu letters, digits; case, diacritics, apostrophes for ʿayn and hamza).

All functions are pure and idempotent: ``f(f(x)) == f(x)``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from fts_share.errors import ValidationError
from fts_share.matching.text.han import han_to_pinyin

#: Longest name (in characters, after cleaning) the engine accepts.
MAX_NAME_LENGTH = 300

# Bidirectional formatting and zero-width characters: stripped silently.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
             "\u2066\u2067\u2068\u2069\u061c\ufeff\u00ad\u2060"),
    None,
)

_ARABIC_DIGITS = {ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")}
_ARABIC_DIGITS.update({ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")})

# Letter variants folded to one base letter. Hamza alone (ء) and the hamza seats
# are kept as a neutral hamza so that the bridge can drop them consistently.
_ARABIC_FOLD = {
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
    "ى": "ي", "ی": "ي", "ې": "ي", "ۍ": "ي", "ے": "ي", "ێ": "ي",
    "ک": "ك", "ڪ": "ك",
    "ؤ": "ء", "ئ": "ء", "ٶ": "ء", "ٸ": "ء",
    "ۀ": "ه", "ہ": "ه", "ھ": "ه", "ە": "ه",
    "ۃ": "ة",
    "ڨ": "ق", "ڤ": "ف", "ڥ": "ف",
    "ـ": "",  # tatweel
}
_ARABIC_TABLE = {ord(k): v for k, v in _ARABIC_FOLD.items()}
_ARABIC_TABLE.update(_ARABIC_DIGITS)

# Latin letters that NFKD does not decompose.
_LATIN_SPECIAL = {
    "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "þ": "th",
    "ł": "l", "ı": "i", "ħ": "h", "ŧ": "t", "ŋ": "n", "ƒ": "f", "ĸ": "k",
}
# Marks for ʿayn and hamza, and apostrophes: dropped inside a word.
_APOSTROPHES = "ʿʾʼʻʽ'’‘`´ʹʺ"
_LATIN_TABLE: dict[int, str | None] = {ord(k): v for k, v in _LATIN_SPECIAL.items()}
_LATIN_TABLE.update(dict.fromkeys(map(ord, _APOSTROPHES), None))


def clean_text(text: object, *, field: str = "name", max_length: int = MAX_NAME_LENGTH) -> str:
    """Validate raw input and return it NFC-normalised with invisible marks removed.

    Raises :class:`~fts_share.errors.ValidationError` (``errors={field: [...]}``) if
    the value is not a string, contains control characters, is empty or too long.
    Bidirectional marks, zero-width characters and soft hyphens are stripped.
    """
    if not isinstance(text, str):
        raise ValidationError({field: ["must be a string"]})
    if len(text) > max_length * 4:
        raise ValidationError({field: [f"longer than {max_length} characters"]})
    if not text.isascii():  # (ASCII is NFC and has no invisible mark)
        text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    if not text.isprintable():  # (every control, unassigned or private character is not)
        for ch in text:
            problem = _char_problem(ch)
            if problem:
                raise ValidationError({field: [f"{problem} U+{ord(ch):04X}"]})
    text = " ".join(text.split())
    if not text:
        raise ValidationError({field: ["must not be empty"]})
    if len(text) > max_length:
        raise ValidationError({field: [f"longer than {max_length} characters"]})
    return text


_PROBLEMS: dict[str, str] = {}


def _char_problem(ch: str) -> str:
    """"" for an acceptable character, else what is wrong with it (memoised)."""
    problem = _PROBLEMS.get(ch)
    if problem is None:
        cat = unicodedata.category(ch)
        if cat == "Cc" and ch not in "\t\n\r":
            problem = "contains control character"
        elif cat in ("Co", "Cs", "Cn"):
            problem = "contains invalid character"
        else:
            problem = ""
        if len(_PROBLEMS) < 100_000:
            _PROBLEMS[ch] = problem
    return problem


def is_arabic_char(ch: str) -> bool:
    """True for letters of the Arabic script blocks (Arabic, Persian, Urdu ...)."""
    o = ord(ch)
    return 0x0600 <= o <= 0x06FF or 0x0750 <= o <= 0x077F or 0xFB50 <= o <= 0xFDFF \
        or 0xFE70 <= o <= 0xFEFF or 0x08A0 <= o <= 0x08FF


def fold_arabic(text: str) -> str:
    """Fold Arabic-script variants: tashkeel, tatweel, alef forms, hamza seats ...

    Presentation forms are decomposed first (NFKC). Ta marbuta (ة) is kept: the
    bridge knows it is a final vowel; everything else is folded here.
    """
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKC", text)
    text = _ARABIC_MARKS.sub("", text)
    return text.translate(_ARABIC_TABLE)


_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed\u0610-\u061a\u08d3-\u08ff]")


def _is_arabic_mark(ch: str) -> bool:
    o = ord(ch)
    # tashkeel, Quranic marks, superscript alef
    return 0x064B <= o <= 0x065F or o == 0x0670 or 0x06D6 <= o <= 0x06ED \
        or 0x0610 <= o <= 0x061A or 0x08D3 <= o <= 0x08FF


_NON_WORD = re.compile(r"[^a-z0-9\u00e7\u015f\u0400-\u052f\u0600-\u06ff\s-]+")


def fold_latin(text: str) -> str:
    """Lower-case, strip diacritics and ʿayn/hamza apostrophes; keep hyphens; č, š, ž
    become ch, sh, zh (``_CARON``); ç and ş (ș) are kept (``_CEDILLA``)."""
    text = text.lower().translate(_LATIN_TABLE)
    if text.isascii():
        return text
    # word by word (nothing below crosses a space), each word folded once: names
    # repeat their words
    return " ".join([_fold_word(w) for w in text.split(" ")])


@lru_cache(maxsize=100_000)
def _fold_word(text: str) -> str:
    """``fold_latin`` of a lower-cased, translated word that is not all ASCII."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", text)
    kept: list[str] = []
    for ch in text:  # Latin diacritics go; a Cyrillic letter keeps its marks (й, ё)
        if ch == _CARON and kept and kept[-1] in "csz":
            kept.append("h")  # č š ž: ch sh zh
        elif ch in _CEDILLA and kept and kept[-1] in _CEDILLA[ch]:
            kept[-1] = _CEDILLA[ch][kept[-1]]  # ç, ş (and ș) kept
        elif not unicodedata.combining(ch) or (kept and _is_cyrillic(kept[-1])):
            kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)).translate(_LATIN_TABLE)


#: č, š and ž are the digraphs ch, sh and zh in every alphabet and romanisation that
#: writes them (ISO 9 for Cyrillic: *Čataev* Чатаев; Czech, Slovak, Slovene, Croatian,
#: the Baltic languages; the scholarly romanisations of Arabic and Persian: š ش, č چ,
#: ž ژ): without the caron they would read as c (k), s and z, other letters
_CARON = "\u030c"

#: ç and ş (ș: Romanian's comma below) are kept, composed, for ``latin`` to read as
#: the sounds they stand for and as their base letters (lists drop the marks: *Sahin*
#: for *Şahin*, *Francois*): ş is sh in every alphabet that writes it (Turkish,
#: Azerbaijani, Turkmen, Kurdish, Tatar, Romanian), ç is ch in Turkish, Albanian,
#: Azerbaijani and Kurdish but s in French, Portuguese and Catalan
_CEDILLA = {"\u0327": {"c": "\u00e7", "s": "\u015f"}, "\u0326": {"s": "\u015f"}}


def _is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u052f"


#: Scripts whose letters the engine reads (the rest make a name unreadable); Han
#: ideographs ("CJK") are read as pinyin (``han``).
READ_SCRIPTS = frozenset({"LATIN", "ARABIC", "CYRILLIC", "CJK"})
_SCRIPT_NAMES = {"CJK": "Han", "HANGUL": "Hangul", "HIRAGANA": "Japanese kana",
                 "KATAKANA": "Japanese kana"}


def unread_scripts(text: str) -> list[str]:
    """The scripts of the letters of ``text`` that the engine does not read (Han,
    Hangul, Greek ...), in order of appearance."""
    found: dict[str, None] = {}
    for ch in text:
        if ch.isalpha() and not ch.isascii():
            script = unicodedata.name(ch, "UNKNOWN").split()[0]
            if script not in READ_SCRIPTS:
                found.setdefault(_SCRIPT_NAMES.get(script, script.title()))
    return list(found)


def fold(text: str) -> str:
    """Fold any name: Arabic, Cyrillic (lower case) and Latin letters, digits to ASCII,
    Han ideographs to their pinyin syllables.

    Punctuation other than hyphens becomes a space; the result is lower-case with
    single spaces. Idempotent.
    """
    # word by word, each word folded once (names repeat their words): nothing in the
    # fold crosses a white space (a Han run, a combining sequence, a lower-cased
    # final sigma end there), so the words' folds joined are the whole text's fold
    return " ".join([f for f in map(_fold_text_word, text.split()) if f])


@lru_cache(maxsize=200_000)
def _fold_text_word(text: str) -> str:
    """``fold`` of one word (no white space in it)."""
    text = fold_latin(fold_arabic(han_to_pinyin(text)))
    text = _NON_WORD.sub(" ", text.replace("_", " "))
    return " ".join(text.split())


def unreadable_reason(cleaned: str, tokens: list[str]) -> str:
    """Why a name (``cleaned``, its words ``tokens``) gave no part: letters of a
    script the engine does not read, or only particles and titles."""
    scripts = unread_scripts(cleaned)
    if scripts and not tokens:
        return f"not readable: written in {', '.join(scripts)} script, which is not read"
    if scripts:
        return (f"not readable: only particles or titles besides {', '.join(scripts)} "
                "script, which is not read")
    if not tokens:
        return "not readable: no letters"
    return "contains no name: only particles or titles"
