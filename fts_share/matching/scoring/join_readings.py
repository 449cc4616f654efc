"""A name's readings with two words written as one, or one word written as two
(``joins``), made on demand: no index files them.

``joined_readings`` are a name's readings with two adjacent plain words joined (each
pair ``joins.points`` allows; none for a Korean name), marked ``joins.MARK`` in their
folded text. ``split_reading`` reads one word of a name as two (marked ``SPLIT``):
the index searches it only where the two halves stand side by side in a listed name
(``index.join_search``), so a split reading is the query-side mirror of a listed
name's joined reading. ``join_guard`` says where either may meet another name.
"""

from __future__ import annotations

from functools import lru_cache

from fts_share.errors import ValidationError
from fts_share.matching.scoring import joins
from fts_share.matching.scoring.analysis import (
    _WORD_SPLIT,
    NameAnalysis,
    NamePart,
    _assemble,
    _korean,
    _tagged,
    analyze_name,
)
from fts_share.matching.scoring.written import as_read
from fts_share.matching.text.normalize import fold

#: what marks the two halves of a split word in a split reading's folded text
SPLIT = "/"
#: the shortest word read as two (three letters at least each side: *No Or* is no
#: reading of *Noor*)
MIN_SPLIT = 6


def is_split(reading: NameAnalysis) -> bool:
    """Whether ``reading`` reads one word of its name as two (``split_reading``)."""
    return SPLIT in reading.folded


def all_readings(analysis: NameAnalysis) -> tuple[NameAnalysis, ...]:
    """A name's own readings, then its joined readings (``name_similarity``)."""
    return (*analysis.readings, *joined_readings(analysis.text))


@lru_cache(maxsize=20_000)
def joined_readings(text: str) -> tuple[NameAnalysis, ...]:
    """The readings of the name ``text`` (as analysed: ``NameAnalysis.text``) with two
    adjacent plain words written as one (``joins.points``); none for a Korean name."""
    tokens = [t for t in _WORD_SPLIT.split(fold(as_read(text))) if t]
    if not 2 <= len(tokens) <= joins.MAX_WORDS:
        return ()
    tags, _somali = _tagged(tokens)
    if _korean(tokens, [item for tagged in tags for item in tagged], " ".join(tokens)):
        return ()
    return tuple(j for k in joins.points(tokens, tags)
                 if (j := _reading(text, joins.joined(tokens, k), k, 1,
                                   joins.marked(tokens, k))))


def joined_part(reading: NameAnalysis) -> NamePart | None:
    """The part a joined reading's two joined words make (``None``: not a joined one)."""
    word = next((w for w in reading.folded.split() if joins.MARK in w), None)
    if word is None:
        return None
    whole = word.replace(joins.MARK, "")
    return next((p for p in reading.name_parts if p.core == whole), None)


def split_reading(analysis: NameAnalysis, word: str, at: int) -> NameAnalysis | None:
    """``analysis`` (a name's own reading) with its word ``word`` read as two, cut
    before letter ``at`` (``None``: not a word of it, or the halves make no two plain
    parts)."""
    tokens = [t for t in _WORD_SPLIT.split(analysis.folded) if t]
    if word not in tokens or not MIN_SPLIT // 2 <= at <= len(word) - MIN_SPLIT // 2:
        return None
    k = tokens.index(word)
    words = [*tokens[:k], word[:at], word[at:], *tokens[k + 1:]]
    marked = " ".join([*tokens[:k], word[:at] + SPLIT + word[at:], *tokens[k + 1:]])
    return _reading(analysis.text, words, k, 2, marked)


def _reading(text: str, words: list[str], k: int, plain: int, marked: str
             ) -> NameAnalysis | None:
    """The reading of ``words`` (folded text ``marked``) if its words k .. k + plain - 1
    each make a plain part of their own."""
    tags, somali = _tagged(words)
    parts, particles = _assemble([item for tagged in tags for item in tagged], somali)
    texts = {p.text for p in parts if p.kind == "plain"}
    if any(words[i] not in texts for i in range(k, k + plain)):
        return None
    return NameAnalysis(text, marked, tuple(parts), tuple(particles))


@lru_cache(maxsize=50_000)
def alone(word: str) -> NamePart | None:
    """The part one word makes on its own (``None``: none, or more than one)."""
    try:
        parts = analyze_name(word).name_parts
    except ValidationError:
        return None
    return parts[0] if len(parts) == 1 else None
