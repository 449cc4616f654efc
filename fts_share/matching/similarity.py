"""How alike two names are, in any script: :func:`name_similarity` and its explanation
(the public ``fts_share.matching.name_similarity``)."""

from __future__ import annotations

from fts_share.errors import ValidationError
from fts_share.matching.config import MatchConfig
from fts_share.matching.scoring.analysis import NameAnalysis, analyze_name
from fts_share.matching.scoring.explanation import ALGORITHM, Explanation
from fts_share.matching.scoring.join_guard import meets
from fts_share.matching.scoring.join_readings import all_readings
from fts_share.matching.scoring.name_score_ref import leftover_parts, score_names
from fts_share.matching.scoring.rarity import builtin_rarity


def name_similarity(a: str, b: str, *, config: MatchConfig | None = None) -> float:
    """Similarity in [0, 1] of two names in any script (symmetric).

    This is the name coverage of ``bridge-v1`` (aligned parts, weighted by role and
    by the built-in rarity table): 1.0 means "the same name, however spelt". It does
    not apply the information discount that :meth:`NameIndex.search` applies to
    names made only of common parts, so it says how alike two names are, not how
    likely two records are the same person.

    A string that holds no readable name (a particle or title alone such as "ibn",
    "b" or "Dr.", an empty string, a script the engine does not read, control
    characters) is like no name: the similarity is 0.0, it does not raise. Only a
    value that is not a string raises ``ValidationError`` (field ``a`` or ``b``).
    """
    return explain_similarity(a, b, config=config).score


def explain_similarity(a: str, b: str, *, config: MatchConfig | None = None) -> Explanation:
    """Like :func:`name_similarity`, with the explanation (score 0.0 and no part
    aligned when a side holds no readable name). A name read two ways (a Korean name
    in either order: ``NameAnalysis.others``; with two words written as one:
    ``join_readings``, on either side) is scored by its best reading; a joined reading
    only as ``scoring.join_guard`` says."""
    cfg = config or MatchConfig()
    qa, qb = _readable(a, "a"), _readable(b, "b")
    if qa is None or qb is None:
        return Explanation(ALGORITHM, str(a), str(b), 0.0, (), ())
    best: Explanation | None = None
    for ra in all_readings(qa):
        for rb in all_readings(qb):
            if not meets(ra, rb, cfg):
                continue  # (a join meets the other name as written: ``join_guard``)
            said = _explained(ra, rb, cfg)
            best = said if best is None or said.score > best.score else best
    assert best is not None
    return best


def _explained(qa: NameAnalysis, qb: NameAnalysis, cfg: MatchConfig) -> Explanation:
    """The explanation of one reading of each side (in an order that does not
    depend on the arguments')."""
    first, second = sorted((qa, qb), key=lambda x: x.folded)
    result = score_names(first, second, lambda p: builtin_rarity(p, cfg), cfg)
    score = round(min(1.0, max(0.0, result.coverage)), 4)
    return Explanation(ALGORITHM, first.text, second.text, score, (), tuple(result.parts),
                       tuple(result.unmatched_query), tuple(result.unmatched_record),
                       leftover_parts(first, second, result))


def _readable(name: str, field: str) -> NameAnalysis | None:
    """The analysis of ``name``, or ``None`` if the string holds no readable name."""
    if not isinstance(name, str):
        raise ValidationError({field: ["must be a string"]})
    try:
        return analyze_name(name, field=field)
    except ValidationError:
        return None
