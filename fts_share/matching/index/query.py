"""One query through the index: its parts with their weights and neighbour groups
(``query_parts``), the names worth scoring and their name scores (``name_scores``),
and the reference it is measured against, every name scored (``exhaustive_scores``).

Candidate generation never compares a query with every record. A query part spelt
like an indexed part takes its neighbours from the neighbourhood graph
(``neighbours.Neighbourhoods``); another is compared with the groups under its keys
(memoised in ``SearchCache.unindexed``). The names holding neighbours of the rarest
query parts, and those holding two of the commoner ones, are the candidates
(``candidates.gather``); the best by an optimistic pre-score are scored exactly (the
arithmetic of ``scoring.name_score_ref.score_names``), the most promising after
comparing also their part pairs that share no key. See docs/matching.md, section 5.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

import numpy as np

from fts_share.matching.config import MatchConfig
from fts_share.matching.index import candidates
from fts_share.matching.index.groups import Group, GroupTable
from fts_share.matching.index.segments import Segments
from fts_share.matching.index.snapshot import Arrays
from fts_share.matching.index.store import Groups, part_keys
from fts_share.matching.scoring.analysis import INITIAL, NameAnalysis, NamePart
from fts_share.matching.scoring.part_similarity_ref import leads
from fts_share.matching.scoring.rarity import is_patronymic

#: distinct query parts spelt like no indexed part whose neighbours are memoised
QUERY_PART_CACHE = 20_000


@dataclass
class SearchCache:
    """What searching keeps between queries: the neighbours of query parts spelt like
    no indexed part (LRU), the numpy snapshot of the index, per-thread work arrays and
    the evidence features of pairs of values."""

    unindexed: dict[Group, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    snapshot: Arrays | None = None
    scratch: candidates.Scratch = field(default_factory=candidates.Scratch)
    evidence: dict[tuple[Any, ...], dict[tuple[Any, ...], float]] = field(
        default_factory=dict)
    """what each kind of evidence adds, by kind and the query's value, then by a
    record's value (``hits.Evidence.delta``)"""
    initials: dict[tuple[Group, int], tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict)
    """per initial query part and number of groups: the groups it aligns with
    (``initial_rows``)"""


class QueryPart:
    """A query part with its weight and its neighbour groups."""

    __slots__ = ("gids", "part", "sims", "weight")

    def __init__(self, part: NamePart, weight: float, gids: np.ndarray,
                 sims: np.ndarray) -> None:
        self.part = part
        self.weight = weight
        self.gids = gids
        """ids of the indexed groups that share a key with the part and align, most
        similar first"""
        self.sims = sims
        """their similarities"""


def query_parts(query: NameAnalysis, groups: Groups, cache: SearchCache,
                rarity: Callable[[NamePart], float], config: MatchConfig
                ) -> list[QueryPart]:
    """Weights and neighbour groups of the query's parts: from the neighbourhood
    graph for a part spelt like an indexed part, else computed (memoised)."""
    out = []
    ids = groups.table.ids
    for part in query.name_parts:
        sig = (part.forms, part.script, part.kind)
        gid = ids.get(sig)
        if part.kind == INITIAL:  # (no entry point: ``initial_rows``)
            gids, sims = np.zeros(0, dtype=np.int64), np.zeros(0)
        elif gid is not None:
            gids, sims = groups.near.of(gid)
        else:
            gids, sims = _unindexed_neighbours(part, sig, groups, cache, config)
        weight = config.role_weight(part.role) * rarity(part)
        out.append(QueryPart(part, weight, gids, sims))
    return out


def _unindexed_neighbours(part: NamePart, sig: Group, groups: Groups, cache: SearchCache,
                          config: MatchConfig) -> tuple[np.ndarray, np.ndarray]:
    memo = cache.unindexed
    entry = memo.pop(sig, None)
    if entry is None:
        gids = groups.blocked(part_keys(part))
        sims = groups.table.similarities(sig, gids, config.min_part_similarity)
        keep = sims >= config.min_part_similarity
        gids, sims = gids[keep], sims[keep]
        order = np.argsort(-sims, kind="stable")
        entry = (gids[order], sims[order])
        if len(memo) >= QUERY_PART_CACHE:
            try:  # least recently used first (hits are moved to the end)
                del memo[next(iter(memo))]
            except (KeyError, RuntimeError, StopIteration):  # another thread
                pass
    memo[sig] = entry
    return entry


def initial_rows(qparts: list[QueryPart], groups: Groups, cache: SearchCache,
                 config: MatchConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The similarities that involve an initial, which no index key brings (an
    initial is no key: ``store.part_keys``): per query part, the groups it aligns
    with, every group for an initial (memoised), for another part the initials of
    the letters it starts with (``part_similarity_ref.leads``: each
    ``initial_similarity`` alike); as ``(gids, sims, off)`` (part i's are
    ``gids[off[i]:off[i + 1]]``). They are in the query's table for scoring, and
    bring no candidates."""
    table = groups.table
    by_lead = table.initial_leads()
    alike = config.initial_similarity if config.initial_similarity >= \
        config.min_part_similarity else 0.0
    found = []
    for qp in qparts:
        part = qp.part
        if part.kind == INITIAL:
            found.append(_initial_neighbours(part, table, cache, config))
            continue
        near = [by_lead[c] for c in leads(part.forms, part.kind) if c in by_lead] \
            if by_lead and alike else []
        gids = near[0] if len(near) == 1 else np.unique(np.concatenate(near)) if near \
            else np.zeros(0, dtype=np.int64)
        found.append((gids, np.full(len(gids), alike)))
    off = np.fromiter(accumulate((len(g) for g, _ in found), initial=0), dtype=np.int64,
                      count=len(found) + 1)
    return (np.concatenate([g for g, _ in found]).astype(np.int64, copy=False),
            np.concatenate([s for _, s in found]).astype(np.float64, copy=False), off)


def _initial_neighbours(part: NamePart, table: GroupTable, cache: SearchCache,
                        config: MatchConfig) -> tuple[np.ndarray, np.ndarray]:
    """The groups an initial query part aligns with and their similarities: every
    group compared (memoised by the part and the number of groups)."""
    sig = (part.forms, part.script, part.kind)
    n = len(table)
    entry = cache.initials.get((sig, n))
    if entry is None:
        gids = np.arange(n, dtype=np.int64)
        sims = table.similarities(sig, gids, config.min_part_similarity)
        keep = sims >= config.min_part_similarity
        if len(cache.initials) >= QUERY_PART_CACHE:
            cache.initials.clear()
        entry = cache.initials[(sig, n)] = (gids[keep], sims[keep])
    return entry


def name_scores(qparts: list[QueryPart], segments: Segments, cache: SearchCache,
                groups: Groups, forced: Sequence[int], exact: set[int], floor: float,
                config: MatchConfig) -> dict[int, float]:
    """Name scores (without other evidence) of the candidate names, and of the
    ``forced`` ones (live names only): candidates and their pre-scores by
    ``candidates.gather``, the best ``max_candidates`` of them by pre-score, scored
    exactly. The names whose every part pair was compared (not only those sharing an
    index key) are added to ``exact``: their scores are the reference scores.

    With ``floor`` > 0 only names whose name score can reach ``floor`` are looked
    for and scored (the pre-score is never below the score), and only those that
    do are returned; the best ``exact_candidates`` by pre-score still get their far
    part pairs compared. Name ids run over both ``segments``."""
    if not qparts:
        return {}
    qw = np.array([qp.weight for qp in qparts])
    q_initial = np.array([qp.part.kind == INITIAL for qp in qparts], dtype=np.bool_)
    need = candidates.needed_weight(floor, qw, config)
    q_given = next((i for i, qp in enumerate(qparts) if qp.part.role == "given"), None)
    q_patronymics = [is_patronymic(qp.part) for qp in qparts]
    with candidates.QueryTable(qparts, segments, cache.scratch,
                               initial_rows(qparts, groups, cache, config)) as table:
        names, pre = candidates.gather(table, qw, need, segments, cache.scratch, config,
                                       floor)
        pinned = np.zeros(0, dtype=np.bool_)
        if forced:
            extra = np.setdiff1d(np.array(forced, dtype=np.int64), names)
            names = np.concatenate((names, extra))
            pre = np.concatenate((pre, segments.per_segment(
                extra, lambda a, n: candidates.prescore(n, table, qw, a, config))))
            pinned = np.isin(names, forced)
        if not names.size:
            return {}
        keep, best_at = candidates.select(pre, floor, pinned, config)
        best = names[best_at]
        names = names[keep]
        if best.size:
            # the most promising: also the part pairs that share no index key
            # (spellings more than one letter apart in the skeleton), compared
            candidates.far_pairs(best, table, groups.table, segments, config)
        rows = table.rows
        scores = segments.per_segment(names, lambda a, n: candidates.score_candidates(
            n, rows, qw, q_given, a, config, q_patronymics, q_initial))
    exact.update(best.tolist())
    if floor > 0.0:
        above = scores >= floor
        names, scores = names[above], scores[above]
    return dict(zip(names.tolist(), scores.tolist()))


def exhaustive_scores(query: NameAnalysis, arrays: Arrays, groups: Groups,
                      rarity: Callable[[NamePart], float], config: MatchConfig
                      ) -> dict[int, float]:
    """Name scores of *every* live name holding a part aligned with the query (the
    others score 0): each query part compared with every indexed group, no
    blocking, no candidate limit. The reference the index's recall is measured
    against (bench/matching/scale.py); too slow for searching."""
    qparts = []
    names: set[int] = set()
    every = np.arange(len(groups.table.groups))
    for part in query.name_parts:
        sims = groups.table.similarities((part.forms, part.script, part.kind), every,
                                         config.min_part_similarity)
        gids = np.flatnonzero(sims >= config.min_part_similarity)
        qparts.append(QueryPart(part, config.role_weight(part.role) * rarity(part),
                                gids, sims[gids]))
        for g in gids.tolist():
            names.update(groups.names[g])
    if not qparts:
        return {}
    ids = np.array(sorted(names), dtype=np.int64)
    ids = ids[arrays.name_len[ids] > 0]
    qw = [qp.weight for qp in qparts]
    q_given = next((i for i, qp in enumerate(qparts) if qp.part.role == "given"), None)
    rows = np.zeros((arrays.n_groups, len(qparts)))
    for i, qp in enumerate(qparts):
        rows[qp.gids, i] = qp.sims
    if config.other_name_conflict:  # every pair under the floor too
        groups.table.fill_missing([(p.forms, p.script, p.kind) for p in query.name_parts],
                                  rows, every, config.min_part_similarity,
                                  near=config.other_name_similarity,
                                  fathers=config.other_father_similarity)
    scores = candidates.score_candidates(
        ids, rows, qw, q_given, arrays, config, [is_patronymic(qp.part) for qp in qparts],
        np.array([qp.part.kind == INITIAL for qp in qparts], dtype=np.bool_))
    return dict(zip(ids.tolist(), scores.tolist()))
