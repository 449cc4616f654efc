"""When a reading with two words written as one (``joins``) may meet another name.

A joined reading meets the other name's own reading only when the joined word reads
as one of its parts (at least ``JOIN_SIMILARITY`` alike) and neither of the two words
does as well on its own: *Allah Dad*
meets *Allahdad* (1.0 joined; *Allah*, *Dad* alone under the alignment floor), while
*Uday Saddam* never meets *Saddam Hussein* as *Udaysaddam* / *Saddam* (0.85), since
*Saddam* alone is *Saddam* (1.0): a son's given name written before his father's is
two names, not one. Two joined readings never meet (``joins``). A split reading (one
word of the name read as two: ``join_readings.split_reading``) meets a name only where
that name, with two of its words joined, meets the unsplit name so.
"""

from __future__ import annotations

from fts_share.matching.config import MatchConfig
from fts_share.matching.scoring.analysis import NameAnalysis, NamePart, analyze_name
from fts_share.matching.scoring.join_readings import alone, is_split, joined_readings
from fts_share.matching.scoring.joins import MARK
from fts_share.matching.scoring.part_similarity_ref import part_similarity

#: how alike the joined word must be to the one part it is read as (it reads as that
#: word, or closely: *Dahiraweys* / ظاهرعويس 0.82; not *Allahdad* / *Ahmad*, 0.65)
JOIN_SIMILARITY = 0.8


def meets(a: NameAnalysis, b: NameAnalysis, config: MatchConfig) -> bool:
    """Whether readings ``a`` and ``b`` may be scored against each other: not both
    joined, and a joined one's join read as one part of the other (module docstring)."""
    return Guard(a, config).meets(b)


class Guard:
    """``meets`` for one reading against many others, remembering what it worked out
    by part (the parts of an index's names are shared objects) and by joined name."""

    def __init__(self, reading: NameAnalysis, config: MatchConfig) -> None:
        self.reading, self.config = reading, config
        self._join = _join(reading) if reading.joined else None
        self._unsplit = Guard(analyze_name(reading.text), config) if is_split(reading) \
            else None
        self._by_part: dict[int, float] = {}
        self._by_name: dict[str, bool] = {}

    def meets(self, other: NameAnalysis) -> bool:
        """Whether this reading may be scored against ``other``."""
        if self._unsplit is not None:
            return not other.joined and self._joined_meets(other)
        if not other.joined:
            return self._join is None or self._read_in(other)
        if self._join is not None:
            return False
        known = self._by_name.get(other.folded)
        if known is None:
            join = _join(other)
            parts = self.reading.name_parts
            known = self._by_name[other.folded] = join is not None and _read_as_one(
                join[1], [_similarity(join[0], p, self.config) for p in parts], parts,
                self.config)
        return known

    def _joined_meets(self, other: NameAnalysis) -> bool:
        """Whether a joined reading of ``other`` meets this split reading's own name."""
        known = self._by_name.get(other.folded)
        if known is None:
            unsplit = self._unsplit
            known = self._by_name[other.folded] = unsplit is not None and any(
                unsplit.meets(j) for j in joined_readings(other.text))
        return known

    def _read_in(self, other: NameAnalysis) -> bool:
        """Whether this reading's join reads as one part of ``other`` (own reading)."""
        join, memo, config = self._join, self._by_part, self.config
        if join is None:
            return False
        whole = []
        for p in other.name_parts:
            got = memo.get(id(p))
            if got is None:
                got = memo[id(p)] = _similarity(join[0], p, config)
            whole.append(got)
        return _read_as_one(join[1], whole, other.name_parts, config)


def _join(joined: NameAnalysis) -> tuple[NamePart, list[NamePart]] | None:
    """The joined part of a joined reading and the parts its two words make alone
    (``None``: not to be read)."""
    word = next(w for w in joined.folded.split() if MARK in w)
    first, second = word.split(MARK)
    whole = next((p for p in joined.name_parts if p.core == first + second), None)
    halves = [alone(first), alone(second)]
    if whole is None or halves[0] is None or halves[1] is None:
        return None
    return whole, [h for h in halves if h is not None]


def _read_as_one(halves: list[NamePart], whole: list[float], parts: tuple[NamePart, ...],
                 config: MatchConfig) -> bool:
    """Whether a join reads as one of ``parts`` (``whole``: the joined part's similarity
    to each; ``halves``: the parts its words make alone): aligned with one, and
    neither word alone as alike to any (not tried when the join aligns with none)."""
    best = max(whole, default=0.0)
    return best >= max(JOIN_SIMILARITY, config.min_part_similarity) and all(
        _similarity(h, p, config) < best for h in halves for p in parts)


def _similarity(a: NamePart, b: NamePart, config: MatchConfig) -> float:
    return part_similarity(a, b, skeleton_weight=config.skeleton_weight,
                           compound_mismatch=config.compound_mismatch,
                           initial=config.initial_similarity)
