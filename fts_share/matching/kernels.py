"""Compiled inner loops of the search path (numba, compiled on first use and cached).

Three loops over plain numpy arrays, nothing else:

* ``candidates``: postings of the query parts' neighbour groups -> candidate names;
* ``prescores``: a cheap optimistic name score, to choose whom to score exactly;
* ``scores``: the exact name score, the arithmetic of ``scoring.score_names``
  operation for operation (so the same IEEE doubles: no fast-math).

The query side is given as flat arrays: ``near_g``/``near_s`` hold every query part's
neighbour groups (most similar first) and ``near_off`` where each part's run starts.
``rows[g, i]`` is the similarity of query part i to group g when it is at least the
alignment floor, else 0 (the last group is a sentinel with no names).
"""

from __future__ import annotations

import numpy as np
from numba import njit



@njit(cache=True, nogil=True)
def set_bits(bits: np.ndarray, ids: np.ndarray, value: bool) -> None:
    """Set (or clear) the bits ``ids`` of the bitset ``bits`` (uint64 words)."""
    one = np.uint64(1)
    for i in ids:
        if value:
            bits[i >> 6] |= one << np.uint64(i & 63)
        else:
            bits[i >> 6] = 0


@njit(cache=True, nogil=True)
def _push(out: np.ndarray, n_out: int, name: int) -> np.ndarray:
    if n_out == len(out):
        out = np.concatenate((out, np.empty(len(out), dtype=np.int64)))
    out[n_out] = name
    return out


@njit(cache=True, nogil=True)
def candidates(near_g: np.ndarray, near_s: np.ndarray, near_off: np.ndarray,
               post_start: np.ndarray, post_len: np.ndarray, post_flat: np.ndarray,
               budget: int, pair_similarity: float, chosen: np.ndarray, seen: np.ndarray,
               current: np.ndarray) -> np.ndarray:
    """Candidate names, sorted. Parts are scanned rarest first (fewest postings)
    while the postings stay within ``budget`` (the rarest part always, its most
    similar spellings first, at most 4 x budget unless they read the same); when two
    or more parts were too common to scan, the names holding two of them (through
    spellings at least ``pair_similarity`` similar) are added.

    ``chosen``, ``seen`` and ``current`` are zeroed bitsets of the names (uint64
    words; a name's bit is ``1 << (name & 63)`` in word ``name >> 6``), small enough
    to stay in the processor's cache; they are zeroed again on return."""
    n_parts = len(near_off) - 1
    vols = np.zeros(n_parts, dtype=np.int64)
    for i in range(n_parts):
        for k in range(near_off[i], near_off[i + 1]):
            vols[i] += post_len[near_g[k]]
    order = np.argsort(vols, kind="mergesort")
    out = np.empty(256, dtype=np.int64)
    n_out = 0
    used = 0
    scanned = np.zeros(n_parts, dtype=np.bool_)
    any_scanned = False
    one = np.uint64(1)
    for oi in range(n_parts):
        i = order[oi]
        if near_off[i + 1] == near_off[i]:
            continue
        if any_scanned and used + vols[i] > budget:
            break
        taken = 0
        for k in range(near_off[i], near_off[i + 1]):
            g = near_g[k]
            if taken and taken + post_len[g] > budget and (
                    near_s[k] < 1.0 or taken + post_len[g] > 4 * budget):
                break
            for p in range(post_start[g], post_start[g] + post_len[g]):
                name = post_flat[p]
                bit = one << np.uint64(name & 63)
                if not chosen[name >> 6] & bit:
                    chosen[name >> 6] |= bit
                    out = _push(out, n_out, name)
                    n_out += 1
            taken += post_len[g]
        used += taken
        scanned[i] = True
        any_scanned = True
    rest = 0
    for i in range(n_parts):
        if not scanned[i] and near_off[i + 1] > near_off[i]:
            rest += 1
    if rest >= 2:
        done = 0
        for i in range(n_parts):
            if scanned[i] or near_off[i + 1] == near_off[i]:
                continue
            done += 1
            for k in range(near_off[i], near_off[i + 1]):
                if near_s[k] < pair_similarity:
                    break
                g = near_g[k]
                for p in range(post_start[g], post_start[g] + post_len[g]):
                    name = post_flat[p]
                    word = name >> 6
                    bit = one << np.uint64(name & 63)
                    if seen[word] & bit and not chosen[word] & bit:
                        chosen[word] |= bit  # an earlier part held it too
                        out = _push(out, n_out, name)
                        n_out += 1
                    current[word] |= bit
            if done < rest:  # this part's names are seen from now on
                for w in range(len(seen)):
                    seen[w] |= current[w]
                    current[w] = 0
        seen[:] = 0
        current[:] = 0
    result = out[:n_out].copy()
    for name in result:
        chosen[name >> 6] = 0
    result.sort()
    return result


@njit(cache=True, nogil=True)
def prescores(names: np.ndarray, rows: np.ndarray, n_parts: int, qw: np.ndarray,
              sq: float, name_start: np.ndarray, name_len: np.ndarray,
              flat_groups: np.ndarray, flat_weights: np.ndarray, near_bits: np.ndarray,
              best_side: float, information_scale: float) -> np.ndarray:
    """Coverage of both sides when every part takes its best partner (no one-to-one
    alignment), mixed as in ``coverage_score``; an optimistic name score.
    ``flat_groups``/``flat_weights``: the group and weight of every name's matchable
    parts, laid out like ``flat_pids``; ``near_bits``: a bitset of the groups near
    some query part."""
    out = np.empty(len(names))
    best_q = np.empty(n_parts)
    one = np.uint64(1)
    for n in range(len(names)):
        name = names[n]
        start, length = name_start[name], name_len[name]
        for i in range(n_parts):
            best_q[i] = 0.0
        got_r = 0.0
        sr = 0.0
        for j in range(start, start + length):
            g = flat_groups[j]
            rw = flat_weights[j]
            sr += rw
            if not (near_bits[g >> 6] >> np.uint64(g & 63)) & one:
                continue  # no query part is near: skip reading its similarities
            best = 0.0
            for i in range(n_parts):
                s = rows[g, i]
                if s > best:
                    best = s
                if s > best_q[i]:
                    best_q[i] = s
            got_r += best * rw
        got_q = 0.0
        for i in range(n_parts):
            got_q += qw[i] * best_q[i]
        cov_q = got_q / sq if sq else 0.0
        cov_r = got_r / sr if sr else 0.0
        hi, lo = max(cov_q, cov_r), min(cov_q, cov_r)
        out[n] = (best_side * hi + (1 - best_side) * lo) * min(
            1.0, min(got_q, got_r) / information_scale + 0.5)
    return out


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
