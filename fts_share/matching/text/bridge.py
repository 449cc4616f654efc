"""The bridge: Arabic script and every Latin spelling mapped into one key space.

A word becomes one or more ``Form`` (``forms``; a few candidate readings where
the script is ambiguous: ``arabic``, ``latin``). Each form has two strings over the
same small alphabet:

``skel``
    the consonant skeleton: consonant *classes* only, vowels dropped, doubled letters
    collapsed. Classes follow domain.md: q/k/g/c -> ``k``; kh -> ``x``; j/dj/zh -> ``j``;
    th/ث -> ``s``; dh/ذ/ظ/z -> ``z``; sh/ch/ش -> ``S``; ʿayn, hamza and alef vanish;
    w/y are kept only where they are consonants (word start, before a vowel).
``full``
    the skeleton with vowel hints: ``a`` (a, e; ا ى), ``i`` (i, ee, y as vowel; ي)
    and ``u`` (o, u, ou, w as vowel; و). Arabic writes only long vowels, Latin
    writes all vowels, so a cross-script comparison measures how much of the
    Arabic form the Latin form covers (see ``scoring.part_similarity_ref``). A Latin
    form keeps its initial vowel (*Amir* ``amir``, *Umar* / *Omar* ``umar``; an
    initial e reads ``i`` or ``a``: *Emad* = *Imad*, *Ekrem* = *Akram*): it spells the
    vowel of the hamza or ʿayn that the key space drops, which Arabic script does not
    write, so it counts between two Latin spellings and costs nothing against Arabic.

Cyrillic words are read through their standard romanisations (``cyrillic``), so a
Cyrillic name meets its Latin spellings in the same keys. Korean names written in
Latin letters are read syllable by syllable (``korean``): each part is a string of
Hangul blocks, one per folded syllable, both its skeleton and its full form.

The rules were written from the domain notes and checked on the ar2en train split;
``bench/bench_matching.py`` reports top-1 on the held-out eval split.
"""

from __future__ import annotations

from fts_share.matching.text.arabic import arabic_forms
from fts_share.matching.text.cyrillic import cyrillic_forms, is_cyrillic_char
from fts_share.matching.text.forms import Form
from fts_share.matching.text.korean import is_hangul
from fts_share.matching.text.latin import latin_forms


def word_forms(word: str, somali: bool = False) -> list[Form]:
    """Forms of one folded word in any script read (Arabic, Cyrillic, Latin); ``somali``:
    a Latin word of a name spelt as Somali writes (``latin.is_somali``)."""
    if any("\u0600" <= ch <= "\u06ff" for ch in word):
        return arabic_forms(word)
    if any(is_cyrillic_char(ch) for ch in word):
        return cyrillic_forms(word)
    if is_hangul(word):  # a Korean name part, folded syllable by syllable (``korean``)
        return [Form(word, word)]
    return latin_forms(word, somali)
