"""What a search should return, worked out by scoring every name of an index."""

from __future__ import annotations

from fts_share.matching import NameIndex
from fts_share.matching.scoring.analysis import NameAnalysis


def ranked_by_every_name(idx: NameIndex, query: NameAnalysis) -> list[tuple[str, float]]:
    """Each record's best score over all its names (rounded as hits are), highest first,
    ties by record id: the order a search without a candidate budget must give."""
    best: dict[str, float] = {}
    for nid, score in idx.exhaustive_scores(query).items():
        rid = idx.names.record[nid]
        best[rid] = max(best.get(rid, 0.0), round(score, 4))
    return sorted(best.items(), key=lambda t: (-t[1], t[0]))
