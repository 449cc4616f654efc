"""Ed25519 vectors against the node's signature check (``verify_signature``).

- RFC 8032 section 7.1: each secret key derives its public key and re-signs its
  message to exactly the published signature (so the extract is exact); the node
  accepts it, and refuses it with one bit of the message, the signature or the key
  changed.
- Wycheproof ``ed25519_test.json``: every "valid" signature accepted, every "invalid"
  one refused (all 151; the file has no "acceptable" ones).
- ed25519-speccheck (Chalkias, Garillot, Nikolaenko, "Taming the many EdDSAs"): the
  12 edge cases on which verifiers disagree. The node accepts case 3 only: the rules of
  ``docs/protocol.md`` (*Signature verification*) refuse small-order keys and ``R``,
  non-canonical ``A``, ``R`` and ``S``, and the cofactored-only cases.

Sources and licences: tests/vectors/external/README.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from ext_node import CryptoError, KeyKind, PublicKey, verify_signature

HERE = Path(__file__).parent / "external" / "ed25519"
RFC = json.loads((HERE / "rfc8032_7_1.json").read_text())["tests"]
WYCHEPROOF = json.loads((HERE / "wycheproof_ed25519_test.json").read_text())
SPECCHECK = json.loads((HERE / "speccheck_cases.json").read_text())
#: Why the node refuses each speccheck case (the table of the speccheck README).
SPECCHECK_REFUSED = {
    0: "small-order A and R, S = 0",
    1: "small-order A",
    2: "small-order R",
    4: "holds only with the cofactored equation",
    5: "holds only with the cofactored equation (pre-reduced scalar)",
    6: "S > L",
    7: "S >> L",
    8: "non-canonical R (reduced for the hash)",
    9: "non-canonical R (not reduced for the hash)",
    10: "non-canonical, small-order A (reduced for the hash)",
    11: "non-canonical, small-order A (not reduced for the hash)",
}


def _check(public: bytes, signature: bytes, message: bytes) -> bool:
    try:
        verify_signature(PublicKey(kind=KeyKind.ED25519, raw=public), signature, message)
    except CryptoError:
        return False
    return True


def _flip(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8 % len(out)] ^= 1 << (bit % 8)
    return bytes(out)


@pytest.mark.parametrize("vector", RFC, ids=[v["test"] for v in RFC])
def test_rfc8032_section_7_1(vector: dict[str, str]) -> None:
    secret, public, message, signature = (bytes.fromhex(vector[k]) for k in (
        "secret_key", "public_key", "message", "signature"))
    key = ed25519.Ed25519PrivateKey.from_private_bytes(secret)
    assert key.public_key().public_bytes_raw() == public
    assert key.sign(message) == signature
    assert _check(public, signature, message)
    assert not _check(public, _flip(signature, 3), message)
    assert not _check(public, _flip(signature, 300), message)  # in S
    assert not _check(_flip(public, 9), signature, message)
    assert not _check(public, signature, _flip(message, 5) if message else b"\0")


def _wycheproof_cases() -> list[tuple[str, Any]]:
    return [(group["publicKey"]["pk"], test) for group in WYCHEPROOF["testGroups"]
            for test in group["tests"]]


def test_wycheproof_file_is_whole() -> None:
    results = [test["result"] for _, test in _wycheproof_cases()]
    assert len(results) == WYCHEPROOF["numberOfTests"] == 151
    assert (results.count("valid"), results.count("invalid")) == (88, 63)


@pytest.mark.parametrize(("public", "test"), _wycheproof_cases(),
                         ids=[f"tc{t['tcId']}" for _, t in _wycheproof_cases()])
def test_wycheproof(public: str, test: dict[str, Any]) -> None:
    accepted = _check(bytes.fromhex(public), bytes.fromhex(test["sig"]),
                      bytes.fromhex(test["msg"]))
    assert accepted is (test["result"] == "valid"), (test["comment"], test["flags"])


@pytest.mark.parametrize("index", range(len(SPECCHECK)))
def test_speccheck(index: int) -> None:
    case = SPECCHECK[index]
    accepted = _check(bytes.fromhex(case["pub_key"]), bytes.fromhex(case["signature"]),
                      bytes.fromhex(case["message"]))
    assert len(SPECCHECK) == 12
    assert accepted is (index not in SPECCHECK_REFUSED), SPECCHECK_REFUSED.get(index)
