"""The Ed25519 rules of docs/protocol.md (*Signature verification*) hold on the real
envelope path: verify_envelope (outer signature), open_envelope (inner signature) and
verify_authorship (a reviewer's check) all refuse a tampered, wrong-key, truncated or
malleated signature, and the signature of a small-order key that OpenSSL's check would
accept for any message."""

from __future__ import annotations

import pytest

from fts_share.crypto import _envelope_wire as wire
from fts_share.crypto.canonical import b64u, canonical_json, unb64u
from fts_share.crypto.envelope import (
    open_envelope,
    seal,
    seal_plaintext,
    verify_authorship,
    verify_envelope,
)
from fts_share.crypto.keys import KeyKind, PublicKey, make_kid
from fts_share.errors import CryptoError

PAYLOAD = {"subject": {"names": ["Abu Bakr"]}, "dob": "1971"}
#: Order of the Ed25519 base point.
L = 2**252 + 27742317777372353535851937790883648493
#: The neutral point's encoding (y = 1): a public key of small order (order 1), and a
#: signature (R = neutral, S = 0) that the cofactorless equation accepts under that key
#: for every message.
NEUTRAL = bytes([1]) + bytes(31)
UNIVERSAL = NEUTRAL + bytes(32)


@pytest.fixture
def sealed(coalition, now):
    return seal(PAYLOAD, origin="FRA", seq=1, prev=None, created=now, label="AMBER",
                kind="notice", signer=coalition["FRA"].signing,
                recipients=[coalition["IRQ"].recipient()])


def _resign(envelope, key) -> dict:
    unsigned = {k: v for k, v in envelope.items() if k != "signature"}
    return {**unsigned, "signature": b64u(key.sign(
        wire.ENVELOPE_SIGNATURE_CONTEXT + canonical_json(unsigned)))}


def _malleate(signature: bytes) -> bytes:
    """The same signature with S replaced by S + L (the same scalar modulo L)."""
    s = int.from_bytes(signature[32:], "little") + L
    return signature[:32] + s.to_bytes(32, "little")


def _outer_variants(sealed, coalition) -> dict[str, dict]:
    sig = unb64u(sealed["signature"])
    return {
        "R changed": {**sealed, "signature": b64u(bytes([sig[0] ^ 1]) + sig[1:])},
        "S changed": {**sealed, "signature": b64u(sig[:40] + bytes([sig[40] ^ 1]) + sig[41:])},
        "by another partner's key": _resign(sealed, coalition["JOR"].signing),
        "truncated": {**sealed, "signature": b64u(sig[:63])},
        "S + L": {**sealed, "signature": b64u(_malleate(sig))},
    }


def test_the_genuine_envelope_opens(sealed, coalition):
    header = verify_envelope(sealed, key_for=coalition.key_for)
    opened = open_envelope(sealed, header, node="IRQ", private_keys=coalition["IRQ"].private_keys,
                           key_for=coalition.key_for)
    assert opened.payload == PAYLOAD


@pytest.mark.parametrize("variant", ["R changed", "S changed", "by another partner's key",
                                     "truncated", "S + L"])
def test_outer_signature_refused(sealed, coalition, variant):
    with pytest.raises(CryptoError):
        verify_envelope(_outer_variants(sealed, coalition)[variant], key_for=coalition.key_for)


def _inner_signed(coalition, now, sig: bytes | None, signer=None) -> dict:
    statement = {"v": 1, "origin": "FRA", "kind": "notice",
                 "created": "2025-08-02T12:00:00.000000Z", "label": "AMBER", "payload": PAYLOAD}
    if sig is None:
        sig = (signer or coalition["FRA"].signing).sign(
            wire.STATEMENT_SIGNATURE_CONTEXT + canonical_json(statement))
    header = {"v": 1, "origin": "FRA", "seq": 1, "prev": None,
              "created": statement["created"], "label": "AMBER", "kind": "notice",
              "signer": coalition["FRA"].signing.kid,
              "recipients": [{"node": "IRQ", "kid": coalition["IRQ"].x25519.kid,
                              "suite": wire.SUITE_X25519}]}
    return seal_plaintext(canonical_json({"statement": statement, "sig": b64u(sig)}),
                          header=header, signer=coalition["FRA"].signing,
                          recipients=[coalition["IRQ"].recipient()])


@pytest.mark.parametrize("variant", ["by another partner's key", "truncated", "S + L"])
def test_inner_signature_refused(coalition, now, variant):
    genuine = _inner_signed(coalition, now, None)
    opened = open_envelope(genuine, verify_envelope(genuine, key_for=coalition.key_for),
                           node="IRQ", private_keys=coalition["IRQ"].private_keys,
                           key_for=coalition.key_for)
    assert opened.payload == PAYLOAD
    if variant == "by another partner's key":
        env = _inner_signed(coalition, now, None, signer=coalition["JOR"].signing)
    else:
        bad = opened.signature[:63] if variant == "truncated" else _malleate(opened.signature)
        env = _inner_signed(coalition, now, bad)
    header = verify_envelope(env, key_for=coalition.key_for)  # the outer layer is fine
    with pytest.raises(CryptoError):
        open_envelope(env, header, node="IRQ", private_keys=coalition["IRQ"].private_keys,
                      key_for=coalition.key_for)


def test_a_small_order_key_signs_nothing(sealed):
    """A roster that listed the neutral point as a partner's key would, under OpenSSL's
    rules, accept (R = neutral, S = 0) as that partner's signature of every envelope and
    statement; the node refuses it everywhere."""
    weak = PublicKey(kind=KeyKind.ED25519, raw=NEUTRAL)
    forged = {**sealed, "header": {**sealed["header"], "signer": make_kid(KeyKind.ED25519, NEUTRAL)},
              "signature": b64u(UNIVERSAL)}
    with pytest.raises(CryptoError):
        verify_envelope(forged, key_for=lambda origin, kid: weak)
    statement = canonical_json({"v": 1, "origin": "FRA", "kind": "notice", "label": "AMBER",
                                "created": "2025-08-02T12:00:00.000000Z", "payload": PAYLOAD})
    with pytest.raises(CryptoError):
        verify_authorship(statement, UNIVERSAL, weak)
