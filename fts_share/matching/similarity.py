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


def similarities_to_many(part: NamePart, others: list[tuple[tuple[Form, ...], str, str]], *,
                         skeleton_weight: float = 0.6, compound_mismatch: float = 0.75
                         ) -> list[float]:
    """``part_similarity`` of ``part`` with each of ``others`` (given as ``(forms,
    script, kind)``), batched: the rapidfuzz metrics run over all readings at once.
    The results are the same numbers as ``part_similarity`` computes one by one."""
    skels: list[str] = []
    fulls: list[str] = []
    owner: list[int] = []
    arabic_len: list[int] = []
    same: list[bool] = []
    for k, (forms, script, _kind) in enumerate(others):
        for f in forms:
            skels.append(f.skel)
            fulls.append(f.full)
            owner.append(k)
            arabic_len.append(len(f.full))
            same.append(script == part.script)
    best = [0.0] * len(others)
    if not skels:
        return best
    q_arabic = part.script == "arabic"
    w, rest = skeleton_weight, 1.0 - skeleton_weight
    m = len(skels)
    for qf in part.forms:
        skel = [0.0] * m
        for _, sc, i in process.extract(qf.skel, skels, scorer=Levenshtein.normalized_similarity,
                                        limit=None):
            skel[i] = sc
        lev = [0.0] * m
        lcs = [0] * m
        for _, sc, i in process.extract(qf.full, fulls, scorer=Levenshtein.normalized_similarity,
                                        limit=None):
            lev[i] = sc
        for _, sc, i in process.extract(qf.full, fulls, scorer=LCSseq.similarity, limit=None):
            lcs[i] = sc
        qlen = max(1, len(qf.full))
        qfull = qf.full
        for i in range(m):
            if fulls[i] == qfull:
                s = 1.0
            elif same[i]:
                s = w * skel[i] + rest * lev[i]
            else:
                vowels = lcs[i] / (qlen if q_arabic else max(1, arabic_len[i]))
                s = w * skel[i] + rest * vowels
            k = owner[i]
            if s > best[k]:
                best[k] = s
    for k, (_forms, _script, kind) in enumerate(others):
        if kind != part.kind:
            best[k] *= compound_mismatch
    return best
