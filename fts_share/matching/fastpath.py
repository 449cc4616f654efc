"""The search path of ``NameIndex`` over arrays: candidate names, then scores.

``Arrays`` is a numpy snapshot of the index (part -> group, part weights, the
matchable parts of every name in CSR layout, and the names of every group as *fat
postings* that carry each name's parts), rebuilt lazily after the index changes.
``Scratch`` holds per-thread work arrays the size of the index, which are reset after
each query (only the entries a query touched: ``QueryTable``), so a query never
allocates or clears an index-sized array. The loops themselves are compiled
(``candidates`` chooses the names, ``kernels`` scores them, ``textsim`` compares the
far part pairs).

``score_candidates`` is the arithmetic of ``scoring.score_names`` (greedy alignment,
best similarity first, ties to the earlier query part then the earlier record part;
coverage; information; the given-name conflict): it gives bit for bit the reference
numbers for the same part similarities.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from itertools import accumulate
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from fts_share.matching import candidates, kernels
from fts_share.matching.config import MatchConfig

if TYPE_CHECKING:
    from fts_share.matching.groups import GroupTable


@dataclass(frozen=True)
class Arrays:
    """A numpy snapshot of a ``NameIndex`` (see the module docstring)."""

    stamp: int
    part_group: np.ndarray
    part_weight: np.ndarray
    part_given: np.ndarray
    name_start: np.ndarray
    name_len: np.ndarray
    """per name: where its matchable parts start in ``flat_pids``, how many (0: removed)"""
    flat_pids: np.ndarray
    flat_groups: np.ndarray
    flat_weights: np.ndarray
    """the group and (float32, for the pre-score only) weight of each entry of
    ``flat_pids``: a name's data on one or two cache lines"""
    post_len: np.ndarray
    """the number of names of each group; the last group is a sentinel (no names)"""
    fat_start: np.ndarray
    fat: np.ndarray
    """the names of each group with their parts (``kernels.fat_postings``)"""

    @property
    def n_groups(self) -> int:
        """Groups, the sentinel included."""
        return len(self.post_len)


class Scratch(threading.local):
    """Per-thread work arrays: similarity rows (group x query part), bitsets."""

    def __init__(self) -> None:
        self.rows = np.zeros((0, 0))
        self.chosen = np.zeros(0, dtype=np.uint64)
        self.groups = np.zeros(0, dtype=np.uint64)

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

    def name_bits(self, n_names: int) -> np.ndarray:
        """A zeroed bitset of the names (``candidates.gather`` zeroes it again)."""
        words = (n_names >> 6) + 1
        if len(self.chosen) < words:
            self.chosen = np.zeros(max(words, int(words * 1.25)), dtype=np.uint64)
        return self.chosen


def fat_postings(post_len: np.ndarray, post_flat: np.ndarray, name_start: np.ndarray,
                 name_len: np.ndarray, flat_groups: np.ndarray, flat_weights: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """``kernels.fat_postings`` of the CSR postings (``post_flat``, ``post_len`` names
    per group)."""
    post_start = np.cumsum(post_len) - post_len
    return kernels.fat_postings(post_start, post_len, post_flat, name_start, name_len,
                                flat_groups, flat_weights)


def needed_weight(floor: float, qw: Sequence[float] | np.ndarray, config: MatchConfig
                  ) -> float:
    """The least query weight a name must match (the sum over query parts of weight x
    similarity of the part it aligns with) for its name score to reach ``floor``; 0
    when ``floor`` <= 0, ``inf`` when no name can reach it.

    A name score is at most ``(b + (1 - b) * t / sq) * (f + (1 - f) * min(1, t / S))``
    for matched weight ``t`` (query weight ``sq``, ``b`` = coverage_best_side, ``f`` =
    information_floor, ``S`` = information_scale): the better-covered side is at most
    1, the other at most the query's coverage ``t / sq``, and the information matched
    is at most ``t``. That bound grows with ``t``; this finds where it reaches
    ``floor`` (bisection, from below)."""
    if floor <= 0.0:
        return 0.0
    return candidates.needed_weight(floor, float(sum(qw)), config.coverage_best_side,
                                    config.information_floor, config.information_scale)


class QueryTable:
    """The query's similarity table, while in use (``with``): ``rows[g, i]``, the
    similarity of query part i to group g (0: not aligned, or not known), and ``bits``,
    the bitset of the groups near some query part. Filled from the query parts'
    neighbour groups on entry (``gids``/``sims``/``off``: part i's are
    ``gids[off[i]:off[i + 1]]``), extended by ``far_pairs``, and zeroed on exit."""

    def __init__(self, qparts: Sequence[Any], arrays: Arrays, scratch: Scratch) -> None:
        self.n_parts = len(qparts)
        self.groups = [(qp.part.forms, qp.part.script, qp.part.kind) for qp in qparts]
        """the query parts as groups (``similarity.Group``)"""
        self.gids = np.concatenate([qp.gids for qp in qparts]).astype(np.int64, copy=False)
        self.sims = np.concatenate([qp.sims for qp in qparts]).astype(np.float64, copy=False)
        self.off = np.fromiter(accumulate((len(qp.gids) for qp in qparts), initial=0),
                               dtype=np.int64, count=self.n_parts + 1)
        self.rows = scratch.sim_rows(self.n_parts, arrays.n_groups)
        self.bits = scratch.group_bits(arrays.n_groups)
        self.far: list[np.ndarray] = []
        """groups whose rows ``far_pairs`` filled in"""

    def __enter__(self) -> "QueryTable":
        kernels.mark(self.rows, self.bits, self.gids, self.sims, self.off)
        return self

    def __exit__(self, *exc: object) -> None:
        for gids in [self.gids, *self.far]:
            kernels.unmark(self.rows, self.bits, gids, self.n_parts)


def gather(table: QueryTable, qw: np.ndarray, need: float, arrays: Arrays,
           scratch: Scratch, n_names: int, config: MatchConfig
           ) -> tuple[np.ndarray, np.ndarray]:
    """Names worth scoring and their pre-scores (``candidates.gather``), brought by the
    query parts' neighbour groups at least ``candidate_similarity`` similar; ``qw``
    the parts' weights; ``need`` the weight a name must match (``needed_weight``; 0:
    no threshold)."""
    if not table.n_parts or need == math.inf:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return candidates.gather(table.gids, table.sims, table.off,
                             config.candidate_similarity, qw, need, arrays.post_len,
                             arrays.fat_start, arrays.fat, table.rows, table.bits,
                             config.candidate_budget, config.pair_similarity,
                             config.coverage_best_side, config.information_scale,
                             config.information_floor, scratch.name_bits(n_names))


def prescore(names: np.ndarray, table: QueryTable, qw: np.ndarray, arrays: Arrays,
             config: MatchConfig) -> np.ndarray:
    """The pre-score of ``names`` given by id (``candidates.prescores``), an optimistic
    estimate of their name score."""
    return candidates.prescores(names, table.rows, len(qw), qw, float(qw.sum()),
                                arrays.name_start, arrays.name_len, arrays.flat_groups,
                                arrays.flat_weights, table.bits, config.coverage_best_side,
                                config.information_scale, config.information_floor)


def select(pre: np.ndarray, floor: float, pinned: np.ndarray, config: MatchConfig
           ) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the candidates to score exactly and of those whose far part pairs
    are compared (``candidates.select`` with ``max_candidates`` and
    ``exact_candidates``)."""
    k = config.max_candidates
    return candidates.select(pre, floor, k, min(config.exact_candidates, k), pinned)


def score_candidates(names: np.ndarray, rows: np.ndarray, qw: Sequence[float] | np.ndarray,
                     q_given: int | None, arrays: Arrays, config: MatchConfig) -> np.ndarray:
    """Name scores (``scoring.score_names`` arithmetic) of ``names``, with the query
    parts' similarities to every group in ``rows[group, part]`` (0 under the floor)."""
    return kernels.scores(names, rows, len(qw), np.asarray(qw, dtype=np.float64),
                          sum(qw), -1 if q_given is None else q_given, arrays.name_start,
                          arrays.name_len, arrays.flat_pids, arrays.part_group,
                          arrays.part_weight, arrays.part_given,
                          config.min_part_similarity, config.coverage_best_side,
                          config.information_scale, config.information_floor,
                          config.given_name_conflict)


def far_pairs(names: np.ndarray, query: QueryTable, table: GroupTable, arrays: Arrays,
              config: MatchConfig) -> None:
    """Compare the query's parts with the groups of ``names`` where the query's table
    has no similarity for them yet (``GroupTable.fill_missing``)."""
    groups = np.asarray(kernels.name_groups(names, arrays.name_start, arrays.name_len,
                                            arrays.flat_groups))
    query.far.append(groups)
    table.fill_missing(query.groups, query.rows, groups, config.min_part_similarity)
