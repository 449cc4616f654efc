"""Readings in the shared key space: :class:`Form` (consonant skeleton and vowel
hints), and how a word's per-letter alternatives become its forms (``expand``).
The key space itself is described in :mod:`fts_share.matching.text.bridge`."""

from __future__ import annotations

from itertools import groupby, product
from typing import NamedTuple

#: Most candidate readings kept for one word.
MAX_FORMS = 6

VOWELS = frozenset("aiu")


class Form(NamedTuple):
    """One candidate reading of a word in the shared key space."""

    skel: str
    full: str


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


def expand(options: list[list[str]], *, keep_initial_vowel: bool = False) -> list[Form]:
    """The forms of a word whose letters read as ``options`` (alternatives per letter,
    in order), first combinations first, at most ``MAX_FORMS``; an initial vowel is
    dropped unless ``keep_initial_vowel``."""
    seen: dict[Form, None] = {}
    for combo in product(*options):
        form = make_form("".join(combo), drop_initial_vowels=not keep_initial_vowel)
        if form.full:
            seen.setdefault(form)
        if len(seen) >= MAX_FORMS:
            break
    return list(seen)


#: the reading of an East Slavic patronymic's ending, -ovich / -evich (-ович, -евич):
#: its skeleton and its vowel hints (``scoring.rarity.PATRONYMIC_END`` is the skeleton)
PATRONYMIC_SKEL, PATRONYMIC_FULL = "fS", "fiS"


def with_patronymic_roots(forms: tuple[Form, ...]) -> tuple[Form, ...]:
    """``forms`` and, after them, the reading of the father's name of each form that
    reads as a patronymic: *Rajapovich* ``rajabufiS`` is also ``rajab`` (*Rajap*),
    *Isaevich* ``isafiS`` is also ``isa``. A list that writes the father's name without
    its suffix (*Akhmed Rajap Chataev*) names the same father; the patronymic's own
    reading is kept first (its key)."""
    roots = []
    for form in forms:
        skel, full = form
        if not (skel.endswith(PATRONYMIC_SKEL) and full.endswith(PATRONYMIC_FULL)
                and len(skel) > len(PATRONYMIC_SKEL)):
            continue
        root = full[: -len(PATRONYMIC_FULL)]
        if root.endswith("u") and len(root) > 1 and root[-2] not in VOWELS:
            root = root[:-1]  # the o of -ovich
        roots.append(Form(skel[: -len(PATRONYMIC_SKEL)], root))
    return tuple(dict.fromkeys(forms + tuple(roots)))
