"""The search path of ``NameIndex`` over arrays: candidate names, then scores.

``Arrays`` is a numpy snapshot of the index (part -> group, part weights, the
matchable parts of every name and the names of every group, both in CSR layout),
rebuilt lazily after the index changes. ``Scratch`` holds per-thread work arrays the
size of the index, which are reset after each query (only the entries a query
touched), so a query never allocates or clears an index-sized array. The loops
themselves are compiled (``kernels``).

``score_candidates`` is the arithmetic of ``scoring.score_names`` (greedy alignment,
best similarity first, ties to the earlier query part then the earlier record part;
coverage; information; the given-name conflict): it gives bit for bit the reference
numbers for the same part similarities.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from fts_share.matching import kernels
from fts_share.matching.config import MatchConfig


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
    post_start: np.ndarray
    post_len: np.ndarray
    post_flat: np.ndarray
    """the names of each group, CSR layout; the last group is a sentinel (no names)"""

    @property
    def n_groups(self) -> int:
        """Groups, the sentinel included."""
        return len(self.post_len)


class Scratch(threading.local):
    """Per-thread work arrays: similarity rows (group x query part), name bitsets."""

    def __init__(self) -> None:
        self.rows = np.zeros((0, 0))
        self.chosen = np.zeros(0, dtype=np.uint64)
        self.seen = np.zeros(0, dtype=np.uint64)
        self.current = np.zeros(0, dtype=np.uint64)
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

    def name_bits(self, n_names: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Three zeroed bitsets of the names (``kernels.candidates`` zeroes them)."""
        words = (n_names >> 6) + 1
        if len(self.chosen) < words:
            self.chosen = np.zeros(max(words, int(words * 1.25)), dtype=np.uint64)
            self.seen = np.zeros(len(self.chosen), dtype=np.uint64)
            self.current = np.zeros(len(self.chosen), dtype=np.uint64)
        return self.chosen, self.seen, self.current


def candidate_names(near: Sequence[tuple[np.ndarray, np.ndarray]], arrays: Arrays,
                    scratch: Scratch, n_names: int, config: MatchConfig) -> np.ndarray:
    """Names worth scoring, sorted (``kernels.candidates``). ``near`` gives, per query
    part, its neighbour groups and their similarities, most similar first, already
    cut at ``candidate_similarity``."""
    if not near:
        return np.zeros(0, dtype=np.int64)
    near_g = np.concatenate([g for g, _s in near]).astype(np.int64)
    near_s = np.concatenate([s for _g, s in near]).astype(np.float64)
    near_off = np.zeros(len(near) + 1, dtype=np.int64)
    near_off[1:] = np.cumsum([len(g) for g, _s in near])
    chosen, seen, current = scratch.name_bits(n_names)
    return kernels.candidates(near_g, near_s, near_off, arrays.post_start, arrays.post_len,
                              arrays.post_flat, config.candidate_budget,
                              config.pair_similarity, chosen, seen, current)


def prescore(names: np.ndarray, rows: np.ndarray, near: Sequence[np.ndarray],
             qw: Sequence[float], arrays: Arrays, scratch: Scratch, config: MatchConfig
             ) -> np.ndarray:
    """An optimistic estimate of the name score of ``names`` (``kernels.prescores``),
    to choose whom to score exactly; ``near``: the groups set in ``rows``."""
    bits = scratch.group_bits(arrays.n_groups)
    for gids in near:
        kernels.set_bits(bits, gids, True)
    try:
        return kernels.prescores(names, rows, len(qw), np.asarray(qw, dtype=np.float64),
                                 float(sum(qw)), arrays.name_start, arrays.name_len,
                                 arrays.flat_groups, arrays.flat_weights, bits,
                                 config.coverage_best_side, config.information_scale)
    finally:
        for gids in near:
            kernels.set_bits(bits, gids, False)


def score_candidates(names: np.ndarray, rows: np.ndarray, qw: Sequence[float],
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


def expand(starts: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """CSR rows to indices: ``starts[i] .. starts[i] + lens[i] - 1`` for every i, in
    order, concatenated."""
    offsets = np.cumsum(lens) - lens
    return np.repeat(starts - offsets, lens) + np.arange(int(lens.sum()))


def name_groups(names: np.ndarray, arrays: Arrays) -> np.ndarray:
    """The distinct groups of the matchable parts of ``names``."""
    index = expand(arrays.name_start[names], arrays.name_len[names])
    return np.unique(arrays.part_group[arrays.flat_pids[index]])
