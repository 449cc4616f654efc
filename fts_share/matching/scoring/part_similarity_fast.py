"""Compiled part similarity (numba, compiled on first use and cached): the numbers of
``part_similarity_ref.part_similarity``, integer for integer, over strings given as code
points.

Strings are laid out flat: string ``s`` is ``codes[start[s]:start[s + 1]]``, and a
reading ``r`` (a :class:`~fts_share.matching.text.forms.Form`) is the pair of strings
``2r`` (its skeleton) and ``2r + 1`` (its ``full``).

The metrics are rapidfuzz's: the Levenshtein distance (unit costs) normalised as
``1 - d / max(len)`` (1 for two empty strings), and the length of the longest common
subsequence. A pattern of at most 64 ASCII letters (every bridged form: the key space
is a small ASCII alphabet) is compared bit-parallel, one machine word per text
letter (Hyyrö's Levenshtein, Allison-Dix LCS); anything else by the textbook dynamic
programme. Both give the same integers, so the same doubles.

This is the compiled twin of ``part_similarity_ref`` (the readable reference,
rapidfuzz); tests hold the two equal (tests/matching/test_ref_fast.py).

Complexity over 15, kept (a compiled kernel): ``pairs`` (16): the pruned loop over
pairs of readings, with its two bounds; a compiled call per pair, with its many
array arguments, cost several times a pruned pair.
"""

from __future__ import annotations

from itertools import accumulate

import numpy as np

from fts_share.matching.jit import njit

#: pattern letters below this code point get a match mask (see ``masks``)
ALPHABET = 128


def encode(strings: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Flat code points and starts (one more than strings) of ``strings``."""
    start = np.fromiter(accumulate(map(len, strings), initial=0), dtype=np.int64,
                        count=len(strings) + 1)
    codes = np.frombuffer("".join(strings).encode("utf-32-le"), dtype=np.uint32)
    return codes, start


@njit(cache=True, nogil=True)
def masks(codes: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per string: its match masks (bit j of ``pm[s, c]`` set when letter j is ``c``)
    and whether it can be a bit-parallel pattern (ASCII, at most 64 letters)."""
    n = len(start) - 1
    pm = np.zeros((n, ALPHABET), dtype=np.uint64)
    ok = np.ones(n, dtype=np.bool_)
    for s in range(n):
        a, b = start[s], start[s + 1]
        if b - a > 64:
            ok[s] = False
            continue
        for j in range(b - a):
            c = codes[a + j]
            if c >= ALPHABET:
                ok[s] = False
                break
            pm[s, c] |= np.uint64(1) << np.uint64(j)
    return pm, ok


@njit(cache=True, nogil=True, inline="always")
def _popcount(x: np.uint64) -> int:
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return int((x * np.uint64(0x0101010101010101)) >> np.uint64(56))


@njit(cache=True, nogil=True, inline="always")
def levenshtein(a: np.ndarray, a0: int, m: int, b: np.ndarray, b0: int, n: int,
                pm: np.ndarray, p: int, bit_parallel: bool) -> int:
    """Levenshtein distance of ``a[a0:a0 + m]`` and ``b[b0:b0 + n]`` (``pm[p]``: the
    masks of the first, used when ``bit_parallel``)."""
    if m == 0 or n == 0:
        return m + n
    if bit_parallel:
        one = np.uint64(1)
        vp = ~np.uint64(0) if m == 64 else (one << np.uint64(m)) - one
        vn = np.uint64(0)
        last = one << np.uint64(m - 1)
        dist = m
        for j in range(b0, b0 + n):
            c = b[j]
            x = (pm[p, c] if c < ALPHABET else np.uint64(0)) | vn
            d0 = (((x & vp) + vp) ^ vp) | x
            hp = vn | ~(d0 | vp)
            hn = d0 & vp
            if hp & last:
                dist += 1
            elif hn & last:
                dist -= 1
            hp = (hp << one) | one
            hn = hn << one
            vp = hn | ~(d0 | hp)
            vn = hp & d0
        return dist
    row = np.arange(n + 1)
    for i in range(1, m + 1):
        diag = row[0]
        row[0] = i
        for j in range(1, n + 1):
            up = row[j]
            cost = diag + (a[a0 + i - 1] != b[b0 + j - 1])
            row[j] = min(cost, up + 1, row[j - 1] + 1)
            diag = up
    return int(row[n])


@njit(cache=True, nogil=True, inline="always")
def lcs(a: np.ndarray, a0: int, m: int, b: np.ndarray, b0: int, n: int, pm: np.ndarray,
        p: int, bit_parallel: bool) -> int:
    """Length of the longest common subsequence of ``a[a0:a0 + m]`` and
    ``b[b0:b0 + n]`` (arguments as for ``levenshtein``)."""
    if m == 0 or n == 0:
        return 0
    if bit_parallel:
        s = ~np.uint64(0)
        for j in range(b0, b0 + n):
            c = b[j]
            if c < ALPHABET:
                u = s & pm[p, c]
                s = (s + u) | (s - u)
        full = ~np.uint64(0) if m == 64 else (np.uint64(1) << np.uint64(m)) - np.uint64(1)
        return _popcount(~s & full)
    row = np.zeros(n + 1, dtype=np.int64)
    for i in range(1, m + 1):
        diag = 0
        for j in range(1, n + 1):
            up = row[j]
            if a[a0 + i - 1] == b[b0 + j - 1]:
                row[j] = diag + 1
            elif row[j - 1] > up:
                row[j] = row[j - 1]
            diag = up
    return int(row[n])


@njit(cache=True, nogil=True, inline="always")
def _lev_similarity(a: np.ndarray, a0: int, m: int, b: np.ndarray, b0: int, n: int,
                    pm: np.ndarray, p: int, bit_parallel: bool) -> float:
    longest = max(m, n)
    if longest == 0:
        return 1.0
    return 1.0 - levenshtein(a, a0, m, b, b0, n, pm, p, bit_parallel) / longest


@njit(cache=True, nogil=True, inline="always")
def _length_bound(la: int, lb: int) -> float:
    """The most ``_lev_similarity`` can be for strings of these lengths."""
    longest = max(la, lb)
    return 1.0 if longest == 0 else 1.0 - abs(la - lb) / longest


#: ``fill_missing``'s marks in a query's similarity table for a pair under the
#: alignment floor: at least ``other_name_similarity`` alike, or less (clearly another
#: name); negative, so that nothing reading the table as similarities counts them
UNDER_FLOOR, OTHER_NAME = -1.0, -2.0


@njit(cache=True, nogil=True, inline="always")
def _starts_with(a_codes: np.ndarray, a_start: np.ndarray, a_first: int, a_count: int,
                 b_codes: np.ndarray, b_start: np.ndarray, b_first: int, b_count: int,
                 lead: int) -> bool:
    """Whether a reading of the initial (readings ``a_first`` on, one letter each) is
    the first letter of a reading of the other part, or ``lead`` (> 0: the letter the
    other part's kind starts with, whatever its readings)."""
    for k in range(a_first, a_first + a_count):
        c = a_codes[a_start[2 * k + 1]]
        if lead > 0:
            if c == lead:
                return True
            continue
        for r in range(b_first, b_first + b_count):
            if b_start[2 * r + 2] > b_start[2 * r + 1] and b_codes[b_start[2 * r + 1]] == c:
                return True
    return False


@njit(cache=True, nogil=True, inline="always")
def _initial(q: int, g: int, q_codes: np.ndarray, q_start: np.ndarray,
             q_first: np.ndarray, q_kind: np.ndarray, codes: np.ndarray,
             start: np.ndarray, first: np.ndarray, count: np.ndarray, kind: np.ndarray,
             initial_kind: int, kind_lead: np.ndarray, alike: float) -> float:
    """``part_similarity_ref.initial_similarity`` of query group q and table group g,
    one of which at least is an initial (kind ``initial_kind``; ``kind_lead``: per
    kind, the code point its parts start with, or 0)."""
    qk, gk = q_kind[q], kind[g]
    if qk == initial_kind and gk == initial_kind:
        a0, a1 = q_start[2 * q_first[q] + 1], q_start[2 * q_first[q] + 2]
        b0, b1 = start[2 * first[g] + 1], start[2 * first[g] + 2]
        if a1 - a0 != b1 - b0:
            return 0.0
        for k in range(a1 - a0):
            if q_codes[a0 + k] != codes[b0 + k]:
                return 0.0
        return 1.0
    if qk == initial_kind:
        found = _starts_with(q_codes, q_start, q_first[q], q_first[q + 1] - q_first[q],
                             codes, start, first[g], count[g], kind_lead[gk])
    else:
        found = _starts_with(codes, start, first[g], count[g], q_codes, q_start,
                             q_first[q], q_first[q + 1] - q_first[q],
                             kind_lead[qk] if qk >= 0 else 0)
    return alike if found else 0.0


@njit(cache=True, nogil=True)
def pairs(qi: np.ndarray, gi: np.ndarray, q_codes: np.ndarray, q_start: np.ndarray,
          q_first: np.ndarray, q_arabic: np.ndarray, q_kind: np.ndarray,
          q_full_id: np.ndarray, codes: np.ndarray, start: np.ndarray, first: np.ndarray,
          count: np.ndarray, arabic: np.ndarray, kind: np.ndarray, full_id: np.ndarray,
          skeleton_weight: float, compound_mismatch: float, floor: float,
          initial_kind: int, kind_lead: np.ndarray, initial: float) -> np.ndarray:
    """``part_similarity`` of query group ``qi[t]`` and table group ``gi[t]`` for every
    t, or 0 where it is under ``floor`` (an initial, kind ``initial_kind``: ``_initial``
    with ``kind_lead`` and ``initial``, ``MatchConfig.initial_similarity``).

    A query group ``q`` has the readings ``q_first[q]`` up to ``q_first[q + 1]``; the
    result is the best pair of readings, scaled when the kinds differ. A pair of
    readings is not compared when a bound (from the lengths, then from the skeleton
    similarity) shows that it can beat neither the best pair so far nor ``floor``.
    (One loop over the pairs: a compiled call per pair, with its many array
    arguments, cost several times a pruned pair.)"""
    q_pm, q_ok = masks(q_codes, q_start)
    w = skeleton_weight
    out = np.empty(len(qi))
    for t in range(len(qi)):
        q, g = qi[t], gi[t]
        if q_kind[q] == initial_kind or kind[g] == initial_kind:
            s = _initial(q, g, q_codes, q_start, q_first, q_kind, codes, start, first,
                         count, kind, initial_kind, kind_lead, initial)
            out[t] = s if s >= floor else 0.0
            continue
        scale = 1.0 if q_kind[q] == kind[g] else compound_mismatch
        target = floor / scale - 1e-9  # a pair below this cannot make the result count
        best = 0.0
        cross = q_arabic[q] != arabic[g]
        for k in range(q_first[q], q_first[q + 1]):
            qs, qf = 2 * k, 2 * k + 1
            as0, asn = q_start[qs], q_start[qs + 1] - q_start[qs]
            af0, afn = q_start[qf], q_start[qf + 1] - q_start[qf]
            for r in range(first[g], first[g] + count[g]):
                if q_full_id[k] >= 0 and q_full_id[k] == full_id[r]:
                    best = 1.0
                    break
                need = max(best, target)
                bs0, bsn = start[2 * r], start[2 * r + 1] - start[2 * r]
                bf0, bfn = start[2 * r + 1], start[2 * r + 2] - start[2 * r + 1]
                arabic_len = afn if q_arabic[q] else bfn
                if cross and not (asn > 0 and bsn > 0 and q_codes[as0] == codes[bs0]):
                    # (skeletons that start apart: the Latin consonants count too)
                    arabic_len = max(arabic_len, bsn if q_arabic[q] else asn)
                if cross:
                    most = min(afn, bfn) / max(1, arabic_len)
                else:
                    most = _length_bound(afn, bfn)
                if w * _length_bound(asn, bsn) + (1.0 - w) * most < need:
                    continue
                skel = _lev_similarity(q_codes, as0, asn, codes, bs0, bsn, q_pm, qs,
                                       q_ok[qs])
                if w * skel + (1.0 - w) * most < need:
                    continue
                if not cross:
                    vowels = _lev_similarity(q_codes, af0, afn, codes, bf0, bfn, q_pm, qf,
                                             q_ok[qf])
                else:
                    vowels = lcs(q_codes, af0, afn, codes, bf0, bfn, q_pm, qf,
                                 q_ok[qf]) / max(1, arabic_len)
                s = w * skel + (1.0 - w) * vowels
                if s > best:  # noqa: PLR1730 (a compiled loop: stores only when larger)
                    best = s
            if best >= 1.0:
                break
        if scale != 1.0:
            best = best * scale
        out[t] = best if best >= floor else 0.0
    return out


@njit(cache=True, nogil=True)
def fill_missing(rows: np.ndarray, groups: np.ndarray, n_parts: int, q_codes: np.ndarray,
                 q_start: np.ndarray, q_first: np.ndarray, q_arabic: np.ndarray,
                 q_kind: np.ndarray, q_full_id: np.ndarray, codes: np.ndarray,
                 start: np.ndarray, first: np.ndarray, count: np.ndarray,
                 arabic: np.ndarray, kind: np.ndarray, full_id: np.ndarray,
                 skeleton_weight: float, compound_mismatch: float, floor: float,
                 near: float, initial_kind: int, kind_lead: np.ndarray,
                 initial: float) -> None:
    """Where ``rows[g, i]`` is 0 for a group g of ``groups`` and a query part i (query
    group i), set it to their ``pairs`` similarity (0 under ``floor``; with ``near`` at
    least 0 (at most ``floor``), under ``floor``: ``OTHER_NAME`` under ``near``, neither
    part a single letter, else ``UNDER_FLOOR``, for ``name_score_fast._other_names``:
    both negative, so never aligned)."""
    qi = np.empty(len(groups) * n_parts, dtype=np.int64)
    gi = np.empty(len(groups) * n_parts, dtype=np.int64)
    n_pairs = 0
    for g in groups:
        for i in range(n_parts):
            if rows[g, i] == 0.0:
                qi[n_pairs] = i
                gi[n_pairs] = g
                n_pairs += 1
    values = pairs(qi[:n_pairs], gi[:n_pairs], q_codes, q_start, q_first, q_arabic, q_kind,
                   q_full_id, codes, start, first, count, arabic, kind, full_id,
                   skeleton_weight, compound_mismatch, floor if near < 0 else min(floor, near),
                   initial_kind, kind_lead, initial)
    for t in range(n_pairs):
        v = values[t]
        if near >= 0 and v < floor:
            q, g = qi[t], gi[t]
            letter = _letter(q_start, q_first[q], q_first[q + 1]) or _letter(
                start, first[g], first[g] + count[g])
            v = OTHER_NAME if v == 0.0 and not letter else UNDER_FLOOR
        rows[gi[t], qi[t]] = v


@njit(cache=True, nogil=True, inline="always")
def _letter(start: np.ndarray, lo: int, hi: int) -> bool:
    """Whether the readings ``lo`` to ``hi`` (their ``full`` strings) are one letter at
    most each (an initial, ``name_score_ref._letter``)."""
    for k in range(lo, hi):
        if start[2 * k + 2] - start[2 * k + 1] > 1:
            return False
    return True
