"""RFC 9421 Appendix B against the node's HTTP message signature code.

For every example (B.2.1 to B.2.6, B.3, B.4) the RFC's signature base is verified with
the RFC's key (so the extracted text is exact), and the node, given the example's
message and its Signature-Input (parsed by the node), builds the same base. B.2.6 and B.4
(ed25519, the node's algorithm) are verified with the node's own Ed25519 check, and the
B.4 transformed messages are accepted or refused as the RFC says.

The node implements the narrow profile of docs/protocol.md (requests only; no
``@query-param``, no ``@status``); the two examples that need more are asserted to be
refused, not skipped. Source: tests/vectors/external/README.md.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from ext_node import (
    CryptoError,
    KeyKind,
    PublicKey,
    parse_dictionary,
    signature_base,
    verify_signature,
)

DOC = json.loads((Path(__file__).parent / "external" / "rfc9421" / "appendix_b.json")
                 .read_text())
CASES = {c["appendix"]: c for c in DOC["cases"]}
#: Examples outside the node's profile, and the component it refuses.
OUTSIDE_PROFILE = {"B.2.2": "@query-param", "B.2.4": "@status"}


def _signature(case: dict[str, Any]) -> bytes:
    member = parse_dictionary(case["signature"])[case["label"]]
    assert isinstance(member.value, bytes)
    return member.value


def _ed25519_key() -> PublicKey:
    jwk = DOC["keys"]["test-key-ed25519"]["jwk"]
    return PublicKey(kind=KeyKind.ED25519, raw=base64.urlsafe_b64decode(jwk["x"] + "=="))


def _verify_with_rfc_key(case: dict[str, Any], base: bytes) -> None:
    sig, key = _signature(case), DOC["keys"][case["keyid"]]
    if case["alg"] == "hmac-sha256":
        secret = base64.b64decode(key["secret_b64"])
        assert hmac.compare_digest(hmac.new(secret, base, hashlib.sha256).digest(), sig)
        return
    public = serialization.load_pem_public_key(key["public_pem"].encode())
    if case["alg"] == "rsa-pss-sha512":
        assert isinstance(public, rsa.RSAPublicKey)
        public.verify(sig, base, padding.PSS(mgf=padding.MGF1(hashes.SHA512()),
                                             salt_length=64), hashes.SHA512())
    elif case["alg"] == "ecdsa-p256-sha256":
        assert isinstance(public, ec.EllipticCurvePublicKey) and len(sig) == 64
        der = encode_dss_signature(int.from_bytes(sig[:32], "big"),
                                   int.from_bytes(sig[32:], "big"))
        public.verify(der, base, ec.ECDSA(hashes.SHA256()))
    else:
        assert case["alg"] == "ed25519"
        verify_signature(_ed25519_key(), sig, base)


def _request(message: dict[str, Any]) -> tuple[str, str, dict[str, str]]:
    """(method, url, lower-case headers) of an example request; repeated fields are
    combined with ", " (RFC 9421 section 2.1)."""
    method, target, _ = message["start_line"].split(" ")
    headers: dict[str, str] = {}
    for name, value in message["fields"]:
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return method, f"https://{headers['host']}{target}", headers


def _node_base(case: dict[str, Any], message: dict[str, Any]) -> bytes:
    member = parse_dictionary(case["signature_input"])[case["label"]]
    assert member.items is not None
    headers: dict[str, str] = {}
    if message["start_line"].startswith("HTTP/"):  # a response: the node signs none
        method, url = "GET", "https://example.com/"
    else:
        method, url, headers = _request(message)
    return signature_base([str(name) for name, _ in member.items], member.params,
                          method=method, url=url, headers=headers)


def test_every_example_present() -> None:
    assert sorted(CASES) == ["B.2.1", "B.2.2", "B.2.3", "B.2.4", "B.2.5", "B.2.6", "B.3",
                             "B.4"]


@pytest.mark.parametrize("appendix", sorted(CASES))
def test_rfc_signature_over_rfc_base(appendix: str) -> None:
    case = CASES[appendix]
    _verify_with_rfc_key(case, case["signature_base"].encode())


@pytest.mark.parametrize("appendix", sorted(CASES))
def test_node_signature_base(appendix: str) -> None:
    case = CASES[appendix]
    message = DOC["messages"][case["message"]]
    if appendix in OUTSIDE_PROFILE:
        assert OUTSIDE_PROFILE[appendix] in case["signature_base"]
        with pytest.raises(CryptoError, match=f"component {OUTSIDE_PROFILE[appendix]} "):
            _node_base(case, message)
        return
    assert _node_base(case, message).decode() == case["signature_base"]


def test_b26_full_verification_with_the_node() -> None:
    case = CASES["B.2.6"]
    base = _node_base(case, DOC["messages"][case["message"]])
    verify_signature(_ed25519_key(), _signature(case), base)
    forged = bytearray(_signature(case))
    forged[0] ^= 1
    with pytest.raises(CryptoError):
        verify_signature(_ed25519_key(), bytes(forged), base)
    with pytest.raises(CryptoError):
        verify_signature(_ed25519_key(), _signature(case), base.replace(b"POST", b"PUT "))


@pytest.mark.parametrize("index", range(len(DOC["b4_variants"])))
def test_b4_transformations(index: int) -> None:
    case, variant = CASES["B.4"], DOC["b4_variants"][index]
    base = _node_base(case, variant["message"])
    if variant["valid"]:
        verify_signature(_ed25519_key(), _signature(case), base)
    else:
        with pytest.raises(CryptoError):
            verify_signature(_ed25519_key(), _signature(case), base)
