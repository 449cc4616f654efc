"""Candidates and their scores over the index's snapshot (``snapshot.Arrays``): the
Python side of the compiled search path (the query's table, work arrays, and the
calls into the compiled loops).

``Scratch`` holds per-thread work arrays the size of the index, which are reset after
each query (only the entries a query touched: ``QueryTable``), so a query never
allocates or clears an index-sized array. The loops themselves are compiled
(``candidates_fast`` and ``selection_fast`` choose the names,
``scoring.name_score_fast`` scores them, ``scoring.part_similarity_fast`` compares
the far part pairs).

``score_candidates`` is the arithmetic of ``scoring.name_score_ref.score_names``
(greedy alignment, best similarity first, ties to the earlier query part then the
earlier record part; coverage; information; the given-name conflict): it gives bit
for bit the reference numbers for the same part similarities.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from itertools import accumulate
from typing import Any, Self

import numpy as np

from fts_share.matching.config import MatchConfig
from fts_share.matching.index import (
    candidates_fast,
    pair_masks,
    postings_fast,
    scan_fast,
    selection_fast,
)
from fts_share.matching.index.groups import GroupTable
from fts_share.matching.index.segments import Segments
from fts_share.matching.index.snapshot import Arrays
from fts_share.matching.scoring import name_score_fast
from fts_share.matching.scoring.analysis import INITIAL

_Postings = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


class Scratch(threading.local):
    """Per-thread work arrays: similarity rows (group x query part), bitsets."""

    def __init__(self) -> None:
        self.rows = np.zeros((0, 0))
        self.chosen = np.zeros(0, dtype=np.uint64)
        self.groups = np.zeros(0, dtype=np.uint64)
        self.slots = np.zeros(0, dtype=np.int32)

    def sim_rows(self, n_parts: int, n_groups: int) -> np.ndarray:
        """A zeroed group x query part table of similarities, with at least
        ``n_parts`` columns (one cache line per group for up to 8); reset it after use."""
        have_groups, have_parts = self.rows.shape
        if have_parts < n_parts or have_groups < n_groups:
            self.rows = np.zeros((max(n_groups, int(n_groups * 1.25)),
                                  max(n_parts, have_parts, 8)))
        return self.rows

    def group_bits(self, n_groups: int) -> np.ndarray:
        """A zeroed bitset of the groups (clear the bits set after use)."""
        words = (n_groups >> 6) + 1
        if len(self.groups) < words:
            self.groups = np.zeros(max(words, int(words * 1.25)), dtype=np.uint64)
        return self.groups

    def group_slots(self, n_groups: int) -> np.ndarray:
        """A zeroed int32 array of one entry per group (``scan_fast.scan`` zeroes it
        again)."""
        if len(self.slots) < n_groups + 1:
            self.slots = np.zeros(max(n_groups + 1, int(n_groups * 1.25)), dtype=np.int32)
        return self.slots

    def name_bits(self, n_names: int) -> np.ndarray:
        """A zeroed bitset of the names (``scan_fast.scan`` zeroes it again)."""
        words = (n_names >> 6) + 1
        if len(self.chosen) < words:
            self.chosen = np.zeros(max(words, int(words * 1.25)), dtype=np.uint64)
        return self.chosen


def _total(qw: Sequence[float] | np.ndarray) -> float:
    """``sum(qw)``, in order from 0 (the same double), over Python floats."""
    return float(sum(qw.tolist() if isinstance(qw, np.ndarray) else qw))


def initial_bound(config: MatchConfig) -> float:
    """The most an initial can weigh (role weight x rarity: ``initial_weight``, or
    ``min_rarity_weight`` if more, by the index's statistics)."""
    return max(w for _, w in config.role_weights) * max(config.initial_weight,
                                                        config.min_rarity_weight)


def best_side(config: MatchConfig) -> float:
    """The most the better-covered side of a name can weigh (``coverage_best_side``,
    or ``whole_name_best_side`` if higher): what the pre-scores' bound assumes."""
    return max(config.coverage_best_side, config.whole_name_best_side)


def needed_weight(floor: float, qw: Sequence[float] | np.ndarray, config: MatchConfig
                  ) -> float:
    """The least query weight a name must match (the sum over query parts of weight x
    similarity of the part it aligns with) for its name score to reach ``floor``; 0
    when ``floor`` <= 0, ``inf`` when no name can reach it.

    A name score is at most ``(b + (1 - b) * t / sq) * (f + (1 - f) * min(1, t / S))``
    for matched weight ``t`` (query weight ``sq``, ``b`` = ``best_side``, ``f`` =
    information_floor, ``S`` = information_scale): the better-covered side is at most
    1, the other at most the query's coverage ``t / sq``, and the information matched
    is at most ``t``. That bound grows with ``t``; this finds where it reaches
    ``floor`` (bisection, from below)."""
    if floor <= 0.0:
        return 0.0
    return candidates_fast.needed_weight(floor, _total(qw), best_side(config),
                                    config.information_floor, config.information_scale)


class QueryTable:
    """The query's similarity table, while in use (``with``): ``rows[g, i]``, the
    similarity of query part i to group g (0: not aligned, or not known), and ``bits``,
    the bitset of the groups near some query part. Filled from the query parts'
    neighbour groups on entry (``gids``/``sims``/``off``: part i's are
    ``gids[off[i]:off[i + 1]]``) and from ``initials`` (the same layout: the groups
    aligned with or as an initial, ``query.initial_rows``, which bring no candidates),
    extended by ``far_pairs``, and zeroed on exit."""

    def __init__(self, qparts: Sequence[Any], arrays: Arrays | Segments, scratch: Scratch,
                 initials: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
                 ) -> None:
        self.n_parts = len(qparts)
        self.groups = [(qp.part.forms, qp.part.script, qp.part.kind) for qp in qparts]
        """the query parts as groups (``groups.Group``)"""
        self.gids = np.concatenate([qp.gids for qp in qparts]).astype(np.int64, copy=False)
        self.sims = np.concatenate([qp.sims for qp in qparts]).astype(np.float64, copy=False)
        self.off = np.fromiter(accumulate((len(qp.gids) for qp in qparts), initial=0),
                               dtype=np.int64, count=self.n_parts + 1)
        self.rows = scratch.sim_rows(self.n_parts, arrays.n_groups)
        self.bits = scratch.group_bits(arrays.n_groups)
        self.initials = initials
        self.numbered = self.gids if initials is None or not len(initials[0]) else \
            np.concatenate((self.gids, initials[0]))
        """the groups of the table's rows (the neighbours, then ``initials``)"""
        self.far: list[np.ndarray] = []
        """groups whose rows ``far_pairs`` filled in"""

    def beyond(self, qw: np.ndarray, config: MatchConfig) -> np.ndarray:
        """Per query part, the most a name can match of it through ``initials`` (not
        its neighbours): all of an initial's weight; for another part, an initial's
        weight at most (``initial_bound``) at ``initial_similarity``."""
        if self.initials is None:
            return np.zeros(self.n_parts)
        off = self.initials[2]
        initial = np.array([g[2] == INITIAL for g in self.groups], dtype=np.bool_)
        through = np.minimum(qw, initial_bound(config)) * config.initial_similarity
        out: np.ndarray = np.where(off[1:] > off[:-1], np.where(initial, qw, through), 0.0)
        return out

    def __enter__(self) -> Self:
        postings_fast.mark(self.rows, self.bits, self.gids, self.sims, self.off)
        if self.initials is not None:
            postings_fast.mark(self.rows, self.bits, *self.initials)
        return self

    def __exit__(self, *exc: object) -> None:
        for gids in [self.numbered, *self.far]:
            postings_fast.unmark(self.rows, self.bits, gids, self.n_parts)


def gather(table: QueryTable, qw: np.ndarray, need: float, segments: Segments,
           scratch: Scratch, config: MatchConfig, floor: float = 0.0
           ) -> tuple[np.ndarray, np.ndarray]:
    """Names worth scoring and their pre-scores (planned by ``candidates_fast.plan``,
    read by ``scan_fast.scan`` in every segment), brought by the
    query parts' neighbour groups at least ``candidate_similarity`` similar; ``qw``
    the parts' weights; ``need`` the weight a name must match (``needed_weight``; 0:
    no threshold). With ``floor``, the score ``need`` is worked out for (> 0), names
    whose pre-score is under it and under the ``exact_candidates``-th best held so
    far may be left out: ``select`` then chooses the same names. The segments' dead
    names are never found."""
    if not table.n_parts or need == math.inf:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    order, pair_round, common, size = candidates_fast.plan(
        table.gids, table.sims, table.off, config.candidate_similarity, qw, need,
        segments.post_len, config.candidate_budget, config.pair_similarity,
        table.beyond(qw, config))
    chosen = scratch.name_bits(segments.n_names)
    slot = scratch.group_slots(segments.n_groups)
    rest = (min(config.exact_candidates, config.max_candidates), config.pair_similarity,
            best_side(config), config.information_scale, config.information_floor)
    first, second = segments.first, segments.second
    if second is None:
        fat_start, fat, post_start, post_mask, post_at, wants = _postings(
            first, table, pair_round, common, config)
        return scan_fast.scan(order, pair_round, table.numbered, table.rows, fat_start, fat,
                              post_start, post_mask, post_at, wants, slot, common, qw,
                              chosen, size, floor, *rest)
    segments.pass_over(chosen)
    try:
        return scan_fast.scan_pair(order, pair_round, table.numbered, table.rows,
                                   _postings(first, table, pair_round, common, config),
                                   _postings(second, table, pair_round, common, config),
                                   segments.offset, slot, common, qw, chosen, size, floor,
                                   *rest)
    finally:
        segments.clear(chosen)


def _postings(arrays: Arrays, table: QueryTable, pair_round: np.ndarray,
              common: np.ndarray, config: MatchConfig) -> _Postings:
    """What a scan reads of one segment: ``fat_start``, ``fat``, ``post_start``,
    ``post_mask``, ``post_at`` and the masks its pairing rounds look for
    (``pair_masks.wanted``, with the segment's heads; the rounds come last)."""
    rounds = int(pair_round[-1]) + 1 if len(pair_round) else 0
    wants = pair_masks.wanted(table.gids, table.rows, common, rounds,
                              config.pair_similarity, arrays.group_head)
    return (arrays.fat_start, arrays.fat, arrays.post_start, arrays.post_mask,
            arrays.post_at, wants)


def prescore(names: np.ndarray, table: QueryTable, qw: np.ndarray, arrays: Arrays,
             config: MatchConfig) -> np.ndarray:
    """The pre-score of ``names`` given by id (``candidates_fast.prescores``), an optimistic
    estimate of their name score."""
    return candidates_fast.prescores(names, table.rows, len(qw), qw, float(qw.sum()),
                                arrays.name_start, arrays.name_len, arrays.flat_groups,
                                arrays.flat_weights, table.bits, best_side(config),
                                config.information_scale, config.information_floor)


def select(pre: np.ndarray, floor: float, pinned: np.ndarray, config: MatchConfig
           ) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the candidates to score exactly and of those whose far part pairs
    are compared (``candidates_fast.select`` with ``max_candidates`` and
    ``exact_candidates``)."""
    k = config.max_candidates
    return selection_fast.select(pre, floor, k, min(config.exact_candidates, k), pinned)


def score_candidates(names: np.ndarray, rows: np.ndarray, qw: Sequence[float] | np.ndarray,
                     q_given: int | None, arrays: Arrays, config: MatchConfig,
                     q_patronymics: Sequence[bool] = (),
                     q_initial: np.ndarray | None = None) -> np.ndarray:
    """Name scores (``name_score_ref.score_names`` arithmetic, compiled in
    ``name_score_fast``) of ``names``, with the query
    parts' similarities to every group in ``rows[group, part]`` (0 under the floor;
    ``q_patronymics``: per query part, whether it is a patronymic,
    ``rarity.is_patronymic``; none when empty; ``q_initial``: per query part,
    whether it is an initial; default none)."""
    patronymics = np.zeros(len(qw), dtype=np.bool_)
    patronymics[:len(q_patronymics)] = q_patronymics
    if q_initial is None:
        q_initial = np.zeros(len(qw), dtype=np.bool_)
    return name_score_fast.scores(names, rows, len(qw), np.asarray(qw, dtype=np.float64),
                          _total(qw), -1 if q_given is None else q_given, arrays.name_start,
                          arrays.name_len, arrays.flat_pids, arrays.part_group,
                          arrays.part_weight, arrays.part_given,
                          config.min_part_similarity, config.coverage_best_side,
                          config.information_scale, config.information_floor,
                          config.given_name_conflict, config.part_conflict,
                          config.conflict_similarity, config.conflict_known_weight,
                          config.known_pair_similarity, config.known_pair_weight,
                          min(config.lone_part_best_side, config.coverage_best_side),
                          patronymics, config.patronymic_conflict,
                          config.whole_name_best_side, config.whole_name_similarity,
                          config.other_name_conflict, q_initial)


def far_pairs(names: np.ndarray, query: QueryTable, table: GroupTable, segments: Segments,
              config: MatchConfig) -> None:
    """Compare the query's parts with the groups of ``names`` where the query's table
    has no similarity for them yet (``GroupTable.fill_missing``)."""
    groups = segments.name_groups(names)
    query.far.append(groups)
    table.fill_missing(query.groups, query.rows, groups, config.min_part_similarity,
                       near=config.other_name_similarity if config.other_name_conflict
                       else -1.0, fathers=config.other_father_similarity)
