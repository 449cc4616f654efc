"""Compiled candidate generation (numba, compiled on first use and cached): which
names a query reads, and their pre-scores.

* ``needed_weight``, ``caps``, ``admissible``, ``essential``: what the threshold
  lets a search skip (docs/matching.md, section 5);
* ``plan``: which fat postings (``postings_fast.fat_postings``) of the query parts'
  neighbour groups are read for candidate names (``scan_fast.scan`` reads them and
  gives each name its pre-score, a cheap optimistic name score, never below the
  exact one, to choose whom to score exactly);
* ``prescores``: the same pre-score for names given by id.

Which of them are scored is chosen in ``selection_fast``. The reference these loops
are measured against is scoring every name (``NameIndex.exhaustive_scores``): on an
index whose candidate budget is never reached the two give the same hits (tests).

Complexity over 15, kept (a compiled kernel): ``plan``: it plans the scan (the
essential or budgeted parts, and the pairing of the common ones); its steps share a
dozen arrays, and a compiled call per step costs more than the step (see ``_plan``
and ``essential`` for the parts that split off cheaply).

The query side is given as flat arrays: ``near_g``/``near_s`` hold every query part's
neighbour groups (most similar first) and ``near_off`` where each part's run starts.
``rows[g, i]`` is the similarity of query part i to group g when it is at least the
alignment floor, else 0; ``near_bits`` is the bitset of the groups near some query
part.
"""

from __future__ import annotations

import numpy as np

from fts_share.matching.jit import njit

#: what reading and pre-scoring a name costs, in postings checked for a pair (at 1M
#: names: about 50 ns against 35, plus choosing among more candidates afterwards)
PRESCORE_COST = 2


@njit(cache=True, nogil=True)
def needed_weight(floor: float, sq: float, best_side: float, information_floor: float,
                  information_scale: float) -> float:
    """Where the score bound reaches ``floor`` > 0."""

    def bound(t: float) -> float:
        return (best_side + (1 - best_side) * min(1.0, t / sq)) * (
            information_floor + (1 - information_floor) * min(1.0, t / information_scale))

    if sq <= 0.0 or bound(sq) < floor:
        return np.inf
    lo, hi = 0.0, sq
    for _ in range(40):
        mid = (lo + hi) / 2
        if bound(mid) >= floor:
            hi = mid
        else:
            lo = mid
    return lo


@njit(cache=True, nogil=True)
def caps(near_s: np.ndarray, near_off: np.ndarray, qw: np.ndarray, other: np.ndarray
         ) -> np.ndarray:
    """Per query part, the most a name can match of it: its weight times the
    similarity of its most similar neighbour group (0 if it has none), or ``other``
    if more (what it can match in groups that are not its neighbours: initials)."""
    n_parts = len(near_off) - 1
    out = np.zeros(n_parts)
    for i in range(n_parts):
        if near_off[i + 1] > near_off[i]:
            out[i] = qw[i] * near_s[near_off[i]]
        out[i] = max(out[i], other[i])
    return out


@njit(cache=True, nogil=True)
def admissible(near_s: np.ndarray, near_off: np.ndarray, qw: np.ndarray, cap: np.ndarray,
               need: float) -> np.ndarray:
    """Per query part, the end of its run of neighbour groups that can bring a name
    worth finding: a name holding group k of part i (similarity ``near_s[k]``) gets at
    most ``qw[i] * near_s[k]`` from it and ``cap[j]`` (``caps``) from every other part
    j; if that sum is under ``need`` the group is not an entry point (``need`` 0:
    every group is)."""
    n_parts = len(near_off) - 1
    total = cap.sum()
    end = near_off[1:].copy()
    if need <= 0.0:
        return end
    for i in range(n_parts):
        rest = total - cap[i]
        k = near_off[i]
        while k < near_off[i + 1] and qw[i] * near_s[k] + rest >= need:
            k += 1
        end[i] = k
    return end


@njit(cache=True, nogil=True)
def essential(vols: np.ndarray, cap: np.ndarray, need: float, other: np.ndarray
              ) -> np.ndarray:
    """The parts whose postings hold every name that can match ``need``, read at the
    least cost: the set D of fewest postings (``vols``) such that the other parts
    together (at most ``cap`` each), and those of D outside their neighbours (at most
    ``other`` each), match less than ``need``. Empty when there is none (``need`` 0,
    or more than 12 parts)."""
    n_parts = len(vols)
    best_mask, best_cost = -1, -1
    if need <= 0.0 or n_parts > 12:
        return np.zeros(0, dtype=np.int64)
    for mask in range(1, 1 << n_parts):
        rest = 0.0
        cost = 0
        for i in range(n_parts):
            if mask >> i & 1:
                cost += vols[i]
                rest += other[i]
            else:
                rest += cap[i]
        if rest < need and (best_cost < 0 or cost < best_cost):
            best_mask, best_cost = mask, cost
    out = np.zeros(n_parts, dtype=np.int64)
    n_out = 0
    for i in range(n_parts):
        if best_mask >= 0 and best_mask >> i & 1:
            out[n_out] = i
            n_out += 1
    return out[:n_out]


@njit(cache=True, nogil=True, inline="always")
def _prescore(groups: np.ndarray, weights: np.ndarray, first: int, wfirst: int, n: int,
              rows: np.ndarray, n_parts: int, qw: np.ndarray, sq: float,
              near_bits: np.ndarray, best_q: np.ndarray, best_side: float,
              information_scale: float, information_floor: float) -> float:
    """The pre-score of one name, whose ``n`` parts have the groups ``groups[first:]``
    and the weights ``weights[wfirst:]``: coverage of both sides when every part takes
    its best partner (no one-to-one alignment), mixed as in ``coverage_score``, times
    the information factor of the weight matched on the lighter side: never below the
    name score of ``scores`` with the same ``rows``."""
    one = np.uint64(1)
    for i in range(n_parts):
        best_q[i] = 0.0
    got_r = 0.0
    sr = 0.0
    for j in range(n):
        g = groups[first + j]
        rw = weights[wfirst + j]
        sr += rw
        if not (near_bits[g >> 6] >> np.uint64(g & 63)) & one:
            continue  # no query part is near: skip reading its similarities
        best = 0.0
        for i in range(n_parts):
            s = rows[g, i]
            if s > best:  # noqa: PLR1730 (a compiled loop: stores only when larger)
                best = s
            if s > best_q[i]:  # noqa: PLR1730
                best_q[i] = s
        got_r += best * rw
    got_q = 0.0
    for i in range(n_parts):
        got_q += qw[i] * best_q[i]
    cov_q = got_q / sq if sq else 0.0
    cov_r = got_r / sr if sr else 0.0
    hi, lo = max(cov_q, cov_r), min(cov_q, cov_r)
    return (best_side * hi + (1 - best_side) * lo) * (
        information_floor + (1 - information_floor)
        * min(1.0, min(got_q, got_r) / information_scale))


@njit(cache=True, nogil=True)
def prescores(names: np.ndarray, rows: np.ndarray, n_parts: int, qw: np.ndarray,
              sq: float, name_start: np.ndarray, name_len: np.ndarray,
              flat_groups: np.ndarray, flat_weights: np.ndarray, near_bits: np.ndarray,
              best_side: float, information_scale: float, information_floor: float
              ) -> np.ndarray:
    """``_prescore`` of ``names`` read off the CSR layout (``flat_groups`` and
    ``flat_weights``: the group and weight of every name's matchable parts, laid out
    like ``flat_pids``)."""
    out = np.empty(len(names))
    best_q = np.empty(n_parts)
    for n in range(len(names)):
        start, length = name_start[names[n]], name_len[names[n]]
        out[n] = _prescore(flat_groups, flat_weights, start, start, length, rows, n_parts,
                           qw, sq, near_bits, best_q, best_side, information_scale,
                           information_floor)
    return out


@njit(cache=True, nogil=True)
def _plan(near_g: np.ndarray, near_s: np.ndarray, near_off: np.ndarray, end: np.ndarray,
          vols: np.ndarray, post_len: np.ndarray, budget: int
          ) -> tuple[np.ndarray, np.ndarray, int]:
    """The budgeted scan: parts rarest first (fewest postings) while the postings stay
    within ``budget`` (the rarest part always, its most similar spellings first, at
    most 4 x budget unless they read the same). Returns, per part, where its unread
    groups start and whether it was scanned, and the postings read."""
    n_parts = len(near_off) - 1
    order = np.argsort(vols, kind="mergesort")
    left = near_off[:-1].copy()
    scanned = np.zeros(n_parts, dtype=np.bool_)
    used = 0
    for oi in range(n_parts):
        i = order[oi]
        if end[i] == near_off[i]:
            continue
        if used and used + vols[i] > budget:
            break
        taken = 0
        for k in range(near_off[i], end[i]):
            g = near_g[k]
            if taken and taken + post_len[g] > budget and (
                    near_s[k] < 1.0 or taken + post_len[g] > 4 * budget):
                break
            left[i] = k + 1
            taken += post_len[g]
        used += max(taken, 1)
        scanned[i] = True
    return left, scanned, used


@njit(cache=True, nogil=True)
def cheaper_first(near_g: np.ndarray, near_s: np.ndarray, near_off: np.ndarray,
                  post_len: np.ndarray) -> None:
    """Within each part's run of neighbour groups equally similar (under 1: the part's
    own spelling and those that read the same stay first, in their order), put those
    with fewer postings first (then by their order so far, a function of the records):
    the budgeted scan, which reads a prefix of the run, then reads more spellings
    for the postings it can afford, and which of two equally similar spellings it
    reads does not depend on their group ids (*Dari*: *Duri*, 423 names, before
    *Dary*, 894, both 0.9)."""
    for i in range(len(near_off) - 1):
        a = near_off[i]
        while a < near_off[i + 1]:
            b = a + 1
            while b < near_off[i + 1] and near_s[b] == near_s[a]:
                b += 1
            for t in range(a + 1, b if near_s[a] < 1.0 else a):  # (stable insertion sort)
                g, k = near_g[t], t
                while k > a and post_len[near_g[k - 1]] > post_len[g]:
                    near_g[k] = near_g[k - 1]
                    k -= 1
                near_g[k] = g
            a = b


@njit(cache=True, nogil=True)
def plan(gids: np.ndarray, sims: np.ndarray, off: np.ndarray, lo: float, qw: np.ndarray,
         need: float, post_len: np.ndarray, budget: int, pair_similarity: float,
         other: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Which fat postings a query reads for its candidate names, in order.

    The query parts' neighbour groups are ``gids[off[i]:off[i + 1]]`` for part i
    (similarities ``sims``, most similar first); those at least ``lo`` similar bring
    candidates (``near_g``, ``near_s``, ``near_off`` below).

    With ``need`` > 0 (the query weight a name must match, at the similarities of
    its parts, to reach the threshold: ``needed_weight``) only the ``admissible``
    groups can bring a name. If reading the ``essential`` parts (the parts some of
    which every such name holds) costs no more than the search below, all their
    admissible postings are read: then every name that can reach ``need`` is a
    candidate.

    Otherwise the budgeted scan of ``_plan`` is read (equally similar spellings
    with fewer postings first: ``cheaper_first``). When two or more parts were
    too common to scan, and a name missed so far could still match ``need``, the
    names holding two of them (through spellings at least ``pair_similarity``
    similar) are added: the common parts' postings are read in order of size, all
    but the largest, keeping the names that hold a later one (seen in the entry,
    not in another posting list: ``scan_fast.scan``).

    ``other``: per part, the most a name can match of it in groups that are not
    its neighbours (an initial, aligned with the part or the part itself: they
    bring no candidates, ``query.initial_rows``), counted in every bound above.

    Returns the groups whose postings are read, in order (first those of the parts
    read, every name; then the pairing rounds), each group's pairing round (-1 for
    the parts read; ci for ``common[ci]``), ``common``, and the most names the
    reading can bring (one per posting read). ``scan_fast.scan`` reads them.
    """
    n_parts = len(off) - 1
    near_off = np.zeros(n_parts + 1, dtype=np.int64)
    for i in range(n_parts):
        k = off[i]
        while k < off[i + 1] and sims[k] >= lo:
            k += 1
        near_off[i + 1] = near_off[i] + k - off[i]
    near_g = np.empty(near_off[n_parts], dtype=np.int64)
    near_s = np.empty(near_off[n_parts])
    for i in range(n_parts):
        for t in range(near_off[i + 1] - near_off[i]):
            near_g[near_off[i] + t] = gids[off[i] + t]
            near_s[near_off[i] + t] = sims[off[i] + t]
    cheaper_first(near_g, near_s, near_off, post_len)
    cap = caps(near_s, near_off, qw, other)
    end = admissible(near_s, near_off, qw, cap, need)
    vols = np.zeros(n_parts, dtype=np.int64)
    for i in range(n_parts):
        for k in range(near_off[i], end[i]):
            vols[i] += post_len[near_g[k]]
    left, scanned, used = _plan(near_g, near_s, near_off, end, vols, post_len, budget)
    missed = 0.0  # the most a name not chosen so far can match
    pair_vols = np.full(n_parts, -1, dtype=np.int64)
    rest = 0
    for i in range(n_parts):
        missed += max(qw[i] * near_s[left[i]] if left[i] < end[i] else 0.0, other[i])
        if not scanned[i] and end[i] > near_off[i]:
            rest += 1
            pair_vols[i] = 0
            for k in range(near_off[i], end[i]):
                if near_s[k] < pair_similarity:
                    break
                pair_vols[i] += post_len[near_g[k]]
    pairing = rest >= 2 and (need <= 0.0 or missed >= need)
    common = np.argsort(pair_vols, kind="mergesort")[n_parts - rest:]
    paired = 0  # postings read for pairs: all but the largest common part's
    for ci in range(rest - 1):
        paired += pair_vols[common[ci]]
    must = essential(vols, cap, need, other)
    exact_cost = 0
    for i in must:
        exact_cost += vols[i]
    # cost in postings checked for a pair: a name read and pre-scored costs about
    # PRESCORE_COST of them
    exact = len(must) > 0 and PRESCORE_COST * exact_cost <= PRESCORE_COST * used + (
        paired if pairing else 0)
    pairing = pairing and not exact
    read = scanned.copy()  # the parts whose groups up to ``stop`` are read
    stop = left
    if exact:
        read[:] = False
        for i in must:
            read[i] = True
        stop = end
    size = exact_cost if exact else used + (paired if pairing else 0)
    # the groups to read, in order: first the parts read (every name), then the
    # pairing rounds (names holding a later common part)
    n_read = 0
    for i in range(n_parts):
        if read[i]:
            n_read += stop[i] - near_off[i]
    for ci in range(rest - 1 if pairing else 0):
        n_read += end[common[ci]] - near_off[common[ci]]
    order = np.empty(n_read, dtype=np.int64)
    pair_round = np.empty(n_read, dtype=np.int64)
    n_read = 0
    for x in range(n_parts + (rest - 1 if pairing else 0)):
        i, ci, last = (x, -1, stop[x]) if x < n_parts else (
            common[x - n_parts], x - n_parts, end[common[x - n_parts]])
        if ci < 0 and not read[i]:
            continue
        for k in range(near_off[i], last):
            if ci >= 0 and near_s[k] < pair_similarity:
                break
            order[n_read] = near_g[k]
            pair_round[n_read] = ci
            n_read += 1
    return order[:n_read], pair_round[:n_read], common, size
