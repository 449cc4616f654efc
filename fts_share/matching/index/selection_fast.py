"""Compiled choice of the candidates to score (numba, compiled on first use and
cached): ``select`` takes the best by pre-score, in linear time (``_top``,
``_kth_largest``). No function here is over complexity 15."""

from __future__ import annotations

import numpy as np

from fts_share.matching.jit import njit


@njit(cache=True, nogil=True)
def _kth_largest(pre: np.ndarray, m: int) -> float:
    """The ``m``-th largest of ``pre`` (values in [0, 1]; 0 < m <= len): a histogram
    finds its bucket, and only that bucket is sorted."""
    buckets = 1024
    counts = np.zeros(buckets + 1, dtype=np.int64)
    for v in pre:
        counts[min(buckets, max(0, int(v * buckets)))] += 1
    above, b = 0, buckets
    while above + counts[b] < m:
        above += counts[b]
        b -= 1
    inside = np.empty(counts[b])
    c = 0
    for v in pre:
        if min(buckets, max(0, int(v * buckets))) == b:
            inside[c] = v
            c += 1
    inside.sort()
    return float(inside[len(inside) - (m - above)])


@njit(cache=True, nogil=True)
def _top(pre: np.ndarray, m: int) -> np.ndarray:
    """Positions of the ``m`` (< len) largest values, ties to the earlier position."""
    if m <= 0:
        return np.zeros(0, dtype=np.int64)
    kth = _kth_largest(pre, m)
    out = np.empty(m, dtype=np.int64)
    c = 0
    for t in range(len(pre)):
        if pre[t] > kth:
            out[c] = t
            c += 1
    for t in range(len(pre)):
        if c == m:
            break
        if pre[t] == kth:
            out[c] = t
            c += 1
    return out


@njit(cache=True, nogil=True)
def select(pre: np.ndarray, floor: float, k: int, e: int, pinned: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray]:
    """Which candidates (by pre-score ``pre``) are scored, and which get their far
    part pairs compared: the ``e`` best, and of the rest the best ``k`` that are at
    least ``floor`` (all of them when there are at most ``e`` and no floor);
    ``pinned`` (empty, or one flag per candidate) are scored anyway. Returns the
    positions of both, in order."""
    n = len(pre)
    best = _top(pre, e) if n > e else np.arange(n)
    if n <= e and floor <= 0.0:
        return np.arange(n), best
    keep = pre >= floor
    if n > k:
        within = np.zeros(n, dtype=np.bool_)
        within[_top(pre, k)] = True
        keep &= within
    keep[best] = True
    if len(pinned):
        keep |= pinned
    return np.flatnonzero(keep), best
