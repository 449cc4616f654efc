"""Readings of Arabic-script words in the shared key space (see ``bridge``)."""

from __future__ import annotations

from fts_share.matching.text.forms import MAX_FORMS, Form, expand

_AR_CONS = {
    "ب": "b", "پ": "b", "ت": "t", "ط": "t", "ث": "s", "ج": "j", "چ": "S", "ژ": "j",
    "ح": "h", "خ": "x", "د": "d", "ذ": "z", "ز": "z", "ظ": "z", "ر": "r",
    "س": "s", "ص": "s", "ش": "S", "غ": "k", "ف": "f", "ق": "k", "ك": "k", "گ": "k",
    "ل": "l", "م": "m", "ن": "n", "ه": "h",
    # Urdu and Pashto letters, read as Latin spells them (Urdu ٹ ڈ ڑ, Pashto ټ ډ ړ:
    # retroflex t, d, r; ں, ڼ: n; Pashto ځ dz, څ ts: *Zadran* ځدران, written z, s)
    "ٹ": "t", "ټ": "t", "ڈ": "d", "ډ": "d", "ڑ": "r", "ړ": "r", "ں": "n", "ڼ": "n",
    "ځ": "z", "څ": "s",
}
#: Pashto letters read two ways by dialect and by the lists that write them: ښ sh or
#: kh (پښتون *Pashtun* / *Pakhtun*), ږ zh or g
_AR_TWO_WAYS = {"ښ": ["S", "x"], "ږ": ["j", "k"]}
# Letters that vanish from both strings (ʿayn, hamza).
_AR_SILENT = frozenset("عء")


def arabic_forms(word: str) -> list[Form]:
    """Candidate readings of one folded Arabic-script word (no article).

    A final ي after a consonant is also read as an alef maqsura (folded to ي, and
    typed for it: مصطفى Mustafa, موسى Musa; and على is typed for علي Ali): each
    reading ending in that ي gets a twin ending in ``a``, after the others, so the
    twins take no room from the other letters' alternatives (same skeleton). Not in a
    word of three letters or fewer: علي would read *Ala* and meet *Khawla*."""
    forms = expand([_letter(word, i) for i in range(len(word))])
    if len(word) > 3 and word[-1] == "ي" and word[-2] not in "اويء":
        forms += [Form(f.skel, f.full[:-1] + "a") for f in forms if f.full.endswith("i")]
    return list(dict.fromkeys(forms))[:MAX_FORMS]


def _letter(word: str, i: int) -> list[str]:
    """The alternative readings of the letter at ``i``."""
    ch = word[i]
    n = len(word)
    if ch in _AR_SILENT:
        return [""]
    if ch == "ا":
        return ["" if i == 0 or word[i - 1] in _AR_SILENT and i == 1 else "a"]
    if ch == "ة":
        return ["a"]
    if ch == "ه" and i == n - 1 and n > 2:
        return ["h", "a"]  # ha or ta marbuta written without dots
    if ch in "وي":
        return _weak(word, i)
    if ch == "ض":
        return ["d", "z"]  # dad: d in Arabic, z in Persian and Urdu names
    if ch in _AR_CONS:
        return [_AR_CONS[ch]]
    if ch in _AR_TWO_WAYS:
        return _AR_TWO_WAYS[ch]
    return [ch] if ch.isdigit() else [""]


def _weak(word: str, i: int) -> list[str]:
    """Waw or ya at ``i``: a consonant (w, y), a long vowel (u, i), or either."""
    ch = word[i]
    prev = word[i - 1] if i else ""
    nxt = word[i + 1] if i + 1 < len(word) else ""
    cons, vow = ("w", "u") if ch == "و" else ("y", "i")
    if i == 1 and prev in "اعء" and ch == "و":
        # عوض Awad / Odeh, العولقي Awlaki / Aulaqi, اولاد Ouled: before a consonant
        # also a vowel
        return [cons, vow] if nxt and nxt not in "اوي" else [cons]
    if i == 0:
        return [cons]
    if i == len(word) - 1:
        return [vow]
    return _weak_inside(ch, prev, nxt, i, word[i + 1:] == "ن")


def _weak_inside(ch: str, prev: str, nxt: str, i: int, before_last_n: bool) -> list[str]:
    """Waw or ya at ``i`` between the letters ``prev`` and ``nxt``. A waw between two
    consonants past the second letter is a long vowel (محمود Mahmud) or a w before an
    unwritten vowel (انور Anwar, سرور Sarwar): both, the vowel first; not in نور Nur,
    nor before a final nun (``before_last_n``: خلدون Khaldun, سرجون Sargon)."""
    cons, vow = ("w", "u") if ch == "و" else ("y", "i")
    if nxt == "ا" or prev == "ا":
        return [cons, vow] if ch == "ي" else [cons]
    if nxt in "وي" or prev in "وي":
        return [cons, vow]
    if ch == "و" and i >= 2 and prev not in _AR_SILENT and not before_last_n:
        return [vow, cons]
    return [vow]
