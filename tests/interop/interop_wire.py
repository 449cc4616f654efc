"""The wire of the independent implementation (see interop_partner.py): encodings,
key ids, schema validation, the secretariat's roster signature and RFC 9162 Merkle
proofs, from docs/protocol.md, docs/audit.md and schemas/ alone (no fts_share import).
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519
from pyhpke import AEADId, CipherSuite, KDFId, KEMId

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"

# docs/protocol.md, "Envelope" (constants table), "Roster", "Feed and polling";
# docs/audit.md, "Signed tree heads".
ENVELOPE_CONTEXT = b"fts-share/v1 envelope\n"
STATEMENT_CONTEXT = b"fts-share/v1 statement\n"
CEK_INFO_CONTEXT = b"fts-share/v1 cek "
ROSTER_CONTEXT = b"fts-share/v1 roster\n"
FEED_PAGE_CONTEXT = b"fts-share/v1 feed-page\n"
TREE_HEAD_CONTEXT = b"fts-share/audit/tree-head/v1\0"
SUITE_X25519 = "hpke-x25519-sha256-aes256gcm"
HPKE = CipherSuite.new(KEMId.DHKEM_X25519_HKDF_SHA256, KDFId.HKDF_SHA256, AEADId.AES256_GCM)
COVERED = ("@method", "@target-uri", "content-digest")


class ProtocolError(Exception):
    """A check of the protocol failed."""


# --- encodings -------------------------------------------------------------------------

def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text: str) -> bytes:
    if not isinstance(text, str) or "=" in text or len(text) % 4 == 1:
        raise ProtocolError("bad b64u")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64u(data) != text:
        raise ProtocolError("non-canonical b64u")
    return data


def jcs(value: Any) -> bytes:
    return rfc8785.dumps(value)


def rfc3339(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def kid(kind: str, raw: bytes) -> str:
    """docs/protocol.md, "Keys": kind ":" b64u(SHA-256(kind ":" raw))[0:22]."""
    return f"{kind}:{b64u(hashlib.sha256(kind.encode() + b':' + raw).digest())[:22]}"


def validate(schema: str, doc: Any) -> None:
    """Validate ``doc`` against ``schemas/<schema>.schema.json`` (JSON Schema 2020-12)."""
    spec = json.loads((SCHEMAS / f"{schema}.schema.json").read_text())
    jsonschema.Draft202012Validator(spec).validate(doc)


# --- keys ------------------------------------------------------------------------------

def raw_public(key: ed25519.Ed25519PrivateKey | x25519.X25519PrivateKey) -> bytes:
    return key.public_key().public_bytes_raw()


def public_json(kind: str, raw: bytes) -> dict[str, str]:
    return {"kid": kid(kind, raw), "kind": kind, "public": b64u(raw)}


def ed25519_from_json(doc: dict[str, Any]) -> ed25519.Ed25519PublicKey:
    raw = unb64u(doc["public"])
    if doc["kind"] != "ed25519" or kid("ed25519", raw) != doc["kid"]:
        raise ProtocolError("bad ed25519 key")
    return ed25519.Ed25519PublicKey.from_public_bytes(raw)


def verify_ed25519(key: ed25519.Ed25519PublicKey, signature: str, data: bytes) -> None:
    sig = unb64u(signature)
    if len(sig) != 64:
        raise ProtocolError("signature length")
    try:
        key.verify(sig, data)
    except InvalidSignature:
        raise ProtocolError("bad signature") from None


# --- the secretariat -------------------------------------------------------------------

def sign_roster(draft: dict[str, Any], key: ed25519.Ed25519PrivateKey) -> dict[str, Any]:
    """docs/protocol.md, "Roster": sign over the context and JCS(document)."""
    doc = dict(draft, v=1, secretariat=kid("ed25519", raw_public(key)))
    doc.pop("signature", None)
    return dict(doc, signature=b64u(key.sign(ROSTER_CONTEXT + jcs(doc))))


def roster_key(kind: str, raw: bytes, use: str, valid_from: datetime) -> dict[str, Any]:
    return dict(public_json(kind, raw), use=use, valid_from=rfc3339(valid_from),
                valid_until=None, revoked_at=None)


def roster_member(code: str, url: str, keys: list[dict[str, Any]],
                  valid_from: datetime) -> dict[str, Any]:
    return {"code": code, "name": code, "role": "member", "status": "active", "url": url,
            "valid_from": rfc3339(valid_from), "valid_until": None, "keys": keys}


# --- RFC 9162 (docs/audit.md) ----------------------------------------------------------

def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def merkle_root(leaves: list[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(merkle_root(leaves[:k]), merkle_root(leaves[k:]))


def verify_inclusion(leaf: bytes, index: int, size: int, proof: list[bytes],
                     root: bytes) -> None:
    """RFC 9162 section 2.1.3.2."""
    if not 0 <= index < size:
        raise ProtocolError("index outside the tree")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProtocolError("proof too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or r != root:
        raise ProtocolError("inclusion proof does not verify")


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       proof: list[bytes]) -> None:
    """RFC 9162 section 2.1.4.2 (0 < first < second)."""
    if not 0 < first < second or not proof:
        raise ProtocolError("bad consistency proof request")
    path = [first_root, *proof] if first & (first - 1) == 0 else list(proof)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProtocolError("proof too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or fr != first_root or sr != second_root:
        raise ProtocolError("consistency proof does not verify")


def verify_tree_head(head: dict[str, Any], key: ed25519.Ed25519PublicKey) -> None:
    """docs/audit.md, "Signed tree heads"."""
    unsigned = {k: v for k, v in head.items() if k != "signature"}
    verify_ed25519(key, head["signature"], TREE_HEAD_CONTEXT + jcs(unsigned))


def audit_leaf(entry: dict[str, Any]) -> bytes:
    """docs/audit.md, "Entries": the leaf data of an entry."""
    names = ("seq", "time", "actor", "action", "object_type", "object_id", "object_version",
             "partner", "purpose", "legal_basis", "outcome", "detail")
    return jcs(dict({n: entry.get(n) for n in names}, v=1))


