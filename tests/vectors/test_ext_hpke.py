"""HPKE (RFC 9180) vectors for the suites the node uses, against its open side.

The node's suites are X25519 / HKDF-SHA256 / AES-256-GCM and MLKEM768-X25519 (X-Wing,
draft-ietf-hpke-pq) / HKDF-SHA256 / AES-256-GCM, single-shot in base mode (sequence 0,
empty AAD). The published vectors for these KEMs use other AEADs (RFC 9180 A.1.1:
AES-128-GCM; the hpke-pq MLKEM768-X25519 entry: ChaCha20-Poly1305), so each test:

1. checks a small RFC 9180 key schedule written here against every value the vector
   gives (key, base_nonce, exporter_secret, every ciphertext, every export);
2. derives with it, from the vector's KEM shared secret, the key and nonce of the
   node's AEAD (AES-256-GCM) and seals the vector's plaintext;
3. has the node open ``enc || ciphertext`` with the vector's recipient key: this
   succeeds only if the node decapsulates the vector's ``enc`` to the vector's shared
   secret and runs the same key schedule. Tampering with either part is refused.

The X-Wing draft's three KEM vectors (no HPKE layer) are checked the same way from their
``ss``.

Source: tests/vectors/external/README.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from ext_node import HPKE_SUITES, SUITE_MLKEM768_X25519, SUITE_X25519, KeyKind, PrivateKey

DOC = json.loads((Path(__file__).parent / "external" / "hpke" / "vectors.json").read_text())
A11 = DOC["rfc9180_a1_1"]["vector"]
XWING = DOC["mlkem768_x25519"]["vector"]
AES_256_GCM = 2
_AEADS: dict[int, tuple[type[AESGCM | ChaCha20Poly1305], int]] = {
    1: (AESGCM, 16), 2: (AESGCM, 32), 3: (ChaCha20Poly1305, 32)}


def _extract(suite_id: bytes, salt: bytes, label: bytes, ikm: bytes) -> bytes:
    return hmac.new(salt, b"HPKE-v1" + suite_id + label + ikm, hashlib.sha256).digest()


def _expand(suite_id: bytes, prk: bytes, label: bytes, info: bytes, length: int) -> bytes:
    labeled = length.to_bytes(2, "big") + b"HPKE-v1" + suite_id + label + info
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + labeled + bytes([counter]), hashlib.sha256).digest()
        out, counter = out + block, counter + 1
    return out[:length]


def key_schedule(kem_id: int, aead_id: int, shared_secret: bytes,
                 info: bytes) -> dict[str, bytes]:
    """RFC 9180 section 5.1, base mode, KDF HKDF-SHA256 (kdf_id 1)."""
    suite = b"HPKE" + kem_id.to_bytes(2, "big") + (1).to_bytes(2, "big") \
        + aead_id.to_bytes(2, "big")
    psk_id_hash = _extract(suite, b"", b"psk_id_hash", b"")
    info_hash = _extract(suite, b"", b"info_hash", info)
    context = b"\x00" + psk_id_hash + info_hash
    secret = _extract(suite, shared_secret, b"secret", b"")
    nk = _AEADS[aead_id][1]
    return {"key_schedule_context": context, "secret": secret,
            "key": _expand(suite, secret, b"key", context, nk),
            "base_nonce": _expand(suite, secret, b"base_nonce", context, 12),
            "exporter_secret": _expand(suite, secret, b"exp", context, 32)}


def _check_vector(v: dict) -> None:
    """Step 1: the schedule and AEAD use above reproduce the vector."""
    got = key_schedule(v["kem_id"], v["aead_id"], bytes.fromhex(v["shared_secret"]),
                       bytes.fromhex(v["info"]))
    for name in ("key", "base_nonce", "exporter_secret"):
        assert got[name].hex() == v[name], name
    for name in ("key_schedule_context", "secret"):
        if name in v:
            assert got[name].hex() == v[name], name
    suite = b"HPKE" + v["kem_id"].to_bytes(2, "big") + b"\x00\x01" \
        + v["aead_id"].to_bytes(2, "big")
    aead = _AEADS[v["aead_id"]][0](got["key"])
    for enc in v["encryptions"]:
        nonce = bytes.fromhex(enc["nonce"])
        assert aead.encrypt(nonce, bytes.fromhex(enc["pt"] if "pt" in enc else enc["plaintext"]),
                            bytes.fromhex(enc["aad"])).hex() == enc.get("ct", enc.get("ciphertext"))
    for exp in v["exports"]:
        context = bytes.fromhex(exp.get("exporter_context", exp.get("exportContext", "")))
        length = int(exp.get("L", exp.get("exportLength", 32)))
        value = exp.get("exported_value", exp.get("exportValue"))
        assert _expand(suite, got["exporter_secret"], b"sec", context, length).hex() == value


def _node_ciphertext(v: dict) -> tuple[bytes, bytes, bytes]:
    """Step 2: (enc || AES-256-GCM ciphertext, info, plaintext) for the node's suite."""
    info = bytes.fromhex(v["info"])
    plaintext = bytes.fromhex(v["encryptions"][0].get("pt", v["encryptions"][0].get("plaintext")))
    ks = key_schedule(v["kem_id"], AES_256_GCM, bytes.fromhex(v["shared_secret"]), info)
    ct = AESGCM(ks["key"]).encrypt(ks["base_nonce"], plaintext, b"")
    return bytes.fromhex(v["enc"]) + ct, info, plaintext


def _open(suite: str, key: PrivateKey, sealed: bytes, info: bytes) -> bytes:
    return HPKE_SUITES[suite].decrypt(sealed, key.hpke_key(), info=info)


def _check_refusals(suite: str, key: PrivateKey, sealed: bytes, info: bytes,
                    enc_len: int) -> None:
    for at in (0, enc_len, len(sealed) - 1):  # the KEM output, the body, the tag
        tampered = bytearray(sealed)
        tampered[at] ^= 1
        with pytest.raises(InvalidTag):
            _open(suite, key, bytes(tampered), info)
    with pytest.raises(InvalidTag):
        _open(suite, key, sealed, info + b"!")


def test_rfc9180_a1_1_key_schedule() -> None:
    assert (A11["mode"], A11["kem_id"], A11["kdf_id"], A11["aead_id"]) == (0, 0x20, 1, 1)
    _check_vector(A11)


def test_rfc9180_a1_1_node_opens_x25519_aes256gcm() -> None:
    key = PrivateKey.from_raw(KeyKind.X25519, bytes.fromhex(A11["skRm"]))
    assert key.public().raw.hex() == A11["pkRm"]
    sealed, info, plaintext = _node_ciphertext(A11)
    assert _open(SUITE_X25519, key, sealed, info) == plaintext
    _check_refusals(SUITE_X25519, key, sealed, info, 32)


def _xwing_expanded(seed: bytes) -> bytes:
    """X-Wing's private key is a 32-byte seed; SHAKE256(seed, 96) gives the ML-KEM-768
    seed (d || z, 64 bytes) and the X25519 private key (32 bytes), which is the node's
    raw form of an ``mlkem768x25519`` key."""
    return hashlib.shake_256(seed).digest(96)


def test_mlkem768_x25519_key_schedule() -> None:
    assert (XWING["mode"], XWING["kem_id"], XWING["kdf_id"]) == (0, 0x647A, 1)
    _check_vector(XWING)


def test_mlkem768_x25519_node_opens_aes256gcm() -> None:
    key = PrivateKey.from_raw(KeyKind.MLKEM768_X25519,
                              _xwing_expanded(bytes.fromhex(XWING["skRm"])))
    assert key.public().raw.hex() == XWING["pkRm"]
    sealed, info, plaintext = _node_ciphertext(XWING)
    assert _open(SUITE_MLKEM768_X25519, key, sealed, info) == plaintext
    _check_refusals(SUITE_MLKEM768_X25519, key, sealed, info, len(XWING["enc"]) // 2)


XWING_KEM = DOC["xwing_kem"]["vectors"]


@pytest.mark.parametrize("number", range(len(XWING_KEM)))
def test_xwing_kem_vectors_node_decapsulates(number: int) -> None:
    """The X-Wing draft's own KEM vectors (seed, pk, ct, ss): the node derives the same
    public key from the seed, and its HPKE open side (MLKEM768-X25519 / HKDF-SHA256 /
    AES-256-GCM) decapsulates ``ct`` to ``ss``: a context derived from ``ss`` opens."""
    v = XWING_KEM[number]
    key = PrivateKey.from_raw(KeyKind.MLKEM768_X25519, _xwing_expanded(bytes.fromhex(v["sk"])))
    assert key.public().raw.hex() == v["pk"]
    info, plaintext = b"fts-share x-wing vector", b"X-Wing vector %d" % number
    ks = key_schedule(0x647A, AES_256_GCM, bytes.fromhex(v["ss"]), info)
    sealed = bytes.fromhex(v["ct"]) + AESGCM(ks["key"]).encrypt(ks["base_nonce"], plaintext, b"")
    assert _open(SUITE_MLKEM768_X25519, key, sealed, info) == plaintext
    _check_refusals(SUITE_MLKEM768_X25519, key, sealed, info, len(v["ct"]) // 2)
