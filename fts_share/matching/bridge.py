"""The bridge: Arabic script and every Latin spelling mapped into one key space.

A word becomes one or more :class:`Form` (a few candidate readings where the script
is ambiguous). Each form has two strings over the same small alphabet:

``skel``
    the consonant skeleton: consonant *classes* only, vowels dropped, doubled letters
    collapsed. Classes follow domain.md: q/k/g/c -> ``k``; kh -> ``x``; j/dj/zh -> ``j``;
    th/ث -> ``s``; dh/ذ/ظ/z -> ``z``; sh/ch/ش -> ``S``; ʿayn, hamza and alef vanish;
    w/y are kept only where they are consonants (word start, before a vowel).
``full``
    the skeleton with vowel hints: ``a`` (a, e; ا ى), ``i`` (i, ee, y as vowel; ي)
    and ``u`` (o, u, ou, w as vowel; و). Arabic writes only long vowels, Latin
    writes all vowels, so a cross-script comparison measures how much of the
    Arabic form the Latin form covers (see :mod:`fts_share.matching.similarity`).

The rules were written from the domain notes and checked on the ar2en train split;
``bench/bench_matching.py`` reports top-1 on the held-out eval split.
"""

from __future__ import annotations

import re
from itertools import groupby, product
from typing import NamedTuple

#: Most candidate readings kept for one word.
MAX_FORMS = 6

VOWELS = frozenset("aiu")


class Form(NamedTuple):
    """One candidate reading of a word in the shared key space."""

    skel: str
    full: str


# ---------------------------------------------------------------- Arabic script

_AR_CONS = {
    "ب": "b", "پ": "b", "ت": "t", "ط": "t", "ث": "s", "ج": "j", "چ": "S", "ژ": "j",
    "ح": "h", "خ": "x", "د": "d", "ذ": "z", "ز": "z", "ظ": "z", "ر": "r",
    "س": "s", "ص": "s", "ش": "S", "غ": "k", "ف": "f", "ق": "k", "ك": "k", "گ": "k",
    "ل": "l", "م": "m", "ن": "n", "ه": "h",
}
# Letters that vanish from both strings (ʿayn, hamza).
_AR_SILENT = frozenset("عء")


def arabic_forms(word: str) -> list[Form]:
    """Candidate readings of one folded Arabic-script word (no article)."""
    options: list[list[str]] = []
    n = len(word)
    for i, ch in enumerate(word):
        prev = word[i - 1] if i else ""
        nxt = word[i + 1] if i + 1 < n else ""
        if ch in _AR_SILENT:
            options.append([""])
        elif ch == "ا":
            options.append(["" if i == 0 or prev in _AR_SILENT and i == 1 else "a"])
        elif ch == "ة":
            options.append(["a"])
        elif ch == "ه" and i == n - 1 and n > 2:
            options.append(["h", "a"])  # ha or ta marbuta written without dots
        elif ch in "وي":
            cons, vow = ("w", "u") if ch == "و" else ("y", "i")
            if i == 0 or (i == 1 and prev in "اعء"and ch == "و"):
                options.append([cons])
            elif i == n - 1:
                options.append([vow])
            elif nxt == "ا" or prev == "ا":
                options.append([cons, vow] if ch == "ي" else [cons])
            elif nxt in "وي" or prev in "وي":
                options.append([cons, vow])
            else:
                options.append([vow])
        elif ch == "ض":
            options.append(["d", "z"])  # dad: d in Arabic, z in Persian and Urdu names
        elif ch in _AR_CONS:
            options.append([_AR_CONS[ch]])
        elif ch.isdigit():
            options.append([ch])
        else:
            options.append([""])
    return _expand(options)


# ---------------------------------------------------------------- Latin script

# Multi-letter spellings first; each maps to a list of alternative readings.
_LAT_MULTI: list[tuple[str, list[str]]] = [
    ("sch", ["S"]), ("tch", ["S"]), ("tsh", ["S"]),
    ("sh", ["S"]), ("ch", ["S"]), ("kh", ["x"]), ("gh", ["k"]), ("ph", ["f"]),
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
_LAT_VOWEL_LETTERS = frozenset("aeiouy")


def latin_forms(word: str) -> list[Form]:
    """Candidate readings of one folded Latin-script word (no article)."""
    options: list[list[str]] = []
    i, n = 0, len(word)
    while i < n:
        ch = word[i]
        nxt = word[i + 1] if i + 1 < n else ""
        after = word[i + 2] if i + 2 < n else ""
        if ch in "wy" or (ch == "o" and nxt == "u" and after in _LAT_VOWEL_LETTERS and after):
            step = 2 if ch == "o" else 1
            follow = word[i + step] if i + step < n else ""
            cons = "y" if ch == "y" else "w"
            vow = "i" if ch == "y" else "u"
            if i == 0 and follow in _LAT_VOWEL_LETTERS and follow:
                options.append([cons])
            elif follow in _LAT_VOWEL_LETTERS and follow:
                options.append([cons])
            else:
                options.append([vow])
            i += step
            continue
        if ch == "c" and nxt in ("e", "i", "y") and nxt:
            options.append(["s"])
            i += 1
            continue
        if ch == "e" and i == n - 1 and i > 1 and word[i - 1] not in _LAT_VOWEL_LETTERS:
            i += 1  # French mute e: Zidane, Abderrahmane
            continue
        if ch == "h" and i == n - 1 and i > 0 and word[i - 1] in "aeiou":
            options.append(["h", ""])  # Abdullah / Abdulla, Fatimah / Fatima
            i += 1
            continue
        multi = _LAT_MULTI_RE.match(word, i)
        if multi is not None:
            options.append(_LAT_MULTI_READINGS[multi.group()])
            i = multi.end()
        else:
            if ch.isdigit():
                options.append([ch])
            else:
                options.append([_LAT_SINGLE.get(ch, "")])
            i += 1
    return _expand(options)


# ---------------------------------------------------------------- shared

_NO_VOWELS = str.maketrans("", "", "aiu")


def _collapse(text: str) -> str:
    """``text`` with every run of one letter written once."""
    return "".join(letter for letter, _run in groupby(text))


def make_form(raw: str, *, drop_initial_vowels: bool) -> Form:
    """Build a :class:`Form` from a string of class letters and vowel hints."""
    full = _collapse(raw)
    if drop_initial_vowels:
        full = full.lstrip("aiu")
    return Form(_collapse(full.translate(_NO_VOWELS)), full)


def _expand(options: list[list[str]]) -> list[Form]:
    seen: dict[Form, None] = {}
    for combo in product(*options):
        form = make_form("".join(combo), drop_initial_vowels=True)
        if form.full:
            seen.setdefault(form)
        if len(seen) >= MAX_FORMS:
            break
    return list(seen)


def word_forms(word: str) -> list[Form]:
    """Forms of one folded word in either script (chosen by its first letter)."""
    if any("\u0600" <= ch <= "\u06ff" for ch in word):
        return arabic_forms(word)
    return latin_forms(word)
