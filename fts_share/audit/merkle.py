"""RFC 9162 §2.1 Merkle hash trees: hashing, inclusion and consistency proofs.

Pure functions, no I/O. Proof *generation* takes a ``range_hash(start, end)`` callback
returning MTH(D[start:end]), so the same code serves an in-memory list of leaf hashes
(:func:`list_range_hash`) and the database's node store (:mod:`fts_share.audit.log`,
which uses :func:`inclusion_ranges`, :func:`consistency_ranges` and
:func:`subtree_cover` to fetch every node it needs in one query).

Verifiers return ``None`` or raise :class:`~fts_share.audit.errors.VerificationError`
with an "expected X, got Y" message. They are strict: an index outside the tree, a proof
presented for another tree size, a hash of the wrong length, or a missing or extra
proof node is refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from fts_share.audit.errors import VerificationError

#: RFC 9162 §2.1.1: the hash of a leaf is HASH(0x00 || d(0)).
LEAF_PREFIX = b"\x00"
#: RFC 9162 §2.1.1: an interior node is HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n])).
NODE_PREFIX = b"\x01"
#: SHA-256 output length.
HASH_SIZE = 32
#: RFC 9162 §2.1.1: the hash of an empty list is the hash of an empty string.
EMPTY_ROOT = hashlib.sha256(b"").digest()

#: MTH(D[start:end]) for a half-open range of leaf indexes.
RangeHash = Callable[[int, int], bytes]


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d)."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """k, the largest power of two smaller than ``n`` (RFC 9162 §2.1.1; ``n > 1``)."""
    if n < 2:
        raise ValueError(f"split_point needs n > 1, got {n}")
    return 1 << ((n - 1).bit_length() - 1)


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of a list of leaf hashes (the empty list gives :data:`EMPTY_ROOT`).

    Pairs adjacent nodes level by level and carries an unpaired last node up, which
    yields exactly the RFC's largest-power-of-two split.
    """
    if not leaf_hashes:
        return EMPTY_ROOT
    level = list(leaf_hashes)
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def list_range_hash(leaf_hashes: Sequence[bytes]) -> RangeHash:
    """A ``range_hash`` over an in-memory list of leaf hashes."""
    return lambda start, end: root(leaf_hashes[start:end])


# --- which subtrees a proof is made of ---------------------------------------------


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The ranges [start, end) whose MTH form PATH(index, D[size]), in proof order.

    RFC 9162 §2.1.3.1: PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) if m < k, and
    PATH(m - k, D[k:n]) : MTH(D[0:k]) if m >= k; PATH(0, {d(0)}) = {}.
    """
    _check_index(index, size)
    path: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:  # descend from the root; the RFC's list is leaf-first
        k = split_point(end - start)
        if index < start + k:
            path.append((start + k, end))  # MTH(D[k:n])
            end = start + k
        else:
            path.append((start, start + k))  # MTH(D[0:k])
            start += k
    path.reverse()
    return path


def consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """The ranges whose MTH form PROOF(first, D[second]), in proof order.

    RFC 9162 §2.1.4.1: PROOF(m, D[n]) = SUBPROOF(m, D[n], true), where
    SUBPROOF(m, D[m], true) = {}, SUBPROOF(m, D[m], false) = {MTH(D[m])}, and for m < n
    SUBPROOF(m, D[n], b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n]) if m <= k, else
    SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]). A proof from the empty tree, or from
    a tree to itself, is empty.
    """
    if not 0 <= first <= second:
        raise ValueError(f"expected 0 <= first <= second, got first={first}, second={second}")
    if first in (0, second):
        return []
    proof: list[tuple[int, int]] = []
    m, start, end, whole = first, 0, second, True
    while True:
        n = end - start
        if m == n:
            if not whole:
                proof.append((start, end))  # SUBPROOF(m, D[m], false) = {MTH(D[m])}
            break
        k = split_point(n)
        if m <= k:
            proof.append((start + k, end))  # ... : MTH(D[k:n])
            end = start + k
        else:
            proof.append((start, start + k))  # ... : MTH(D[0:k])
            start, m, whole = start + k, m - k, False
    proof.reverse()
    return proof


def subtree_cover(start: int, end: int) -> list[tuple[int, int]]:
    """The complete subtrees (level, index) whose fold is MTH(D[start:end]), left to right.

    A complete subtree at ``level`` and ``index`` covers leaves
    [index * 2**level, (index + 1) * 2**level). Every range that appears in an RFC
    9162 proof, and every prefix [0, n), decomposes into aligned complete subtrees.
    """
    if not 0 <= start < end:
        raise ValueError(f"expected 0 <= start < end, got start={start}, end={end}")
    cover: list[tuple[int, int]] = []
    while start < end:
        n = end - start
        width = n if n & (n - 1) == 0 else split_point(n)
        level = width.bit_length() - 1
        if start % width:
            raise ValueError(f"range [{start}, {end}) is not made of aligned subtrees")
        cover.append((level, start >> level))
        start += width
    return cover


def fold_cover(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from the hashes of its :func:`subtree_cover`, folding from the right."""
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for left in reversed(hashes[:-1]):
        acc = node_hash(left, acc)
    return acc


# --- generation --------------------------------------------------------------------


def inclusion_proof(index: int, size: int, range_hash: RangeHash) -> list[bytes]:
    """PATH(index, D[size]) (RFC 9162 §2.1.3.1)."""
    return [range_hash(s, e) for s, e in inclusion_ranges(index, size)]


def consistency_proof(first: int, second: int, range_hash: RangeHash) -> list[bytes]:
    """PROOF(first, D[second]) (RFC 9162 §2.1.4.1)."""
    return [range_hash(s, e) for s, e in consistency_ranges(first, second)]


# --- verification ------------------------------------------------------------------


def root_from_inclusion_proof(*, leaf_hash: bytes, index: int, size: int,
                              proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` implies for ``leaf_hash`` at ``index`` (RFC 9162 §2.1.3.2).

    Raises :class:`VerificationError` for an index outside the tree or a malformed proof.
    """
    # 1. Compare leaf_index against tree_size: index >= size fails.
    if not (_is_int(index) and _is_int(size)) or not 0 <= index < size:
        raise VerificationError(f"inclusion proof: expected 0 <= index < size, "
                                f"got index={index!r}, size={size!r}")
    _check_hash("leaf hash", leaf_hash)
    _check_proof_shape("inclusion proof", proof, len(inclusion_ranges(index, size)))
    # 2. Set fn to leaf_index and sn to tree_size - 1.
    fn, sn = index, size - 1
    # 3. Set r to hash.
    r = leaf_hash
    # 4. For each value p in the inclusion_path array:
    for p in proof:
        if sn == 0:  # ... if sn is 0, stop and fail.
            raise VerificationError("inclusion proof: expected no more nodes, got extra nodes")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)  # 4.1 r = HASH(0x01 || p || r)
            if not fn & 1:  # 4.2 shift until LSB(fn) is set or fn is 0
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)  # otherwise r = HASH(0x01 || r || p)
        fn, sn = fn >> 1, sn >> 1  # finally shift both once
    # 5. Compare sn to 0 (r against the root is the caller's step).
    if sn != 0:
        raise VerificationError("inclusion proof: expected more nodes, got too few")
    return r


def verify_inclusion(*, leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes],
                     root: bytes) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` with ``root``."""
    _check_hash("root", root)
    computed = root_from_inclusion_proof(leaf_hash=leaf_hash, index=index, size=size,
                                         proof=proof)
    # 5. (cont.) r must equal root_hash.
    if computed != root:
        raise VerificationError(f"inclusion proof: expected root {root.hex()}, "
                                f"got {computed.hex()}")


def verify_consistency(*, first: int, second: int, first_root: bytes, second_root: bytes,
                       proof: Sequence[bytes]) -> None:
    """Check that the tree of size ``first`` is a prefix of the tree of size ``second``.

    RFC 9162 §2.1.4.2 for 0 < first < second. For first == second the proof must be
    empty and the roots equal; for first == 0 the proof must be empty and ``first_root``
    the empty-tree hash.
    """
    if not (_is_int(first) and _is_int(second)) or not 0 <= first <= second:
        raise VerificationError(f"consistency proof: expected 0 <= first <= second, "
                                f"got first={first!r}, second={second!r}")
    _check_hash("first root", first_root)
    _check_hash("second root", second_root)
    _check_proof_shape("consistency proof", proof, len(consistency_ranges(first, second)))
    if first == second:
        if first_root != second_root:
            raise VerificationError(f"consistency proof: expected equal roots for equal "
                                    f"sizes, got {first_root.hex()} and {second_root.hex()}")
        return
    if first == 0:
        if first_root != EMPTY_ROOT:
            raise VerificationError(f"consistency proof: expected empty-tree root "
                                    f"{EMPTY_ROOT.hex()}, got {first_root.hex()}")
        return
    fr, sr = _consistency_roots(first, second, first_root, proof)
    # 7. (cont.) fr must equal first_hash and sr second_hash.
    if fr != first_root:
        raise VerificationError(f"consistency proof: expected first root {first_root.hex()}, "
                                f"got {fr.hex()}")
    if sr != second_root:
        raise VerificationError(f"consistency proof: expected second root "
                                f"{second_root.hex()}, got {sr.hex()}")


def _consistency_roots(first: int, second: int, first_root: bytes,
                       proof: Sequence[bytes]) -> tuple[bytes, bytes]:
    """Steps 1 to 7 of RFC 9162 §2.1.4.2 for 0 < first < second: the roots (fr, sr)
    that ``proof`` implies; raises :class:`VerificationError` if sn does not end at 0."""
    # 1. An empty consistency_path fails (guaranteed non-empty by the shape check).
    path = list(proof)
    # 2. If first is an exact power of 2, prepend first_hash to the path.
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    # 3. Set fn to first - 1 and sn to second - 1.
    fn, sn = first - 1, second - 1
    # 4. If LSB(fn) is set, right-shift fn and sn equally until it is not.
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    # 5. Set both fr and sr to the first value in the path.
    fr = sr = path[0]
    # 6. For each subsequent value c in the path:
    for c in path[1:]:
        if sn == 0:  # ... if sn is 0, stop and fail.
            raise VerificationError("consistency proof: expected no more nodes, got extra nodes")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)  # 6.1
            sr = node_hash(c, sr)  # 6.2
            if not fn & 1:  # 6.3 shift until LSB(fn) is set or fn is 0
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)  # otherwise sr = HASH(0x01 || sr || c)
        fn, sn = fn >> 1, sn >> 1  # finally shift both once
    # 7. sn must be 0.
    if sn != 0:
        raise VerificationError("consistency proof: expected more nodes, got too few")
    return fr, sr


# --- helpers -----------------------------------------------------------------------


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_index(index: int, size: int) -> None:
    if not (_is_int(index) and _is_int(size)) or not 0 <= index < size:
        raise ValueError(f"expected 0 <= index < size, got index={index!r}, size={size!r}")


def _check_hash(what: str, value: object) -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        got = f"{len(value)} bytes" if isinstance(value, bytes) else type(value).__name__
        raise VerificationError(f"{what}: expected {HASH_SIZE} bytes, got {got}")


def _check_proof_shape(what: str, proof: Sequence[bytes], expected: int) -> None:
    if isinstance(proof, (bytes, str)) or not isinstance(proof, Sequence):
        raise VerificationError(f"{what}: expected a list of hashes, got {type(proof).__name__}")
    if len(proof) != expected:
        raise VerificationError(f"{what}: expected {expected} hashes, got {len(proof)}")
    for i, node in enumerate(proof):
        _check_hash(f"{what} node {i}", node)
