"""Compiled reading of the fat postings that ``candidates_fast.plan`` has planned
(numba, compiled on first use and cached): the candidate names and their pre-scores.

The query's similarity table ``rows`` has a row per group of the index; a scan
looks at every part of every name it reads, and most of those parts are near no
query part. Asking the group bitset first (as ``candidates_fast._prescore`` does for
names given by id) costs a mispredicted branch per such part. Here the groups of the
query's table are numbered 1..m in ``slot`` (one int32 per group, 0 for every other
group), and their rows copied into a small table ``near_rows`` whose row 0 is zeros:
a part's row is then read without a branch, from a table that stays in the first
level cache. The arithmetic is that of ``_prescore``, in the same order (a part near
no query part adds 0.0), so the pre-scores are the same to the last bit.

A pairing round keeps only the entries whose name holds a later common part among
its other parts: most entries of a common part's postings do not. Each entry has a
64-bit mask of its name's other groups (``pair_masks``: ``Arrays.post_mask``); the
round steps through those masks, contiguous, gathers a batch of the entries whose
mask meets the groups it looks for (``wants``) without a branch, then checks those
exactly, as before (the same entries kept, in the same order, for a fraction of the
memory read; the reads of a batch overlap).

Most names pre-score under what ``selection_fast.select`` chooses: the names at
least ``floor`` and the ``min_above`` best. A name under ``floor`` and under the
``min_above``-th best pre-score held so far (``_rank``: it only rises) is never
chosen; it is passed over, not pre-scored, when its ``_ceiling`` is under that ``cut``.

No function here is over complexity 15."""

from __future__ import annotations

import numpy as np

from fts_share.matching.jit import njit

#: how far under ``cut`` a name's ``_ceiling`` must be for ``scan`` to pass it over
#: (the ceiling adds the query side in another order than ``_prescore``)
BOUND_MARGIN = 1e-9


@njit(cache=True, nogil=True)
def number(gids: np.ndarray, rows: np.ndarray, n_parts: int, qw: np.ndarray,
           slot: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Number the groups of ``gids`` 1..m in ``slot`` (zeroed; ``forget`` zeroes it
    again) and return their rows of ``rows`` (row 0: zeros), per row the query
    weight a part of that group can match summed over the query parts (``reach``)
    and its best similarity to a query part (``top``)."""
    m = 0
    for g in gids:
        if slot[g] == 0:
            m += 1
            slot[g] = m
    near_rows = np.zeros((m + 1, n_parts))
    reach, top = np.zeros(m + 1), np.zeros(m + 1)
    for g in gids:
        r = slot[g]
        for i in range(n_parts):
            near_rows[r, i] = rows[g, i]
    for r in range(1, m + 1):
        for i in range(n_parts):
            reach[r] += qw[i] * near_rows[r, i]
            top[r] = max(top[r], near_rows[r, i])
    return near_rows, reach, top


@njit(cache=True, nogil=True)
def forget(gids: np.ndarray, slot: np.ndarray) -> None:
    """Zero the ``slot`` entries that ``number`` set."""
    for g in gids:
        slot[g] = 0


@njit(cache=True, nogil=True, inline="always")
def _mix(got_q: float, got_r: float, sq: float, sr: float, best_side: float,
         information_scale: float, information_floor: float) -> float:
    """The pre-score of a name matching ``got_q`` of the query's weight ``sq`` and
    ``got_r`` of its own ``sr``."""
    cov_q = got_q / sq if sq else 0.0
    cov_r = got_r / sr if sr else 0.0
    hi, lo = max(cov_q, cov_r), min(cov_q, cov_r)
    return (best_side * hi + (1 - best_side) * lo) * (
        information_floor + (1 - information_floor)
        * min(1.0, min(got_q, got_r) / information_scale))


@njit(cache=True, nogil=True, inline="always")
def _prescore(fat: np.ndarray, fat_f: np.ndarray, first: int, n: int, slot: np.ndarray,
              near_rows: np.ndarray, n_parts: int, qw: np.ndarray, sq: float,
              best_q: np.ndarray, best_side: float, information_scale: float,
              information_floor: float) -> float:
    """``candidates_fast._prescore`` of the entry whose ``n`` groups start at ``first``
    (weights at ``first + n``), read through ``slot``/``near_rows``."""
    for i in range(n_parts):
        best_q[i] = 0.0
    got_r = sr = 0.0
    for j in range(n):
        r = slot[fat[first + j]]
        rw = fat_f[first + n + j]
        sr += rw
        best = 0.0
        for i in range(n_parts):
            s = near_rows[r, i]
            best = max(best, s)
            best_q[i] = max(best_q[i], s)
        got_r += best * rw
    got_q = 0.0
    for i in range(n_parts):
        got_q += qw[i] * best_q[i]
    return _mix(got_q, got_r, sq, sr, best_side, information_scale, information_floor)


@njit(cache=True, nogil=True, inline="always")
def _ceiling(fat: np.ndarray, fat_f: np.ndarray, first: int, n: int, slot: np.ndarray,
             reach: np.ndarray, top: np.ndarray, sq: float, best_side: float,
             information_scale: float, information_floor: float) -> float:
    """An upper bound of ``_prescore`` (the mix grows with each of its terms): the
    name's side as there (each part at its best, ``top`` of its row), the query side
    at most the sum of its rows' ``reach`` and at most ``sq``."""
    got_r = sr = got_q = 0.0
    for j in range(n):
        r = slot[fat[first + j]]
        rw = fat_f[first + n + j]
        sr += rw
        got_r += top[r] * rw
        got_q += reach[r]
    return _mix(min(got_q, sq), got_r, sq, sr, best_side, information_scale,
                information_floor)


@njit(cache=True, nogil=True, inline="always")
def _under(fat: np.ndarray, fat_f: np.ndarray, first: int, n: int, slot: np.ndarray,
           reach: np.ndarray, top: np.ndarray, sq: float, cut: float, best_side: float,
           information_scale: float, information_floor: float) -> bool:
    """Whether the entry's name is known to pre-score under ``cut`` (0: no name is):
    its ``_ceiling`` is."""
    return cut > 0.0 and _ceiling(fat, fat_f, first, n, slot, reach, top, sq, best_side,
                                  information_scale, information_floor) < cut - BOUND_MARGIN


@njit(cache=True, nogil=True, inline="always")
def _rank(best: np.ndarray, n_best: int, pre: float, floor: float, e: int
          ) -> tuple[int, float]:
    """File ``pre`` among the ``e`` best pre-scores held (``best``, a min-heap of
    ``n_best``); return their count and the cut: the least of them (at most
    ``floor``) once there are ``e``, else 0 (no name passed over)."""
    if n_best < e:
        k, best[n_best] = n_best, pre
        while k > 0 and best[(k - 1) >> 1] > best[k]:
            best[k], best[(k - 1) >> 1] = best[(k - 1) >> 1], best[k]
            k = (k - 1) >> 1
        n_best += 1
        return n_best, min(floor, best[0]) if n_best == e else 0.0
    if pre > best[0]:
        best[0], k = pre, 0
        while 2 * k + 1 < e:
            c = 2 * k + 1
            if c + 1 < e and best[c + 1] < best[c]:
                c += 1
            if best[k] <= best[c]:
                break
            best[k], best[c] = best[c], best[k]
            k = c
    return n_best, min(floor, best[0])


@njit(cache=True, nogil=True, inline="always")
def _held(fat: np.ndarray, first: int, n: int, slot: np.ndarray, hits: np.ndarray) -> int:
    """How many of the entry's ``n`` groups (from ``first``) are near a later common
    part (``hits`` of their rows: 0 or 1, see ``_later``)."""
    held = 0
    for t in range(first, first + n):
        held += hits[slot[fat[t]]]
    return held


@njit(cache=True, nogil=True)
def _later(near_rows: np.ndarray, common: np.ndarray, ci: int, pair_similarity: float
           ) -> np.ndarray:
    """Per row: 1 if its group is at least ``pair_similarity`` similar to a common
    part read after ``common[ci]``, else 0 (row 0: 0)."""
    out = np.zeros(len(near_rows), dtype=np.int32)
    for r in range(1, len(near_rows)):
        for cj in range(ci + 1, len(common)):
            if near_rows[r, common[cj]] >= pair_similarity:
                out[r] = 1
    return out


@njit(cache=True, nogil=True, inline="always")
def _keep(fat: np.ndarray, fat_f: np.ndarray, at: int, name: int, chosen: np.ndarray,
          names: np.ndarray, pres: np.ndarray, n_out: int, n_best: int, cut: float,
          slot: np.ndarray, near_rows: np.ndarray, reach: np.ndarray, top: np.ndarray,
          qw: np.ndarray, best_q: np.ndarray, best: np.ndarray, sq: float, floor: float,
          e: int, best_side: float, information_scale: float,
          information_floor: float) -> tuple[int, int, float]:
    """Hold ``name`` (entry at ``at``, not ``_under`` the cut) with its pre-score;
    returns the names held, the count of ``_rank``'s heap ``best`` and the cut."""
    n = fat[at + 1]
    chosen[name >> 6] |= np.uint64(1) << np.uint64(name & 63)
    names[n_out] = name
    pre = _prescore(fat, fat_f, at + 2, n, slot, near_rows, len(qw), qw, sq, best_q,
                    best_side, information_scale, information_floor)
    pres[n_out] = pre
    if cut < floor:
        n_best, cut = _rank(best, n_best, pre, floor, e)
    return n_out + 1, n_best, cut


@njit(cache=True, nogil=True, inline="always")
def _pairs(g: int, post_start: np.ndarray, post_mask: np.ndarray, post_at: np.ndarray,
           want: np.uint64, fat: np.ndarray, offset: int, chosen: np.ndarray,
           names: np.ndarray, pres: np.ndarray, n_out: int, n_best: int, cut: float,
           own: int, hits: np.ndarray, slot: np.ndarray, near_rows: np.ndarray,
           reach: np.ndarray, top: np.ndarray, qw: np.ndarray, best_q: np.ndarray,
           best: np.ndarray, sq: float, floor: float, e: int,
           best_side: float, information_scale: float, information_floor: float
           ) -> tuple[int, int, float]:
    """``_read`` of group ``g`` in a pairing round: only the entries whose mask meets
    ``want`` (``pair_masks.wanted``; the others hold no later common part among their
    other parts), gathered 512 entries of the group at a time."""
    if g + 1 >= len(post_start):
        return n_out, n_best, cut
    fat_f = fat.view(np.float32)
    one, zero = np.uint64(1), np.uint64(0)
    buf = np.empty(512, dtype=np.int64)
    p, end = post_start[g], post_start[g + 1]
    while p < end:
        k, stop = 0, min(end, p + 512)
        while p < stop:
            buf[k] = post_at[p]
            k += post_mask[p] & want != zero
            p += 1
        for t in range(k):
            at = buf[t]
            name, n = fat[at] + offset, fat[at + 1]
            if chosen[name >> 6] & (one << np.uint64(name & 63)) or _held(
                    fat, at + 2, n, slot, hits) <= own or (
                    _under(fat, fat_f, at + 2, n, slot, reach, top, sq, cut, best_side,
                           information_scale, information_floor)):
                continue
            n_out, n_best, cut = _keep(
                fat, fat_f, at, name, chosen, names, pres, n_out, n_best, cut, slot,
                near_rows, reach, top, qw, best_q, best, sq, floor, e, best_side,
                information_scale, information_floor)
    return n_out, n_best, cut


@njit(cache=True, nogil=True, inline="always")
def _read(g: int, fat_start: np.ndarray, fat: np.ndarray, offset: int, chosen: np.ndarray,
          names: np.ndarray, pres: np.ndarray, n_out: int, n_best: int, cut: float,
          slot: np.ndarray, near_rows: np.ndarray, reach: np.ndarray, top: np.ndarray,
          qw: np.ndarray, best_q: np.ndarray, best: np.ndarray, sq: float, floor: float,
          e: int, best_side: float, information_scale: float,
          information_floor: float) -> tuple[int, int, float]:
    """Read group ``g``'s entries of one segment of fat postings (none if it has no
    such group), its names numbered from ``offset``, as ``scan`` describes."""
    if g + 1 >= len(fat_start):
        return n_out, n_best, cut
    fat_f = fat.view(np.float32)
    one = np.uint64(1)
    at = fat_start[g]
    while at < fat_start[g + 1]:
        name = fat[at] + offset
        if not (chosen[name >> 6] & (one << np.uint64(name & 63)) or _under(
                fat, fat_f, at + 2, fat[at + 1], slot, reach, top, sq, cut, best_side,
                information_scale, information_floor)):
            n_out, n_best, cut = _keep(
                fat, fat_f, at, name, chosen, names, pres, n_out, n_best, cut, slot,
                near_rows, reach, top, qw, best_q, best, sq, floor, e, best_side,
                information_scale, information_floor)
        at += 2 + 2 * fat[at + 1]
    return n_out, n_best, cut


@njit(cache=True, nogil=True, inline="always")
def _segment(g: int, ci: int, seg: tuple, offset: int,  # type: ignore[type-arg]
             chosen: np.ndarray, names: np.ndarray, pres: np.ndarray, n_out: int,
             n_best: int, cut: float, hits: np.ndarray, slot: np.ndarray,
             near_rows: np.ndarray, reach: np.ndarray, top: np.ndarray, qw: np.ndarray,
             best_q: np.ndarray, best: np.ndarray, sq: float, floor: float,
             e: int, best_side: float, information_scale: float,
             information_floor: float) -> tuple[int, int, float]:
    """Group ``g``'s entries of one segment ``seg`` (``scan_pair``): ``_pairs`` in
    pairing round ``ci`` >= 0, else ``_read``."""
    fat_start, fat, post_start, post_mask, post_at, wants = seg
    if ci >= 0:
        return _pairs(g, post_start, post_mask, post_at, wants[ci], fat, offset, chosen,
                      names, pres, n_out, n_best, cut, hits[slot[g]], hits, slot,
                      near_rows, reach, top, qw, best_q, best, sq, floor, e,
                      best_side, information_scale, information_floor)
    return _read(g, fat_start, fat, offset, chosen, names, pres, n_out, n_best, cut, slot,
                 near_rows, reach, top, qw, best_q, best, sq, floor, e, best_side,
                 information_scale, information_floor)


@njit(cache=True, nogil=True)
def scan(groups: np.ndarray, pair_round: np.ndarray, gids: np.ndarray, rows: np.ndarray,
         fat_start: np.ndarray, fat: np.ndarray, post_start: np.ndarray,
         post_mask: np.ndarray, post_at: np.ndarray, wants: np.ndarray, slot: np.ndarray,
         common: np.ndarray,
         qw: np.ndarray, chosen: np.ndarray, size: int, floor: float,
         min_above: int, pair_similarity: float, best_side: float,
         information_scale: float, information_floor: float
         ) -> tuple[np.ndarray, np.ndarray]:
    """Read the postings of ``groups`` in order: of a group whose ``pair_round`` is
    -1 every name not chosen yet; of one in pairing round ci >= 0 the names that also
    hold, among their *other* parts, one at least ``pair_similarity`` similar to a
    common part read after ``common[ci]`` (one "Muhammad" does not hold two parts
    both near "Muhammad": the entry's own group counts once less). Returns the names
    (at most ``size``) and their pre-scores.

    With ``floor`` > 0, a name is passed over once its pre-score is known to be
    under ``floor`` and under the ``min_above``-th best pre-score held (its
    ``_ceiling`` under the ``cut`` of ``_rank``): ``select`` would choose it neither
    by its pre-score nor among the ``min_above`` best.

    ``fat_start``/``fat``: the fat postings, ``post_start``/``post_mask``/``post_at``
    their entries' masks (``pair_masks.masks``), ``wants`` per pairing round the
    mask of the groups it looks for (``pair_masks.wanted``);
    ``gids``/``rows``: the groups of the query's table and its rows (``number``);
    ``slot`` a zeroed int32 array of one entry per group; ``chosen`` a bitset of the
    names (uint64 words; a name's bit is ``1 << (name & 63)`` in word ``name >> 6``)
    whose set bits are names to pass over; the words of the names returned are zeroed
    on return, and ``slot`` too."""
    fat_f, sq, e = fat.view(np.float32), qw.sum(), min_above
    near_rows, reach, top = number(gids, rows, len(qw), qw, slot)
    names, pres = np.empty(size, dtype=np.int64), np.empty(size)  # one per posting
    best_q, best = np.empty(len(qw)), np.empty(max(e, 1))  # ``_rank``'s heap
    hits = np.zeros(len(near_rows), dtype=np.int32)
    n_out = n_best = 0
    cut = floor if floor > 0.0 and e <= 0 else 0.0  # (0: no name passed over)
    one = np.uint64(1)
    ci = -1
    for x in range(len(groups)):
        g = groups[x]
        if pair_round[x] != ci:
            ci = pair_round[x]
            hits = _later(near_rows, common, ci, pair_similarity)
        if ci >= 0:
            n_out, n_best, cut = _pairs(
                g, post_start, post_mask, post_at, wants[ci], fat, 0, chosen, names, pres,
                n_out, n_best, cut, hits[slot[g]], hits, slot, near_rows, reach, top, qw,
                best_q, best, sq, floor, e, best_side, information_scale,
                information_floor)
            continue
        at = fat_start[g]
        while at < fat_start[g + 1]:
            name = fat[at]
            if not (chosen[name >> 6] & (one << np.uint64(name & 63)) or _under(
                    fat, fat_f, at + 2, fat[at + 1], slot, reach, top, sq, cut, best_side,
                    information_scale, information_floor)):
                n_out, n_best, cut = _keep(
                    fat, fat_f, at, name, chosen, names, pres, n_out, n_best, cut, slot,
                    near_rows, reach, top, qw, best_q, best, sq, floor, e,
                    best_side, information_scale, information_floor)
            at += 2 + 2 * fat[at + 1]
    for t in range(n_out):
        chosen[names[t] >> 6] = 0
    forget(gids, slot)
    return names[:n_out], pres[:n_out]


@njit(cache=True, nogil=True)
def scan_pair(groups: np.ndarray, pair_round: np.ndarray, gids: np.ndarray,
              rows: np.ndarray, first: tuple, second: tuple, offset2: int,  # type: ignore[type-arg]
              slot: np.ndarray, common: np.ndarray, qw: np.ndarray, chosen: np.ndarray,
              size: int, floor: float, min_above: int,
              pair_similarity: float, best_side: float, information_scale: float,
              information_floor: float) -> tuple[np.ndarray, np.ndarray]:
    """``scan`` over postings in two segments, ``first`` and ``second`` (each
    ``(fat_start, fat, post_start, post_mask, post_at)`` of its ``Arrays`` and its
    ``wants``): a group's entries in ``first`` are read first, then those in
    ``second``, whose names are numbered from ``offset2`` (a mapped snapshot and its
    overlay, read as one index; the second may hold fewer groups), through ``_read``
    or ``_pairs`` (``scan``'s loop is ~10 % faster written out)."""
    near_rows, reach, top = number(gids, rows, len(qw), qw, slot)
    sq, e = qw.sum(), min_above
    names, pres = np.empty(size, dtype=np.int64), np.empty(size)  # one per posting
    best_q, best = np.empty(len(qw)), np.empty(max(e, 1))
    hits = np.zeros(len(near_rows), dtype=np.int32)
    n_out = n_best = 0
    cut = floor if floor > 0.0 and e <= 0 else 0.0
    ci = -1
    for x in range(len(groups)):
        g = groups[x]
        if pair_round[x] != ci:
            ci = pair_round[x]
            hits = _later(near_rows, common, ci, pair_similarity)
        n_out, n_best, cut = _segment(
            g, ci, first, 0, chosen, names, pres, n_out, n_best, cut, hits, slot,
            near_rows, reach, top, qw, best_q, best, sq, floor, e, best_side,
            information_scale, information_floor)
        n_out, n_best, cut = _segment(
            g, ci, second, offset2, chosen, names, pres, n_out, n_best, cut, hits, slot,
            near_rows, reach, top, qw, best_q, best, sq, floor, e, best_side,
            information_scale, information_floor)
    for t in range(n_out):
        chosen[names[t] >> 6] = 0
    forget(gids, slot)
    return names[:n_out], pres[:n_out]
