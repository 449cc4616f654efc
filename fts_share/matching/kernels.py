"""Compiled loops of the search path that do not choose candidates (numba, compiled
on first use and cached): filling and clearing the query's table (``mark``,
``unmark``), the fat postings built at snapshot time, the groups of names, and
``scores``, the exact name score, the arithmetic of ``scoring.score_names``
operation for operation (so the same IEEE doubles: no fast-math). Candidates and
their pre-scores are chosen in ``candidates``.

``rows[g, i]`` is the similarity of query part i to group g when it is at least the
alignment floor, else 0 (the last group is a sentinel with no names).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def mark(rows: np.ndarray, bits: np.ndarray, gids: np.ndarray, sims: np.ndarray,
         off: np.ndarray) -> None:
    """Fill in the query's table: ``rows[g, i]`` and the bit of g for every group g of
    query part i (``gids[off[i]:off[i + 1]]``, similarities ``sims``)."""
    one = np.uint64(1)
    for i in range(len(off) - 1):
        for k in range(off[i], off[i + 1]):
            g = gids[k]
            rows[g, i] = sims[k]
            bits[g >> 6] |= one << np.uint64(g & 63)


@njit(cache=True, nogil=True)
def unmark(rows: np.ndarray, bits: np.ndarray, gids: np.ndarray, n_parts: int) -> None:
    """Zero the first ``n_parts`` entries of ``rows[g]`` and the bitset word of g, for
    every g of ``gids``."""
    for g in gids:
        for i in range(n_parts):
            rows[g, i] = 0.0
        bits[g >> 6] = 0


@njit(cache=True)
def fat_postings(post_start: np.ndarray, post_len: np.ndarray, post_flat: np.ndarray,
                 name_start: np.ndarray, name_len: np.ndarray, flat_groups: np.ndarray,
                 flat_weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Postings that carry their names: for every group (in id order) and every name
    holding it, the entry ``[name, n, group_1 .. group_n, weight_1 .. weight_n]``
    (int32; the weights are float32 bits), so that a scan reads each candidate's
    parts where it reads the candidate. Returns (start of each group's entries plus
    the end, entries)."""
    n_groups = len(post_len)
    starts = np.empty(n_groups + 1, dtype=np.int64)
    total = 0
    for g in range(n_groups):
        starts[g] = total
        for p in range(post_start[g], post_start[g] + post_len[g]):
            total += 2 + 2 * name_len[post_flat[p]]
    starts[n_groups] = total
    fat = np.empty(total, dtype=np.int32)
    fat_f = fat.view(np.float32)
    at = 0
    for g in range(n_groups):
        for p in range(post_start[g], post_start[g] + post_len[g]):
            name = post_flat[p]
            n, first = name_len[name], name_start[name]
            fat[at] = name
            fat[at + 1] = n
            for t in range(n):
                fat[at + 2 + t] = flat_groups[first + t]
                fat_f[at + 2 + n + t] = flat_weights[first + t]
            at += 2 + 2 * n
    return starts, fat


@njit(cache=True, nogil=True)
def scores(names: np.ndarray, rows: np.ndarray, n_parts: int, qw: np.ndarray, sq: float,
           q_given: int, name_start: np.ndarray, name_len: np.ndarray,
           flat_pids: np.ndarray, part_group: np.ndarray, part_weight: np.ndarray,
           part_given: np.ndarray, floor: float, best_side: float,
           information_scale: float, information_floor: float,
           given_name_conflict: float) -> np.ndarray:
    """The name score of ``scoring.score_names`` for each name (q_given < 0: the query
    has no given name)."""
    out = np.empty(len(names))
    used_q = np.zeros(n_parts, dtype=np.bool_)
    width = 1
    for name in names:
        width = max(width, name_len[name])
    used_r = np.zeros(width, dtype=np.bool_)
    for n in range(len(names)):
        name = names[n]
        start, length = name_start[name], name_len[name]
        for i in range(n_parts):
            used_q[i] = False
        for j in range(length):
            used_r[j] = False
        got_q = got_r = info = 0.0
        while True:  # greedy: best pair first, ties to the earlier query then record part
            best, bi, bj = -1.0, -1, -1
            for i in range(n_parts):
                if used_q[i]:
                    continue
                for j in range(length):
                    if used_r[j]:
                        continue
                    s = rows[part_group[flat_pids[start + j]], i]
                    if s >= floor and s > best:
                        best, bi, bj = s, i, j
            if bi < 0:
                break
            used_q[bi] = True
            used_r[bj] = True
            wq = qw[bi]
            wr = part_weight[flat_pids[start + bj]]
            got_q += wq * best
            got_r += wr * best
            info += min(wq, wr) * best
        sr = 0.0
        r_given = -1
        for j in range(length):
            pid = flat_pids[start + j]
            sr += part_weight[pid]
            if r_given < 0 and part_given[pid]:
                r_given = j
        cov_q = got_q / sq if sq else 0.0
        cov_r = got_r / sr if sr else 0.0
        hi, lo = max(cov_q, cov_r), min(cov_q, cov_r)
        coverage = best_side * hi + (1 - best_side) * lo
        information = min(1.0, info / information_scale)
        score = coverage * (information_floor + (1 - information_floor) * information)
        if q_given >= 0 and r_given >= 0 and n_parts > 1 and length > 1:
            missing = (0 if used_q[q_given] else 1) + (0 if used_r[r_given] else 1)
            score -= given_name_conflict * missing / 2
        out[n] = min(1.0, max(0.0, score))
    return out



@njit(cache=True, nogil=True)
def name_groups(names: np.ndarray, name_start: np.ndarray, name_len: np.ndarray,
                flat_groups: np.ndarray) -> np.ndarray:
    """The distinct groups of the matchable parts of ``names``, in order."""
    total = 0
    for name in names:
        total += name_len[name]
    held = np.empty(total, dtype=np.int64)
    at = 0
    for name in names:
        for t in range(name_start[name], name_start[name] + name_len[name]):
            held[at] = flat_groups[t]
            at += 1
    return np.unique(held)

