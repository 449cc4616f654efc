"""The JSON examples of docs/protocol.md are real and cannot drift.

Every ```json block of the document is marked ``<!-- example: NAME schema: SCHEMA[#PTR]
-->`` (tests/protocol/make_examples.py pastes them from a real run) and validates
against its schema. The examples come from one run, so the signatures, digests and
proofs that tie them together are checked too, with independent code (cryptography,
rfc8785, hashlib; nothing of fts_share), as a partner reading only the document would.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
import rfc8785
import wire_schemas
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
MARKED = re.compile(r"<!-- example: (?P<name>[a-z0-9-]+) schema: (?P<schema>[a-z0-9-]+)"
                    r"(?:#(?P<pointer>\S+))? -->\n```json\n(?P<body>.*?)\n```", re.DOTALL)


def examples() -> dict[str, tuple[str, str, Any]]:
    found: dict[str, tuple[str, str, Any]] = {}
    for m in MARKED.finditer(DOC.read_text(encoding="utf-8")):
        assert m["name"] not in found, f"two examples named {m['name']}"
        found[m["name"]] = (m["schema"], m["pointer"] or "", json.loads(m["body"]))
    return found


EXAMPLES = examples()


def test_every_json_block_is_a_marked_example() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert text.count("```json\n") == len(EXAMPLES) >= 20


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_validates_against_its_schema(name: str) -> None:
    schema, pointer, obj = EXAMPLES[name]
    assert schema in wire_schemas.names()
    wire_schemas.check(obj, schema, pointer)


# -- the bytes the document says are signed and hashed ------------------------------

def unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def kid(key: dict[str, str]) -> str:
    digest = sha256(key["kind"].encode() + b":" + unb64u(key["public"]))
    return key["kind"] + ":" + base64.urlsafe_b64encode(digest).decode()[:22]


def origin_key() -> Ed25519PublicKey:
    """The signing key of the node whose information is the node-info example (the
    node that published everything the examples show)."""
    signing = EXAMPLES["node-info"][2]["keys"]["signing"]
    return Ed25519PublicKey.from_public_bytes(unb64u(signing["public"]))


def test_key_ids_are_derived_from_the_keys() -> None:
    keys = EXAMPLES["node-info"][2]["keys"]
    for key in [keys["signing"], *keys["encryption"]]:
        assert kid(key) == key["kid"]
    for member in EXAMPLES["roster"][2]["members"]:
        for key in member["keys"]:
            assert kid(key) == key["kid"]


def test_tree_head_signature() -> None:
    head = dict(EXAMPLES["tree-head"][2])
    signature = unb64u(head.pop("signature"))
    origin_key().verify(signature, b"fts-share/audit/tree-head/v1\x00" + rfc8785.dumps(head))


def test_feed_page_signature_and_heads() -> None:
    page = EXAMPLES["feed-page"][2]
    assert page["signer"] == EXAMPLES["node-info"][2]["keys"]["signing"]["kid"]
    origin_key().verify(unb64u(page["signature"]),
                        b"fts-share/v1 feed-page\n" + rfc8785.dumps(page["index"]))
    head = dict(page["tree_head"])
    origin_key().verify(unb64u(head.pop("signature")),
                        b"fts-share/audit/tree-head/v1\x00" + rfc8785.dumps(head))


def test_envelope_signature() -> None:
    envelope = dict(EXAMPLES["envelope"][2])
    signature = unb64u(envelope.pop("signature"))
    origin_key().verify(signature, b"fts-share/v1 envelope\n" + rfc8785.dumps(envelope))


def test_statement_signatures() -> None:
    plaintext = EXAMPLES["plaintext"][2]
    origin_key().verify(unb64u(plaintext["sig"]),
                        b"fts-share/v1 statement\n" + rfc8785.dumps(plaintext["statement"]))
    forwarded = EXAMPLES["payload-forwarded"][2]["forwarded"]
    signed = unb64u(forwarded["signed"])
    assert rfc8785.dumps(json.loads(signed)) == signed  # JCS, as the document says
    origin_key().verify(unb64u(forwarded["signature"]), b"fts-share/v1 statement\n" + signed)


def node(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right)


def inclusion_root(index: int, size: int, leaf: bytes, proof: list[bytes]) -> bytes:
    """RFC 9162 §2.1.3.2."""
    assert index < size
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        assert sn > 0
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node(r, p)
        fn, sn = fn >> 1, sn >> 1
    assert sn == 0
    return r


def consistency_roots(first: int, second: int, first_root: bytes,
                      proof: list[bytes]) -> tuple[bytes, bytes]:
    """RFC 9162 §2.1.4.2 (0 < first < second)."""
    if first & (first - 1) == 0:
        proof = [first_root, *proof]
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        assert sn > 0
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    assert sn == 0
    return fr, sr


def test_leaf_encoding_and_inclusion_proof() -> None:
    proof = EXAMPLES["inclusion-proof"][2]
    leaf_doc = {k: v for k, v in proof["entry"].items() if k != "leaf_hash"}
    leaf_doc["v"] = 1
    wire_schemas.check(leaf_doc, "audit-entries", "/$defs/leaf")
    leaf = sha256(b"\x00" + rfc8785.dumps(leaf_doc))
    assert leaf.hex() == proof["leaf_hash"] == proof["entry"]["leaf_hash"]
    root = inclusion_root(proof["index"], proof["size"], leaf,
                          [bytes.fromhex(p) for p in proof["proof"]])
    assert root.hex() == proof["root"]


def test_consistency_proof() -> None:
    proof = EXAMPLES["consistency-proof"][2]
    fr, sr = consistency_roots(proof["first"], proof["second"],
                               bytes.fromhex(proof["first_root"]),
                               [bytes.fromhex(p) for p in proof["proof"]])
    assert (fr.hex(), sr.hex()) == (proof["first_root"], proof["second_root"])


def test_audit_entries_leaf_hashes() -> None:
    for entry in EXAMPLES["audit-entries"][2]["items"]:
        leaf_doc = {**{k: v for k, v in entry.items() if k != "leaf_hash"}, "v": 1}
        assert sha256(b"\x00" + rfc8785.dumps(leaf_doc)).hex() == entry["leaf_hash"]
