"""What a search should return, worked out by scoring every name of an index."""

from __future__ import annotations

from fts_share.matching import MatchConfig, NameIndex
from fts_share.matching.index.join_search import query_readings
from fts_share.matching.scoring.analysis import NameAnalysis
from fts_share.matching.scoring.join_guard import meets


def ranked_by_every_name(idx: NameIndex, query: NameAnalysis) -> list[tuple[str, float]]:
    """Each record's best score over all its names and all the query's readings a
    search reads (``join_search.query_readings``; a joined or split reading meeting a
    name only as ``join_guard.meets`` says; rounded as hits are), highest first, ties
    by record id: the order a search without a candidate budget must give."""
    best: dict[str, float] = {}
    for reading in query_readings(query, idx.holds, idx.adjacent):
        for nid, score in idx.exhaustive_scores(reading).items():
            rid, name = idx.names.record[nid], idx.names.analysis[nid]
            assert rid is not None and name is not None  # (a live record's name)
            if meets(reading, name, idx.config):
                best[rid] = max(best.get(rid, 0.0), round(score, 4))
    return sorted(best.items(), key=lambda t: (-t[1], t[0]))


def score_against(query: str, listed: str, config: MatchConfig) -> float:
    """The score a search gives the one listed name ``listed`` (threshold 0; 0 if not
    found): what an officer would see for that pair under ``config``."""
    idx = NameIndex(config=config)
    idx.add("R1", listed)
    hits = idx.search(query, threshold=0.0)
    return hits[0].score if hits else 0.0
