"""Compiled loops of the search path over postings (numba, compiled on first use and
cached): filling and clearing the query's table (``mark``, ``unmark``), the fat
postings built at snapshot time, and the groups of names. Candidates and their
pre-scores are chosen in ``candidates_fast``, scored in
``scoring.name_score_fast``. No function here is over complexity 15.

``rows[g, i]`` is the similarity of query part i to group g when it is at least the
alignment floor, else 0 (the last group is a sentinel with no names).
"""

from __future__ import annotations

import numpy as np

from fts_share.matching.jit import njit


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


@njit(cache=True, nogil=True)
def name_groups_pair(names: np.ndarray, offset: int, name_start: np.ndarray,
                     name_len: np.ndarray, flat_groups: np.ndarray, name_start2: np.ndarray,
                     name_len2: np.ndarray, flat_groups2: np.ndarray) -> np.ndarray:
    """``name_groups`` of names in two segments: those under ``offset`` read in the
    first's arrays, the others (less ``offset``) in the second's."""
    total = 0
    for name in names:
        total += name_len[name] if name < offset else name_len2[name - offset]
    held = np.empty(total, dtype=np.int64)
    at = 0
    for name in names:
        if name < offset:
            first, n, groups = name_start[name], name_len[name], flat_groups
        else:
            first, n, groups = name_start2[name - offset], name_len2[name - offset], \
                flat_groups2
        for t in range(first, first + n):
            held[at] = groups[t]
            at += 1
    return np.unique(held)
