"""Readings of Latin-script words in the shared key space (see ``bridge``)."""

from __future__ import annotations

import re

from fts_share.matching.text.forms import MAX_FORMS, Form, expand

# Multi-letter spellings first; each maps to a list of alternative readings.
_LAT_MULTI: list[tuple[str, list[str]]] = [
    ("sch", ["S"]), ("tch", ["S"]), ("tsh", ["S"]),
    ("sh", ["S"]), ("ch", ["S"]), ("kh", ["x", "h"]), ("gh", ["k"]), ("ph", ["f"]),
    ("dj", ["j"]), ("zh", ["j", "zh"]), ("ck", ["k"]), ("th", ["s", "th"]), ("dh", ["z", "dh"]),
    ("ee", ["i"]), ("ii", ["i"]), ("oo", ["u"]), ("ou", ["u"]), ("ei", ["i"]),
    ("ie", ["i"]), ("ey", ["i"]), ("ay", ["ai"]), ("aa", ["a"]), ("uu", ["u"]),
]
# one C call per letter finds the multi-letter spelling (alternatives tried in order)
_LAT_MULTI_RE = re.compile("|".join(re.escape(multi) for multi, _r in _LAT_MULTI))
_LAT_MULTI_READINGS = dict(_LAT_MULTI)
_LAT_SINGLE = {
    "a": "a", "e": "a", "i": "i", "o": "u", "u": "u", "b": "b", "p": "b", "t": "t",
    "d": "d", "j": "j", "k": "k", "q": "k", "g": "k", "c": "k", "x": "ks", "s": "s",
    "z": "z", "f": "f", "v": "f", "h": "h", "l": "l", "m": "m", "n": "n", "r": "r",
}
#: ç and ş (kept by ``normalize.fold_latin``) read as their base letters, which lists
#: write for them (*Sahin* for *Şahin*, *Francois*), first (the part's key stays
#: that of the name typed without the marks), then as the sounds they stand for: ş is
#: sh; ç is ch (``S``) in Turkish, Albanian, Azerbaijani and Kurdish (*Çelik*, *Koç*)
#: and s in French, Portuguese and Catalan (*François*, *Idriça* Idrissa) (``_cedilla``)
_CEDILLA_READINGS = {"ş": ["s", "S"], "ç": ["s", "S"]}
_LAT_VOWEL_LETTERS = frozenset("aeiouy")
#: after a vowel these may also be two letters (s+h, k+h: Ishaq, Lakhal)
_SPLIT_AFTER_VOWEL = frozenset({"sh", "kh"})


_SOMALI_MARK = re.compile(r"^x[aeu]|[aeiou]x|aa|ii|uu|^cabd")


def is_somali(word: str) -> bool:
    """True for a folded word spelt as Somali writes Arabic names: an x after a vowel
    or first before a, e, u (*Maxamed*, *Xasan*: x for ḥ; not the pinyin *Xi*,
    *Xiang*), a doubled long vowel (*Cusmaan*, *Ciise*), or *Cabd-* (ʿAbd). A name with one such word is read with the Somali readings of
    c and x (``latin_forms(..., somali=True)``)."""
    return bool(_SOMALI_MARK.search(word))


def latin_forms(word: str, somali: bool = False) -> list[Form]:
    """Candidate readings of one folded Latin-script word (no article), with its initial
    vowel (``bridge``); ``somali``: also read c as ʿayn and x as ḥ where Somali writes
    them (``_somali``)."""
    options: list[list[str]] = []
    i = 0
    while i < len(word):
        option, i = _letter(word, i, somali)
        if option is not None:
            options.append(option)
    if word.startswith("e") and options[:1] == [["a"]]:
        options[0] = ["i", "a"]  # an initial e: a kasra (Emad, Esmail, Elias) or a fatha
    forms = expand(options, keep_initial_vowel=True)
    if _JOINED_ARTICLE.match(word):  # the vowel may be an article's: also read without
        forms += [f for f in expand(options) if f not in forms]
    if _maghrebi_article(word):  # the l may be the article's: also read without
        forms += [f for f in expand(options[1:]) if f not in forms]
    return forms[:MAX_FORMS]


def initial_forms(letter: str) -> list[Form]:
    """The readings a word written with the initial ``letter`` (one folded Latin
    letter: *M.*, *S*) may start with, one letter each: its own reading and those of
    the spellings that start with it (*S.*: s, and sh as ``S``; *K.*: k, and kh as ``x``
    or ``h``; *E.*: ``i`` or ``a``; *Y.*: y, or the vowel ``i``)."""
    own = _LAT_SINGLE.get(letter, "")[:1]
    leads = {"e": ["i", "a"], "w": ["w", "u"], "y": ["y", "i"], "c": ["k", "s"],
             "ç": ["k", "s", "S"], "ş": ["s", "S"]}.get(letter, [own])
    leads += [r[:1] for multi, readings in _LAT_MULTI if multi.startswith(letter)
              for r in readings]
    return [Form("" if c in "aiu" else c, c) for c in dict.fromkeys(leads) if c]


#: a vowel and a doubled sun letter may be an article assimilated and joined to its
#: word (*Eddam* ad-Dam, *Essid* as-Sid, *Ettaher*): a word of five letters or more
_JOINED_ARTICLE = re.compile(r"^[ae](dd|tt|ss|zz|rr|nn)..")
_L_OPENING = re.compile(r"l(a?)([^aeiouy]+)[aeiouy]")
_ONE_CONSONANT = re.compile("kh|gh|sh|ch|th|dh|ph")


def _maghrebi_article(word: str) -> bool:
    """Whether ``word`` may be a name with its article as the Maghreb spells it, the
    article's l joined to the name: *l* + *a* before two consonants (*Lazhar* al-Azhar,
    *Lakhdar* al-Akhdar, *Larbi* al-Arabi, *Lahcen* al-Hasan), or *l* before *h* and a
    vowel (*Lhadi* al-Hadi); not before one consonant, a digraph counting as one
    (*Latif*, *Laden*, *Lakhal*, *Latham* are names of their own). Five letters or more."""
    m = _L_OPENING.match(word)
    if m is None or len(word) < 5:
        return False
    cluster = _ONE_CONSONANT.sub("C", m.group(2))
    return len(cluster) >= 2 if m.group(1) else cluster == "h"


def _letter(word: str, i: int, somali: bool = False) -> tuple[list[str] | None, int]:
    """The alternative readings of the spelling at ``i`` (``None``: silent) and where
    the next spelling starts."""
    if somali and word[i] in "cx":
        readings = _somali(word, i)
        if readings is not None:
            return readings, i + 1
    special = _opening(word, i) or _word_end(word, i)
    if special is not None:
        return special
    multi = _LAT_MULTI_RE.match(word, i)
    if multi is not None:
        readings = _LAT_MULTI_READINGS[multi.group()]
        if multi.group() in _SPLIT_AFTER_VOWEL and i and word[i - 1] in _LAT_VOWEL_LETTERS:
            readings = [*readings, multi.group()]  # Is-haq اسحاق, La-khal لكحل
        elif multi.group() in ("ay", "ey") and word[multi.end():multi.end() + 1] in "aeiou" \
                and multi.end() < len(word):
            readings = [*readings, "ay"]  # a + consonant y: Ayub = Ayyub, Ayad = Ayyad
        return readings, multi.end()
    ch = word[i]
    if ch in _CEDILLA_READINGS:
        return _cedilla(word, i), i + 1
    return ([ch] if ch.isdigit() else [_LAT_SINGLE.get(ch, "")]), i + 1


def _cedilla(word: str, i: int) -> list[str]:
    """The readings of ç or ş at ``i``: its base letter's first (c is k but before e,
    i, y), then its sounds."""
    readings = _CEDILLA_READINGS[word[i]]
    if word[i] == "ç" and word[i + 1:i + 2] not in ("e", "i", "y"):
        return ["k", *readings]
    return readings


def _somali(word: str, i: int) -> list[str] | None:
    """The Somali readings of c (ʿayn: *Cabdi*, *Cali*, *Cusman*, *Ciise*) or x (ḥ:
    *Maxamed*, *Xasan*, *Axmed*) at ``i`` beside the usual ones (k, s; ks), where Somali
    writes them: c before a vowel or after one, x anywhere but at the end; ``None``
    elsewhere (ch, ck, cc ...)."""
    nxt = word[i + 1] if i + 1 < len(word) else ""
    prev = word[i - 1] if i else ""
    if word[i] == "x":
        return ["ks", "h"] if nxt else None
    if nxt in "chk" and nxt or prev == "c":
        return None
    if word.startswith(("ii", "ee"), i + 1):
        return ["s", ""]  # Ciise (Isa), Ciid
    if (nxt in "aou" and nxt) or (prev in _LAT_VOWEL_LETTERS and prev and nxt != "k"):
        return ["k", ""]
    return None


def _opening(word: str, i: int) -> tuple[list[str], int] | None:
    """A glide (w, y, "ou" before a vowel) or a soft c at ``i``, if there is one."""
    ch = word[i]
    nxt = word[i + 1] if i + 1 < len(word) else ""
    after = word[i + 2] if i + 2 < len(word) else ""
    if ch in "wy" or (ch == "o" and nxt == "u" and after in _LAT_VOWEL_LETTERS and after):
        return _glide(word, i)
    if ch == "c" and nxt in ("e", "i", "y") and nxt:
        return ["s"], i + 1
    return None


def _word_end(word: str, i: int) -> tuple[list[str] | None, int] | None:
    """A mute final e or a final h after a vowel at ``i``, if there is one."""
    ch = word[i]
    last = i == len(word) - 1
    if ch == "e" and last and i > 1 and word[i - 1] not in _LAT_VOWEL_LETTERS:
        return None, i + 1  # French mute e: Zidane, Abderrahmane
    if ch == "h" and last and i > 0 and word[i - 1] in "aeiou":
        return ["h", ""], i + 1  # Abdullah / Abdulla, Fatimah / Fatima
    return None


def _glide(word: str, i: int) -> tuple[list[str], int]:
    """w, y or "ou" before a vowel at ``i``: a consonant before a vowel, else a vowel."""
    ch = word[i]
    step = 2 if ch == "o" else 1
    follow = word[i + step] if i + step < len(word) else ""
    if follow in _LAT_VOWEL_LETTERS and follow:
        return ["y" if ch == "y" else "w"], i + step
    return ["i" if ch == "y" else "u"], i + step
