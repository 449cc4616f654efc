"""Similarity of two name parts on their bridged forms (rapidfuzz metrics).

``part_similarity`` is the best similarity over the candidate readings of both
parts. For one pair of readings it mixes:

* the normalised Levenshtein similarity of the consonant skeletons (weight
  ``MatchConfig.skeleton_weight``), and
* the agreement of the vowel hints: within one script, the normalised Levenshtein
  similarity of the ``full`` strings; across scripts, the share of the Arabic reading
  (consonants and long vowels) found in order in the Latin one (an LCS coverage),
  because Latin spells short vowels that Arabic does not write.

A compound part (Abu X, Abd X) compared with a part of another kind is scaled by
``MatchConfig.compound_mismatch``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np

from rapidfuzz import process
from rapidfuzz.distance import LCSseq, Levenshtein

from fts_share.matching.analysis import NamePart
from fts_share.matching.bridge import Form


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
        vowels = LCSseq.similarity(arabic.full, latin.full) / max(1, len(arabic.full))
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


Group = tuple[tuple[Form, ...], str, str]
"""An indexed group of part spellings: ``(forms, script, kind)``."""


def similarity_array(group: Group, others: Sequence[Group], *,
                     skeleton_weight: float = 0.6, compound_mismatch: float = 0.75
                     ) -> np.ndarray:
    """``part_similarity`` of a part whose readings are ``group`` with each of
    ``others``, as a float64 array.

    The rapidfuzz metrics run over all readings at once (``process.cdist``) and the
    mix is computed with numpy, in the same order of operations as
    ``form_similarity``, so the numbers are bit for bit those of ``part_similarity``.
    """
    q_forms, q_script, q_kind = group
    n = len(others)
    if not n:
        return np.zeros(0)
    counts = [len(forms) for forms, _s, _k in others]
    skels = [f.skel for forms, _s, _k in others for f in forms]
    fulls = [f.full for forms, _s, _k in others for f in forms]
    m = len(skels)
    q_arabic = q_script == "arabic"
    same_g = np.fromiter(((script == "arabic") == q_arabic for _f, script, _k in others),
                         dtype=bool, count=n)
    multi = m != n
    if multi:
        owner = np.repeat(np.arange(n), counts)
        same = same_g[owner]
    else:
        same = same_g
    q_skels = [f.skel for f in q_forms]
    q_fulls = [f.full for f in q_forms]
    skel = process.cdist(q_skels, skels, scorer=Levenshtein.normalized_similarity,
                         dtype=np.float64)
    lev = process.cdist(q_fulls, fulls, scorer=Levenshtein.normalized_similarity,
                        dtype=np.float64)
    lcs = process.cdist(q_fulls, fulls, scorer=LCSseq.similarity, dtype=np.int64)
    if q_arabic:
        denom = np.array([[max(1, len(f))] for f in q_fulls], dtype=np.float64)
    else:
        denom = np.fromiter((max(1, len(f)) for f in fulls), dtype=np.float64, count=m)
    vowels = np.where(same, lev, lcs / denom)
    w = skeleton_weight
    mixed = w * skel + (1.0 - w) * vowels
    full_arr = np.array(fulls, dtype=object)
    for k, qf in enumerate(q_fulls):
        mixed[k][full_arr == qf] = 1.0
    best = mixed.max(axis=0)
    if multi:
        starts = np.cumsum(counts) - np.asarray(counts)
        best = np.maximum.reduceat(best, starts)
    mismatch = np.fromiter((kind != q_kind for _f, _s, kind in others), dtype=bool,
                           count=n)
    if mismatch.any():
        best = np.where(mismatch, best * compound_mismatch, best)
    return best


def similarities_to_many(part: NamePart, others: Sequence[Group], *,
                         skeleton_weight: float = 0.6, compound_mismatch: float = 0.75
                         ) -> list[float]:
    """``part_similarity`` of ``part`` with each of ``others`` (given as ``(forms,
    script, kind)``), batched; see :func:`similarity_array`."""
    return similarity_array((part.forms, part.script, part.kind), others,
                            skeleton_weight=skeleton_weight,
                            compound_mismatch=compound_mismatch).tolist()
