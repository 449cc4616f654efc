"""HPKE (RFC 9180) vectors for the suites the node uses, against its open side.

The node's suites are X25519 / HKDF-SHA256 / AES-256-GCM and MLKEM768-X25519 (X-Wing,
draft-ietf-hpke-pq) / HKDF-SHA256 / AES-256-GCM, single-shot in base mode (sequence 0,
empty AAD), through ``cryptography``'s ``hpke.Suite`` (``HPKE_SUITES``).

X25519 / HKDF-SHA256 / AES-256-GCM has its own CFRG vector (mode 0, kem 0x20, kdf 1,
aead 2; ``hpke/cfrg_base_x25519_sha256_aes256gcm.json``):

- the node derives the vector's ``pkRm`` from ``skRm`` and its ``pkEm`` (the encapsulation
  ``enc`` of DHKEM) from ``skEm``; the vector carries no ``ikm``, and the node has no
  DeriveKeyPair (it takes raw private keys), so none is checked;
- the node's HPKE opens ``enc || ct`` of the vector's sequence-0 encryption with its AAD,
  which checks decapsulation, key schedule and AEAD against the published bytes; a
  one-bit flip anywhere, the wrong AAD or the wrong info is refused;
- the node's HPKE is single-shot (one message per ``enc``, sequence 0 only) and has no
  exporter: sequences 1..256 and the three exports are checked with pyhpke, the
  independent implementation of the test extra, which must reproduce every ``ct`` from
  ``skEm`` and open it with ``skRm``; pyhpke, so checked, then seals under the vector's
  keys with the node's empty AAD, and the node opens that with its own call.

The hybrid suite's published vector (hpke-pq's MLKEM768-X25519 entry) uses another AEAD
(ChaCha20-Poly1305), so its test:

1. checks a small RFC 9180 key schedule written here against every value the vector
   gives (key, base_nonce, exporter_secret, every ciphertext, every export), after
   checking it against RFC 9180 A.1.1 too;
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
from cryptography.hazmat.bindings._rust import openssl as rust_openssl
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from ext_node import HPKE_SUITES, SUITE_MLKEM768_X25519, SUITE_X25519, KeyKind, PrivateKey
from pyhpke import AEADId, CipherSuite, ContextInterface, KDFId, KEMId, KEMKeyPair, OpenError

HPKE_DIR = Path(__file__).parent / "external" / "hpke"
DOC = json.loads((HPKE_DIR / "vectors.json").read_text())
CFRG = json.loads((HPKE_DIR / "cfrg_base_x25519_sha256_aes256gcm.json").read_text())["vector"]
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


# --- CFRG: mode 0, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM -------------------

#: ``cryptography``'s single-shot open with an AAD: the same Rust function as
#: ``hpke.Suite.decrypt`` (which the node calls, with no AAD), with the AAD exposed. It is
#: the test-only entry point ``cryptography`` runs the CFRG vectors through, since every
#: published encryption has a non-empty AAD ("Count-i").
_decrypt_with_aad = rust_openssl.hpke._decrypt_with_aad
PYHPKE = CipherSuite.new(KEMId.DHKEM_X25519_HKDF_SHA256, KDFId.HKDF_SHA256, AEADId.AES256_GCM)


def _cfrg(name: str) -> bytes:
    return bytes.fromhex(CFRG[name])


def _flips(sealed: bytes, enc_len: int) -> list[bytes]:
    """One bit flipped at each end of the KEM output (if any), of the body and of the tag."""
    out = []
    ends = [0, enc_len - 1] if enc_len else []
    for at in (*ends, enc_len, len(sealed) - 17, len(sealed) - 1):
        tampered = bytearray(sealed)
        tampered[at] ^= 1
        out.append(bytes(tampered))
    return out


def test_cfrg_x25519_aes256gcm_entry_is_complete() -> None:
    v = CFRG
    assert (v["mode"], v["kem_id"], v["kdf_id"], v["aead_id"]) == (0, 0x20, 1, 2)
    assert [bytes.fromhex(e["aad"]) for e in v["encryptions"]] == [
        b"Count-%d" % i for i in range(257)]
    assert {e["pt"] for e in v["encryptions"]} == {b"Beauty is truth, truth beauty".hex()}
    assert all(len(e["ct"]) == len(e["pt"]) + 32 for e in v["encryptions"])  # + 16-byte tag
    assert [(e["exporter_context"], e["L"]) for e in v["exports"]] == [
        ("", 32), ("00", 32), (b"TestContext".hex(), 32)]


def test_cfrg_x25519_aes256gcm_node_derives_the_keys() -> None:
    """The node's X25519 keys give the vector's public keys; ``pkEm`` is DHKEM's ``enc``."""
    recipient = PrivateKey.from_raw(KeyKind.X25519, _cfrg("skRm"))
    ephemeral = PrivateKey.from_raw(KeyKind.X25519, _cfrg("skEm"))
    assert recipient.public().raw == _cfrg("pkRm")
    assert ephemeral.public().raw == _cfrg("pkEm")


def test_cfrg_x25519_aes256gcm_node_opens_sequence_0() -> None:
    key = PrivateKey.from_raw(KeyKind.X25519, _cfrg("skRm")).hpke_key()
    suite, info = HPKE_SUITES[SUITE_X25519], _cfrg("info")
    first = CFRG["encryptions"][0]
    sealed = _cfrg("pkEm") + bytes.fromhex(first["ct"])
    aad = bytes.fromhex(first["aad"])
    assert _decrypt_with_aad(suite, sealed, key, info=info, aad=aad).hex() == first["pt"]
    for tampered in _flips(sealed, 32):
        with pytest.raises(InvalidTag):
            _decrypt_with_aad(suite, tampered, key, info=info, aad=aad)
    with pytest.raises(InvalidTag):
        _decrypt_with_aad(suite, sealed, key, info=info + b"!", aad=aad)
    with pytest.raises(InvalidTag):  # the node's own call: no AAD, which this ct binds
        suite.decrypt(sealed, key, info=info)


def _pyhpke_sender() -> tuple[bytes, ContextInterface]:
    ephemeral = KEMKeyPair(PYHPKE.kem.deserialize_private_key(_cfrg("skEm")),
                           PYHPKE.kem.deserialize_public_key(_cfrg("pkEm")))
    return PYHPKE.create_sender_context(PYHPKE.kem.deserialize_public_key(_cfrg("pkRm")),
                                        info=_cfrg("info"), eks=ephemeral)


def _pyhpke_recipient() -> ContextInterface:
    return PYHPKE.create_recipient_context(
        _cfrg("pkEm"), PYHPKE.kem.deserialize_private_key(_cfrg("skRm")), info=_cfrg("info"))


def test_cfrg_x25519_aes256gcm_every_encryption_and_export_with_pyhpke() -> None:
    """The node has no multi-message context and no exporter, so sequences 1..256 and the
    exports are checked with pyhpke, the independent implementation (the test extra)."""
    enc, sender = _pyhpke_sender()
    assert enc == _cfrg("pkEm")
    recipient = _pyhpke_recipient()
    for case in CFRG["encryptions"]:
        pt, aad = bytes.fromhex(case["pt"]), bytes.fromhex(case["aad"])
        assert sender.seal(pt, aad=aad).hex() == case["ct"]
        assert recipient.open(bytes.fromhex(case["ct"]), aad=aad) == pt
    for exp in CFRG["exports"]:
        for context in (sender, recipient):
            got = context.export(bytes.fromhex(exp["exporter_context"]), exp["L"])
            assert got.hex() == exp["exported_value"]
    first = CFRG["encryptions"][0]
    for tampered in _flips(bytes.fromhex(first["ct"]), 0):
        with pytest.raises(OpenError):
            _pyhpke_recipient().open(tampered, aad=bytes.fromhex(first["aad"]))


def test_cfrg_x25519_aes256gcm_node_opens_under_the_vector_keys() -> None:
    """pyhpke, checked above against every ciphertext, seals the vector's plaintext under
    the vector's keys with the node's empty AAD; the node's own call opens it."""
    key = PrivateKey.from_raw(KeyKind.X25519, _cfrg("skRm"))
    enc, sender = _pyhpke_sender()
    plaintext, info = bytes.fromhex(CFRG["encryptions"][0]["pt"]), _cfrg("info")
    sealed = enc + sender.seal(plaintext, aad=b"")
    assert _open(SUITE_X25519, key, sealed, info) == plaintext
    _check_refusals(SUITE_X25519, key, sealed, info, 32)
