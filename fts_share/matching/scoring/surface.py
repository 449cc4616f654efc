"""The surface form of a name part: the words of the name as it was written that the
part was read from, so that an explanation shows "Muḥammad ≈ محمد" and not the
folded reading "muhammad" (nor a skeleton).

The analysis folds a name (lower case, no diacritics, alef forms unified, hyphens and
articles split off) before it cuts it into parts. :func:`surface_forms` walks the
parts in order over the written words and finds, for each, the run of words whose
folded letters spell it (``"ʿAbd-ur-Raḥmān"`` for the part ``"abd ur rahman"``,
``"عبدالرحمن"`` for ``"عبد ال رحمن"``). A part found inside one written word only
(*Binalshibh*: the part ``al shibh``) shows that word; a part found nowhere keeps
its folded text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from fts_share.errors import ValidationError
from fts_share.matching.scoring.analysis import analyze_name
from fts_share.matching.text.cyrillic import is_cyrillic_char, romanisations
from fts_share.matching.text.normalize import fold

_WORD = re.compile(r"[^\s\-\u2010-\u2015]+")
#: punctuation around a written word that is not part of the name ("Zawahiri," "(Abu")
_EDGE = frozenset(",;:()[]{}\"«»“”„!?/|،؛")


Word = tuple[int, int, tuple[str, ...]]


def _spans(text: str) -> list[Word]:
    """The written words of ``text``: start, end and the ways their letters fold (no
    spaces; a Cyrillic word also as its first romanisation, which is how the analysis
    knows its particles: аль, абу)."""
    out: list[Word] = []
    for m in _WORD.finditer(text):
        start, end = m.start(), m.end()
        while start < end and text[start] in _EDGE:
            start += 1
        while end > start and text[end - 1] in _EDGE:
            end -= 1
        folded = fold(text[start:end]).replace(" ", "")
        roman = romanisations(folded)[:1] if any(map(is_cyrillic_char, folded)) else []
        out.append((start, end, (folded, *roman)))
    return out


def _ends(words: list[Word], i: int, target: str) -> int | None:
    """The last word of a run from word ``i`` that spells ``target`` exactly."""
    if i >= len(words):
        return None
    for reading in words[i][2]:
        if reading and target == reading:
            return i
        if reading and target.startswith(reading):
            end = _ends(words, i + 1, target[len(reading):])
            if end is not None:
                return end
    return None


def _run(words: list[Word], target: str, start: int) -> tuple[int, int] | None:
    """The first run of words from ``start`` whose folded letters spell ``target``."""
    for i in range(start, len(words)):
        end = _ends(words, i, target) if target else None
        if end is not None:
            return i, end
    return None


@lru_cache(maxsize=20_000)
def surface_forms(text: str) -> dict[tuple[str, str], str]:
    """``(part text, role) -> the part as written in text`` for each part of the
    name ``text`` (empty when ``text`` holds no readable name)."""
    try:
        analysis = analyze_name(text)
    except ValidationError:
        return {}
    words = _spans(text)
    out: dict[tuple[str, str], str] = {}
    cursor = 0
    for part in analysis.parts:
        target = "".join(c for c in part.text if c != " " and c not in _EDGE)
        found = _run(words, target, cursor) or _run(words, target, 0)
        if found is not None:
            i, j = found
            cursor = j + 1
            surface = text[words[i][0]:words[j][1]]
        else:
            inside = [w for w in words if target and any(target in r for r in w[2])]
            surface = text[inside[0][0]:inside[0][1]] if inside else part.text
        out.setdefault((part.text, part.role), surface)
    return out


def surface(text: str, part_text: str, role: str) -> str:
    """The part ``part_text`` (folded, with role ``role``) of the name ``text`` as it
    was written there; ``part_text`` itself if it cannot be found."""
    forms = surface_forms(text)
    found = forms.get((part_text, role))
    if found is not None:
        return found
    return next((s for (t, _), s in forms.items() if t == part_text), part_text)
