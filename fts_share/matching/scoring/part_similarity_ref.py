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

An initial (kind ``initial``: one Latin letter, *M.*; its forms are the letters it may
stand for) is not spelt out: it is ``MatchConfig.initial_similarity`` alike to a part
whose reading starts with one of its letters (a compound Abd X or Abu X starts with
``a``, Umm X with ``u``, whatever its core), in either script (the key space writes
both alike: *M.* / محمد), and 1 to the same initial; else 0.

This is the readable reference; ``part_similarity_fast`` is its compiled twin, which
the index calls in batches (through ``index.groups.GroupTable``): the same numbers,
and tests (tests/matching/test_ref_fast.py) hold the two equal.
"""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz.distance import LCSseq, Levenshtein

from fts_share.matching.config import MatchConfig
from fts_share.matching.scoring.analysis import INITIAL, NamePart
from fts_share.matching.text.forms import PATRONYMIC_SKEL, Form


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


#: the letter a compound part starts with, whatever its core (Abd X, Abu X, Umm X)
KIND_LEADS = {"abd": "a", "kunya": "a", "umm": "u"}


def initial_similarity(a: NamePart, b: NamePart, alike: float) -> float:
    """The similarity of two parts of which one at least is an initial: 1 for the
    same initial (its first reading), ``alike`` for a part that starts with a letter
    the initial may stand for, else 0."""
    if a.kind == INITIAL and b.kind == INITIAL:
        return 1.0 if a.forms[0] == b.forms[0] else 0.0
    initial, other = (a, b) if a.kind == INITIAL else (b, a)
    starts = leads(other.forms, other.kind)
    return alike if any(f.full in starts for f in initial.forms) else 0.0


def leads(forms: tuple[Form, ...], kind: str) -> set[str]:
    """The letters a part (not an initial) of these readings and kind starts with,
    which an initial of one of them may stand for."""
    lead = KIND_LEADS.get(kind)
    return {lead} if lead else {f.full[:1] for f in forms}


def patronymic_roots(forms: tuple[Form, ...]) -> tuple[Form, ...] | None:
    """The readings of a patronymic's father's name (``forms.with_patronymic_roots``:
    those whose skeleton does not end in -ovich's, ``PATRONYMIC_SKEL``) when the first
    of ``forms`` is a patronymic's and it has such readings, else ``None``."""
    if not (forms and _suffixed(forms[0])):
        return None
    roots = tuple(f for f in forms if not _suffixed(f))
    return roots or None


def _suffixed(form: Form) -> bool:
    return len(form.skel) > len(PATRONYMIC_SKEL) and form.skel.endswith(PATRONYMIC_SKEL)


def father_similarity(a: tuple[tuple[Form, ...], str, str],
                      b: tuple[tuple[Form, ...], str, str], skeleton_weight: float,
                      compound_mismatch: float) -> float | None:
    """How alike the fathers two patronymics (readings, script, kind) name are:
    ``part_similarity`` of their roots alone (*Magomedovich* / *Rajapovich* as *Magomed*
    / *Rajap*, 0.11, where the shared suffix makes the patronymics 0.42 alike); ``None``
    unless both are."""
    ra, rb = patronymic_roots(a[0]), patronymic_roots(b[0])
    if ra is None or rb is None:
        return None
    s = _forms_similarity(ra, a[1], rb, b[1], skeleton_weight)
    return s * compound_mismatch if a[2] != b[2] else s


def part_similarity(a: NamePart, b: NamePart, *, skeleton_weight: float = 0.6,
                    compound_mismatch: float = 0.75, initial: float = 0.7) -> float:
    """Similarity in [0, 1] of two name parts (best pair of readings; ``initial``:
    ``MatchConfig.initial_similarity``, for an initial, ``initial_similarity``)."""
    if a.kind == INITIAL or b.kind == INITIAL:
        return initial_similarity(a, b, initial)
    s = _forms_similarity(a.forms, a.script, b.forms, b.script, skeleton_weight)
    if a.kind != b.kind:
        s *= compound_mismatch
    return s


def clearly_other(a: NamePart, b: NamePart, config: MatchConfig) -> bool:
    """Whether two parts are clearly other names (``name_score_ref.other_names``):
    neither a single letter, and less than ``other_name_similarity`` alike, or two
    patronymics under the alignment floor whose fathers are less than
    ``other_father_similarity`` alike (``father_similarity``)."""
    if _letter(a) or _letter(b):
        return False
    w, scale = config.skeleton_weight, config.compound_mismatch
    s = part_similarity(a, b, skeleton_weight=w, compound_mismatch=scale)
    if s < config.other_name_similarity:
        return True
    fathers = father_similarity((a.forms, a.script, a.kind), (b.forms, b.script, b.kind),
                                w, scale) if config.other_father_similarity else None
    return (fathers is not None and s < config.min_part_similarity
            and fathers < config.other_father_similarity)


def _letter(part: NamePart) -> bool:
    """Whether every reading of a part is one letter at most (an initial, *M.*)."""
    return all(len(f.full) <= 1 for f in part.forms)
