"""Similarity of two name parts on their bridged forms (rapidfuzz metrics).

``part_similarity`` is the best similarity over the candidate readings of both
parts. For one pair of readings it mixes:

* the normalised Levenshtein similarity of the consonant skeletons (weight
  ``MatchConfig.skeleton_weight``), and
* the agreement of the vowel hints: within one script, the normalised Levenshtein
  similarity of the ``full`` strings; across scripts, the share of the Arabic reading
  (consonants and long vowels) found in order in the Latin one (an LCS coverage),
  because Latin spells short vowels that Arabic does not write. When the two
  skeletons start with different consonants, the share is of the longer of the
  Arabic reading and the Latin consonants: a Latin name that starts with a consonant
  the Arabic lacks is not covered in full (أحمد *hmd* in *Mohammed*: 3 of 4), while a
  compound that Arabic script splits still is (آخوند in *Akhundzada*).

A compound part (Abu X, Abd X) compared with a part of another kind is scaled by
``MatchConfig.compound_mismatch``.

This is the readable reference; ``part_similarity_fast`` is its compiled twin, which
the index calls in batches (through ``index.groups.GroupTable``): the same numbers,
and tests (tests/matching/test_ref_fast.py) hold the two equal.
"""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz.distance import LCSseq, Levenshtein

from fts_share.matching.scoring.analysis import NamePart
from fts_share.matching.text.forms import Form


def form_similarity(a: Form, a_script: str, b: Form, b_script: str,
                    skeleton_weight: float) -> float:
    """Similarity in [0, 1] of two readings."""
    if a.full == b.full:
        return 1.0
    skel = Levenshtein.normalized_similarity(a.skel, b.skel)
    if a_script == b_script:
        vowels = Levenshtein.normalized_similarity(a.full, b.full)
    else:
        arabic, latin = (a, b) if a_script == "arabic" else (b, a)
        most = len(arabic.full)
        if arabic.skel[:1] != latin.skel[:1]:
            most = max(most, len(latin.skel))
        vowels = LCSseq.similarity(arabic.full, latin.full) / max(1, most)
    return skeleton_weight * skel + (1.0 - skeleton_weight) * vowels


@lru_cache(maxsize=200_000)
def _forms_similarity(a: tuple[Form, ...], a_script: str, b: tuple[Form, ...],
                      b_script: str, skeleton_weight: float) -> float:
    best = 0.0
    for fa in a:
        for fb in b:
            s = form_similarity(fa, a_script, fb, b_script, skeleton_weight)
            if s > best:
                best = s
                if best >= 1.0:
                    return 1.0
    return best


def part_similarity(a: NamePart, b: NamePart, *, skeleton_weight: float = 0.6,
                    compound_mismatch: float = 0.75) -> float:
    """Similarity in [0, 1] of two name parts (best pair of readings)."""
    s = _forms_similarity(a.forms, a.script, b.forms, b.script, skeleton_weight)
    if a.kind != b.kind:
        s *= compound_mismatch
    return s
