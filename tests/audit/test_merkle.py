"""RFC 9162 §2.1 hashing and proofs: published reference vectors and properties."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fts_share.audit import merkle
from fts_share.audit.errors import VerificationError
from fts_share.errors import FtsError

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "audit" /
                      "rfc6962_reference.json").read_text())
LEAVES = [merkle.leaf_hash(bytes.fromhex(x)) for x in VECTORS["leaf_inputs"]]
H = bytes.fromhex


def test_prefixes_and_empty_tree():
    assert merkle.LEAF_PREFIX == b"\x00" and merkle.NODE_PREFIX == b"\x01"
    assert merkle.root([]) == merkle.EMPTY_ROOT == H(VECTORS["roots"][0])
    assert issubclass(VerificationError, FtsError)


@pytest.mark.parametrize("size", range(9))
def test_reference_roots(size):
    assert merkle.root(LEAVES[:size]).hex() == VECTORS["roots"][size]


def test_reference_node_hashes():
    for level, row in enumerate(VECTORS["node_hashes"]):
        for i, want in enumerate(row):
            assert merkle.root(LEAVES[i << level:(i + 1) << level]).hex() == want


@pytest.mark.parametrize("case", VECTORS["inclusion"], ids=lambda c: f"{c['index']}-{c['size']}")
def test_reference_inclusion(case):
    i, n = case["index"], case["size"]
    proof = merkle.inclusion_proof(i, n, merkle.list_range_hash(LEAVES))
    assert [p.hex() for p in proof] == case["path"]
    merkle.verify_inclusion(leaf_hash=LEAVES[i], index=i, size=n, proof=proof,
                            root=H(VECTORS["roots"][n]))


@pytest.mark.parametrize("case", VECTORS["consistency"], ids=lambda c: f"{c['first']}-{c['second']}")
def test_reference_consistency(case):
    m, n = case["first"], case["second"]
    proof = merkle.consistency_proof(m, n, merkle.list_range_hash(LEAVES))
    assert [p.hex() for p in proof] == case["path"]
    merkle.verify_consistency(first=m, second=n, first_root=H(VECTORS["roots"][m]),
                              second_root=H(VECTORS["roots"][n]), proof=proof)


def test_strict_inclusion_errors():
    root8 = H(VECTORS["roots"][8])
    proof = merkle.inclusion_proof(5, 8, merkle.list_range_hash(LEAVES))
    with pytest.raises(VerificationError, match="expected 0 <= index < size, got index=8"):
        merkle.verify_inclusion(leaf_hash=LEAVES[5], index=8, size=8, proof=proof, root=root8)
    with pytest.raises(VerificationError, match="expected 3 hashes, got 2"):
        merkle.verify_inclusion(leaf_hash=LEAVES[5], index=5, size=8, proof=proof[:2], root=root8)
    with pytest.raises(VerificationError, match="expected 3 hashes, got 4"):
        merkle.verify_inclusion(leaf_hash=LEAVES[5], index=5, size=8, proof=proof + [root8],
                                root=root8)
    with pytest.raises(VerificationError, match="expected 32 bytes, got 3 bytes"):
        merkle.verify_inclusion(leaf_hash=b"abc", index=5, size=8, proof=proof, root=root8)
    with pytest.raises(VerificationError, match=f"expected root {root8.hex()}, got "):
        merkle.verify_inclusion(leaf_hash=LEAVES[4], index=5, size=8, proof=proof, root=root8)
    # The proof presented for another tree size (with that tree's root).
    with pytest.raises(VerificationError):
        merkle.verify_inclusion(leaf_hash=LEAVES[5], index=5, size=7, proof=proof,
                                root=H(VECTORS["roots"][7]))


def test_strict_consistency_errors():
    r = [H(x) for x in VECTORS["roots"]]
    proof = merkle.consistency_proof(6, 8, merkle.list_range_hash(LEAVES))
    with pytest.raises(VerificationError, match="expected 0 <= first <= second"):
        merkle.verify_consistency(first=8, second=6, first_root=r[8], second_root=r[6], proof=proof)
    with pytest.raises(VerificationError, match="expected 0 hashes, got 3"):
        merkle.verify_consistency(first=8, second=8, first_root=r[8], second_root=r[8], proof=proof)
    with pytest.raises(VerificationError, match="expected equal roots"):
        merkle.verify_consistency(first=8, second=8, first_root=r[7], second_root=r[8], proof=[])
    with pytest.raises(VerificationError, match="expected empty-tree root"):
        merkle.verify_consistency(first=0, second=8, first_root=r[7], second_root=r[8], proof=[])
    with pytest.raises(VerificationError, match="expected first root"):
        merkle.verify_consistency(first=6, second=8, first_root=r[5], second_root=r[8], proof=proof)
    with pytest.raises(VerificationError, match="expected second root"):
        merkle.verify_consistency(first=6, second=8, first_root=r[6], second_root=r[7], proof=proof)
    with pytest.raises(VerificationError):  # presented for another second tree
        merkle.verify_consistency(first=6, second=7, first_root=r[6], second_root=r[7], proof=proof)
    merkle.verify_consistency(first=0, second=8, first_root=r[0], second_root=r[8], proof=[])


def _leaves(n):
    return [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


sizes = st.integers(min_value=1, max_value=300)


@settings(max_examples=150, deadline=None)
@given(size=sizes, data=st.data())
def test_inclusion_property(size, data):
    leaves = _leaves(size)
    index = data.draw(st.integers(0, size - 1))
    root = merkle.root(leaves)
    proof = merkle.inclusion_proof(index, size, merkle.list_range_hash(leaves))
    merkle.verify_inclusion(leaf_hash=leaves[index], index=index, size=size, proof=proof, root=root)
    mutation = data.draw(st.sampled_from(["node", "root", "index", "size", "drop", "add"]))
    kwargs = {"leaf_hash": leaves[index], "index": index, "size": size, "proof": list(proof), "root": root}
    if mutation == "node":
        if not proof:
            return
        k = data.draw(st.integers(0, len(proof) - 1))
        kwargs["proof"][k] = bytes([proof[k][0] ^ 1]) + proof[k][1:]
    elif mutation == "root":
        kwargs["root"] = bytes([root[0] ^ 1]) + root[1:]
    elif mutation == "index":
        other = data.draw(st.integers(0, size))
        if other == index or (size == 1 and other == 0):
            return
        kwargs["index"] = other
    elif mutation == "size":  # the proof presented for another tree (with that tree's root)
        other = data.draw(st.integers(1, 2 * size + 1))
        longer = _leaves(max(other, size))
        if index >= other or proof == merkle.inclusion_proof(index, other,
                                                              merkle.list_range_hash(longer)):
            return
        kwargs["size"], kwargs["root"] = other, merkle.root(longer[:other])
    elif mutation == "drop":
        if not proof:
            return
        kwargs["proof"] = proof[:-1]
    else:
        kwargs["proof"] = proof + [root]
    with pytest.raises(VerificationError):
        merkle.verify_inclusion(**kwargs)


@settings(max_examples=150, deadline=None)
@given(second=sizes, data=st.data())
def test_consistency_property(second, data):
    leaves = _leaves(second)
    first = data.draw(st.integers(0, second))
    r1, r2 = merkle.root(leaves[:first]), merkle.root(leaves)
    proof = merkle.consistency_proof(first, second, merkle.list_range_hash(leaves))
    merkle.verify_consistency(first=first, second=second, first_root=r1, second_root=r2,
                              proof=proof)
    # A different prefix (one changed leaf) never verifies against the same proof.
    if first:
        k = data.draw(st.integers(0, first - 1))
        forged = list(leaves[:first])
        forged[k] = merkle.leaf_hash(b"forged")
        with pytest.raises(VerificationError):
            merkle.verify_consistency(first=first, second=second, first_root=merkle.root(forged),
                                      second_root=r2, proof=proof)
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1))
        bad = list(proof)
        bad[k] = bytes([bad[k][0] ^ 1]) + bad[k][1:]
        with pytest.raises(VerificationError):
            merkle.verify_consistency(first=first, second=second, first_root=r1, second_root=r2,
                                      proof=bad)
    # The proof presented for another second tree (with that tree's root).
    longer = _leaves(second + 1)
    if proof != merkle.consistency_proof(first, second + 1, merkle.list_range_hash(longer)):
        with pytest.raises(VerificationError):
            merkle.verify_consistency(first=first, second=second + 1, first_root=r1,
                                      second_root=merkle.root(longer), proof=proof)


@settings(max_examples=100, deadline=None)
@given(size=st.integers(1, 2000))
def test_subtree_cover_folds_to_root(size):
    leaves = _leaves(size)
    cover = merkle.subtree_cover(0, size)
    hashes = [merkle.root(leaves[i << lvl:(i + 1) << lvl]) for lvl, i in cover]
    assert merkle.fold_cover(hashes) == merkle.root(leaves)
