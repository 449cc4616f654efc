"""Which of a query's readings with two words written as one, or one word written as
two (``scoring.join_readings``), a search reads: only those the index can meet.

The index files every listed name as written, nothing joined. A query's joined
reading (*Wali Jan* as *Walijan*) is searched only when the joined word's skeleton is
the key of a listed part (*WALIJAN*); a query word is read as two (*Walijan* as *Wali
Jan*) only when no listed part has its key (a word the list writes whole is met as
written) and its skeleton cuts into the keys of two parts that stand side by side in a
listed name (``adjacent_pairs``, a set of strings the index keeps: *WALI JAN*).
``scoring.join_guard`` then says which listed names each such reading may meet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import pairwise

from fts_share.matching.scoring.analysis import NameAnalysis, NamePart
from fts_share.matching.scoring.join_readings import (
    MIN_SPLIT,
    alone,
    joined_part,
    joined_readings,
    split_reading,
)

#: the rarity keys of plain parts begin so (``kind:skeleton``)
_PLAIN = "plain:"


def adjacent_pairs(analysis: NameAnalysis) -> list[str]:
    """The keys of each two plain words side by side in a listed name, as one string
    (``"wl jn"`` for *Wali Jan*): what a query word may be read as two of."""
    parts = analysis.name_parts
    if len(parts) < 2:  # (one loop, no call a pair: every listed name comes here)
        return []
    return [f"{a.key} {b.key}" for a, b in pairwise(parts)
            if a.kind == "plain" == b.kind and a.script == b.script and a.text == a.core
            and b.text == b.core and len(a.core) > 1 < len(b.core)
            and " " not in a.core and " " not in b.core]


def _side_by_side(analysis: NameAnalysis) -> Iterator[tuple[NamePart, NamePart]]:
    """Each two plain words of one script side by side in a name."""
    for first, second in pairwise(analysis.name_parts):
        if _plain_word(first) and _plain_word(second) and first.script == second.script:
            yield first, second


def query_readings(analysis: NameAnalysis, holds: Callable[[str], bool],
                   adjacent: Callable[[str], bool]) -> tuple[NameAnalysis, ...]:
    """The readings of a query a search reads: its own, then the joined readings whose
    joined word has the key of a listed part (``holds``; tried only where two words'
    skeletons put together are one), then the split readings of words no listed part
    has the key of whose two halves' keys are ``adjacent`` in a listed name. A Korean
    name has neither."""
    if analysis.others:
        return analysis.readings
    out = [analysis]
    if any(holds(_PLAIN + a + b) for first, second in _side_by_side(analysis)
           for a in _skeletons(first) for b in _skeletons(second)):  # (cheap, first)
        for reading in joined_readings(analysis.text):
            part = joined_part(reading)
            if part is not None and any(holds(_PLAIN + skel) for skel in _skeletons(part)):
                out.append(reading)
    for part in analysis.name_parts:
        if _plain_word(part) and len(part.core) >= MIN_SPLIT \
                and not holds(f"{part.kind}:{part.key}"):
            out.extend(_splits(analysis, part, adjacent))
    return tuple(out)


def _splits(analysis: NameAnalysis, part: NamePart, adjacent: Callable[[str], bool]
            ) -> Iterator[NameAnalysis]:
    """The reading of ``analysis`` with ``part``'s word cut in two where its
    skeleton's two halves are a listed adjacent pair (the first such cut)."""
    word, cuts = part.core, set[int]()
    for skel in dict.fromkeys(_skeletons(part)):
        for j in range(1, len(skel)):
            first, second = skel[:j], skel[j:]
            if adjacent(f"{first} {second}"):
                cuts.update(_cuts(word, first, second))
    for at in sorted(cuts):
        reading = split_reading(analysis, word, at)
        if reading is not None:
            yield reading
            return


def _cuts(word: str, first: str, second: str) -> Iterator[int]:
    """Where ``word`` cuts into two words whose skeletons are ``first``, ``second``."""
    half = MIN_SPLIT // 2
    for at in range(half, len(word) - half + 1):
        a, b = alone(word[:at]), alone(word[at:])
        if a is not None and b is not None and first in _skeletons(a) \
                and second in _skeletons(b):
            yield at


def _skeletons(part: NamePart) -> list[str]:
    return [f.skel for f in part.forms]


def _plain_word(part: NamePart) -> bool:
    """A plain part that is one word of two letters or more, as written."""
    return part.kind == "plain" and part.text == part.core and len(part.core) >= 2 \
        and " " not in part.core
