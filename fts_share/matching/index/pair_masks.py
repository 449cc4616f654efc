"""Masks of the fat postings' entries, for the scan's pairing rounds (numba, compiled
on first use and cached).

A pairing round (``candidates_fast.plan``, ``scan_fast.scan``) reads the postings of
a common query part and keeps the names that also hold, among their *other* parts, a
spelling of a later common part: most entries do not. Each entry carries a 64-bit
mask of its name's other groups (``masks``, built with the snapshot), a group
standing as the bit (``group_bit``) of its *head*: the lowest id among it and its
neighbours at least ``pair_similarity`` similar (``store.Groups.heads``), so that the
spellings of one name mostly share a bit and a round looks for a few bits, not one
per spelling. A round wants the bits of the groups it looks for (``wanted``); an
entry whose mask misses them holds none of those groups and is passed over unread,
the others are checked exactly as before. Any head gives the same names (a mask is
only a necessary condition); good heads read fewer entries.
"""

from __future__ import annotations

import numpy as np

from fts_share.matching.jit import njit


@njit(cache=True, nogil=True, inline="always")
def group_bit(head: int) -> np.uint64:
    """The bit of a head in a 64-bit mask (a multiplicative hash of its id: two
    heads may share a bit)."""
    h = (np.uint64(head) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(58)
    return np.uint64(1) << h


@njit(cache=True)
def masks(fat_start: np.ndarray, fat: np.ndarray, head: np.ndarray, n_postings: int
          ) -> tuple[np.ndarray, np.ndarray]:
    """Per entry of the fat postings (``n_postings`` of them, in order): the mask of
    the heads (``head``, per group) of the groups of the entry's name's other parts
    (the entry's own group left out once), and where the entry starts in ``fat``."""
    mask = np.zeros(n_postings, dtype=np.uint64)
    at_of = np.empty(n_postings, dtype=np.int64)
    p = 0
    for g in range(len(fat_start) - 1):
        at = fat_start[g]
        while at < fat_start[g + 1]:
            n = fat[at + 1]
            own = False
            m = np.uint64(0)
            for t in range(at + 2, at + 2 + n):
                if fat[t] == g and not own:
                    own = True
                else:
                    m |= group_bit(head[fat[t]])
            mask[p] = m
            at_of[p] = at
            p += 1
            at += 2 + 2 * n
    return mask, at_of


@njit(cache=True, nogil=True)
def wanted(gids: np.ndarray, rows: np.ndarray, common: np.ndarray, rounds: int,
           pair_similarity: float, head: np.ndarray) -> np.ndarray:
    """Per pairing round ci < ``rounds`` (for ``common[ci]``): the mask of the heads of
    the groups of ``gids`` at least ``pair_similarity`` similar to a common part read
    after it (``rows[g, part]``); a group past ``head`` (one a segment does not hold)
    stands as itself."""
    out = np.zeros(rounds, dtype=np.uint64)
    for ci in range(len(out)):
        for g in gids:
            for cj in range(ci + 1, len(common)):
                if rows[g, common[cj]] >= pair_similarity:
                    out[ci] |= group_bit(head[g] if g < len(head) else g)
                    break
    return out
