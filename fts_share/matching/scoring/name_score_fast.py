"""The compiled name score (numba, compiled on first use and cached): ``scores`` is
the arithmetic of ``name_score_ref.score_names`` operation for operation (greedy
alignment, best similarity first, ties to the earlier query part then the earlier
record part; coverage, with a name held whole weighted as ``_whole_name`` says, and
a pair with an initial covering the smaller weight; information; the given-name
conflict, with the nasab shift; the part substitutions, also with a family name
written first; the patronymic conflict; the other-name conflict, from the marks
``part_similarity_fast.fill_missing`` puts in ``rows``; a name aligned only by
initials scores 0), so it gives the same IEEE doubles (no fast-math) for the same part
similarities.

The names are read off the index's CSR layout (``name_start``, ``name_len``,
``flat_pids``, ``part_group``), the part similarities off the query's table:
``rows[g, i]`` is the similarity of query part i to group g when it is at least the
alignment floor, else 0.

Complexity over 15, kept (a compiled kernel): ``scores`` (31): the greedy alignment
and the coverage of ``score_names`` in one loop over preallocated arrays; split into
calls it would allocate and call per candidate name, and the reference it must
equal is ``score_names`` itself.
"""

from __future__ import annotations

import numpy as np

from fts_share.matching.jit import njit
from fts_share.matching.scoring.part_similarity_fast import OTHER_NAME


@njit(cache=True, nogil=True)
def scores(names: np.ndarray, rows: np.ndarray, n_parts: int, qw: np.ndarray, sq: float,
           q_given: int, name_start: np.ndarray, name_len: np.ndarray,
           flat_pids: np.ndarray, part_group: np.ndarray, part_weight: np.ndarray,
           part_given: np.ndarray, floor: float, best_side: float,
           information_scale: float, information_floor: float,
           given_name_conflict: float, part_conflict: float,
           conflict_similarity: float, known_weight: float,
           known_floor: float, known_pair_weight: float,
           lone_best_side: float, q_patronymics: np.ndarray,
           patronymic_conflict: float, whole_best_side: float,
           whole_similarity: float, other_conflict: float, q_initial: np.ndarray
           ) -> np.ndarray:
    """The name score of ``name_score_ref.score_names`` for each name (q_given < 0: the query
    has no given name; ``known_floor``, ``known_pair_weight``: the options of that
    name; ``part_given``: bit 1 for a given name, 2 for a patronymic, 4 for an
    initial; ``q_patronymics``: per query part, whether it is a patronymic (the
    conflict counts when either name holds one; a patronymic is never aligned with a
    given name); ``whole_best_side``: the higher best-side weight when a name is held
    whole, ``_whole_name``; ``other_conflict``: ``other_name_conflict``, read from
    ``rows`` as ``_other_names`` says; ``q_initial``: per query part, whether it is an
    initial)."""
    out = np.empty(len(names))
    used_q = np.zeros(n_parts, dtype=np.bool_)
    width = 1
    for name in names:
        width = max(width, name_len[name])
    used_r = np.zeros(width, dtype=np.bool_)
    q_to = np.full(n_parts, -1, dtype=np.int64)
    r_to = np.full(width, -1, dtype=np.int64)
    q_sim = np.zeros(n_parts)
    q_patronymic = q_patronymics.any()
    for n in range(len(names)):
        name = names[n]
        start, length = name_start[name], name_len[name]
        for i in range(n_parts):
            used_q[i] = False
        for j in range(length):
            used_r[j] = False
        got_q = got_r = info = 0.0
        n_aligned, n_spelt, least, uncommon = 0, 0, 2.0, False
        while True:  # greedy: best pair first, ties to the earlier query then record part
            best, bi, bj = -1.0, -1, -1
            for i in range(n_parts):
                if used_q[i]:
                    continue
                for j in range(length):
                    if used_r[j]:
                        continue
                    pid = flat_pids[start + j]
                    s = rows[part_group[pid], i]
                    if s >= floor and s > best and (
                            s >= known_floor or qw[i] >= known_pair_weight
                            or part_weight[pid] >= known_pair_weight
                            or q_initial[i] or (part_given[pid] & 4) != 0) and not (
                            (q_patronymics[i] and (part_given[pid] & 1) != 0)
                            or (i == q_given and (part_given[pid] & 2) != 0)):
                        best, bi, bj = s, i, j
            if bi < 0:
                break
            used_q[bi] = True
            used_r[bj] = True
            q_to[bi] = bj
            r_to[bj] = bi
            pid = flat_pids[start + bj]
            wq = qw[bi]
            wr = part_weight[pid]
            spelt = not (q_initial[bi] or (part_given[pid] & 4) != 0)
            q_sim[bi] = best if wq < known_weight and wr < known_weight and spelt else 2.0
            if spelt:
                n_spelt += 1
                got_q += wq * best
                got_r += wr * best
            else:  # (an initial covers only the smaller weight, on each side)
                got_q += min(wq, wr) * best
                got_r += min(wq, wr) * best
            info += min(wq, wr) * best
            n_aligned += 1
            least = min(least, best)
            uncommon = uncommon or min(wq, wr) >= known_pair_weight
        sr = 0.0
        r_given = -1
        r_patronymic = False
        for j in range(length):
            pid = flat_pids[start + j]
            sr += part_weight[pid]
            if r_given < 0 and (part_given[pid] & 1) != 0:
                r_given = j
            r_patronymic = r_patronymic or (part_given[pid] & 2) != 0
        cov_q = got_q / sq if sq else 0.0
        cov_r = got_r / sr if sr else 0.0
        hi, lo = max(cov_q, cov_r), min(cov_q, cov_r)
        side = best_side
        if (n_parts if cov_q >= cov_r else length) == 1:
            side = lone_best_side
        elif n_aligned >= 2 and (n_aligned == n_parts or n_aligned == length) \
                and least >= whole_similarity and uncommon:
            side = max(side, whole_best_side)
        coverage = side * hi + (1 - side) * lo
        information = min(1.0, info / information_scale)
        score = coverage * (information_floor + (1 - information_floor) * information)
        if q_given >= 0 and r_given >= 0 and n_parts > 1 and length > 1:
            # a given name aligned with the part after the other side's unaligned
            # given name is the nasab shifted by a generation: not aligned either
            # (or crossed: each given name aligned with the part after the other's,
            # or with any later part but the other name's last: a family name first)
            crossed = False
            if used_q[q_given] and used_r[r_given]:
                there, back = q_to[q_given], r_to[r_given]
                moved = (there == length - 1 and there != r_given + 1) or (
                    back == n_parts - 1 and back != q_given + 1)
                crossed = (there == r_given + 1 and back == q_given + 1) or (
                    there > r_given and back > q_given and not moved)
            q_ok = used_q[q_given] and not crossed and not (
                q_to[q_given] == r_given + 1 and not used_r[r_given])
            r_ok = used_r[r_given] and not crossed and not (
                r_to[r_given] == q_given + 1 and not used_q[q_given])
            missing = (0 if q_ok else 1) + (0 if r_ok else 1)
            score -= given_name_conflict * missing / 2
        if part_conflict > 0:
            score -= part_conflict * _substitutions(used_q, q_to, q_sim, n_parts, length,
                                                    conflict_similarity)
        if q_patronymic or r_patronymic:
            score -= patronymic_conflict * _substitutions(used_q, q_to, q_sim, n_parts,
                                                          length, 0.0)
        if other_conflict > 0:
            score -= other_conflict * _other_names(used_q, q_to, n_parts, length, rows,
                                                   part_group, flat_pids, start)
        out[n] = min(1.0, max(0.0, score)) if n_spelt else 0.0
    return out


@njit(cache=True, nogil=True)
def _other_names(used_q: np.ndarray, q_to: np.ndarray, n_parts: int, length: int,
                 rows: np.ndarray, part_group: np.ndarray, flat_pids: np.ndarray,
                 start: int) -> int:
    """``name_score_ref.other_names`` of one alignment: a pair of parts is clearly
    another name where ``rows`` holds ``OTHER_NAME`` (compared: less than
    ``other_name_similarity`` alike, neither a single letter,
    ``part_similarity_fast.fill_missing``); 0 (not compared) is not."""
    for shift in (0, 1, length - 1):
        if _facing(used_q, q_to, n_parts, length, shift) < 0:
            continue
        count, last_i, last_j = 0, -1, -1
        for i in range(n_parts):
            if not used_q[i]:
                continue
            j = (q_to[i] + shift) % length
            if last_i >= 0 and last_i + 1 < i and last_j + 1 < j:
                other = True
                for a in range(last_i + 1, i):
                    for b in range(last_j + 1, j):
                        pid = flat_pids[start + (b - shift) % length]
                        other = other and rows[part_group[pid], a] == OTHER_NAME
                if other:
                    count += min(i - last_i - 1, j - last_j - 1)
            last_i, last_j = i, j
        return count
    return 0


@njit(cache=True, nogil=True)
def _substitutions(used_q: np.ndarray, q_to: np.ndarray, q_sim: np.ndarray,
                   n_parts: int, length: int, below: float) -> int:
    """``name_score_ref.substitutions`` of one alignment (``q_to[i]``: the record part
    of aligned query part i, ``q_sim[i]`` their similarity, 2 when either part is not
    known to the lists)."""
    weak, aligned = 0, False
    for i in range(n_parts):
        if used_q[i]:
            aligned = True
            if q_sim[i] < below:
                weak += 1
    if not aligned:
        return 0
    for shift in (0, 1, length - 1):
        count = _facing(used_q, q_to, n_parts, length, shift)
        if count >= 0:
            return weak + count
    return weak


@njit(cache=True, nogil=True)
def _facing(used_q: np.ndarray, q_to: np.ndarray, n_parts: int, length: int,
            shift: int) -> int:
    """``name_score_ref._facing`` of one alignment."""
    count, last_i, last_j = 0, -1, -1
    for i in range(n_parts):
        if not used_q[i]:
            continue
        j = (q_to[i] + shift) % length
        if last_i >= 0:
            if j <= last_j:
                return -1
            count += min(i - last_i - 1, j - last_j - 1)
        last_i, last_j = i, j
    return count + min(n_parts - 1 - last_i, length - 1 - last_j)
