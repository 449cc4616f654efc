"""The committed JSON test vectors in tests/vectors/crypto (see generate.py there)."""

from __future__ import annotations

import base64
import copy
import dataclasses
import json
from datetime import datetime
from pathlib import Path

import pytest

from fts_share.clock import parse_rfc3339
from fts_share.crypto import _sfv
from fts_share.crypto.canonical import canonical_json, sha256_hex, unb64u
from fts_share.crypto.envelope import (
    digest_and_members,
    envelope_digest,
    open_envelope,
    verify_envelope,
)
from fts_share.crypto.httpsig import NonceCache, content_digest, signature_base, verify_request
from fts_share.crypto.keys import KeyKind, PrivateKey, PublicKey, make_kid, verify_signature
from fts_share.errors import CryptoError

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "crypto"


def load(name: str):
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


KEYS = load("keys.json")["nodes"]


def private(node: str, kind: str) -> PrivateKey:
    return PrivateKey.from_raw(KeyKind(kind), unb64u(KEYS[node][kind]["private"]))


def key_for(origin: str, kid: str) -> PublicKey:
    entry = KEYS[origin]["ed25519"]
    if entry["kid"] != kid:
        raise LookupError(kid)
    return PublicKey.from_json({k: entry[k] for k in ("kid", "kind", "public")})


def node_keys(node: str) -> dict[str, PrivateKey]:
    keys = [private(node, "x25519"), private(node, "mlkem768x25519")]
    return {k.kid: k for k in keys}


@pytest.mark.parametrize("case", load("canonical.json")["valid"], ids=lambda c: c["name"])
def test_canonical_vectors(case):
    assert canonical_json(json.loads(case["input"])).decode("utf-8") == case["canonical"]


@pytest.mark.parametrize("case", load("canonical.json")["refused"], ids=lambda c: c["name"])
def test_canonical_refused(case):
    with pytest.raises(CryptoError):
        canonical_json(json.loads(case["input"]))


@pytest.mark.parametrize("case", load("kids.json"), ids=lambda c: c["kid"])
def test_kid_vectors(case):
    kind, raw = KeyKind(case["kind"]), unb64u(case["public"])
    assert make_kid(kind, raw) == case["kid"] == PublicKey(kind=kind, raw=raw).kid
    assert sha256_hex(case["kind"].encode() + b":" + raw) == case["hash_input_sha256"]


def test_fixture_keys_are_consistent():
    for node, kinds in KEYS.items():
        for kind, entry in kinds.items():
            assert private(node, kind).public().to_json() == {
                k: entry[k] for k in ("kid", "kind", "public")}


def _opening_ways(env, header):
    """The envelope and header to open: the very object verified with its header, and
    an equal copy of the envelope with a copy of the header (each checked anew)."""
    return [(env, header), (copy.deepcopy(env), dataclasses.replace(header))]


@pytest.mark.parametrize("index", [0, 1])
@pytest.mark.parametrize("with_members", [False, True])
def test_valid_envelopes_verify_and_open(index, with_members):
    case = load("envelope.json")["valid"][index]
    env = case["envelope"]
    digest, members = digest_and_members(env)
    header = verify_envelope(env, key_for=key_for, members=members if with_members else None)
    assert header.digest == case["digest"] == envelope_digest(env) == digest
    assert canonical_json(env["header"]).decode() == case["canonical_header"]
    for node, kid in case["open_as"].items():
        for target, verified in _opening_ways(env, header):
            opened = open_envelope(target, verified, node=node, private_keys=node_keys(node),
                                   key_for=key_for)
            assert opened.payload == case["payload"]
        assert kid in header.recipients[0] + header.recipients[1]


def test_envelope_chain():
    first, second = (c["envelope"] for c in load("envelope.json")["valid"])
    assert verify_envelope(second, key_for=key_for).prev == envelope_digest(first)


@pytest.mark.parametrize("case", load("invalid.json")["invalid"], ids=lambda c: c["name"])
def test_invalid_envelopes_refused(case):
    env = case["envelope"]
    if case["refused_at"] == "verify":
        with pytest.raises(CryptoError):
            verify_envelope(env, key_for=key_for)
        return
    header = verify_envelope(env, key_for=key_for)
    for node in case["refused_for"]:
        for target, verified in _opening_ways(env, header):
            with pytest.raises(CryptoError):
                open_envelope(target, verified, node=node, private_keys=node_keys(node),
                              key_for=key_for)


def test_rfc9421_b26_ed25519():
    case = load("httpsig.json")["rfc9421_b26"]
    inputs = _sfv.parse_dictionary(case["signature_input"])["sig-b26"]
    components = [c for c, _ in inputs.items]
    base = signature_base(components, inputs.params, method=case["method"], url=case["url"],
                          headers=case["headers"])
    assert base.decode() == case["signature_base"]
    signature = _sfv.parse_dictionary(case["signature"])["sig-b26"].value
    public = PublicKey(kind=KeyKind.ED25519, raw=unb64u(case["public_key"]))
    verify_signature(public, signature, base)
    key = PrivateKey.from_raw(KeyKind.ED25519, unb64u(case["private_key"]))
    assert key.sign(base) == signature  # Ed25519 is deterministic
    with pytest.raises(CryptoError):
        verify_signature(public, signature, base.replace(b"POST", b"PUT"))


def test_rfc9530_sha256():
    case = load("httpsig.json")["rfc9530_sha256"]
    assert content_digest(case["body"].encode()) == case["content_digest"]
    assert case["content_digest"] == "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
    assert base64.b64decode(case["content_digest"][9:-1]).hex().startswith("5f8f04")


def test_fts_profile_vector():
    case = load("httpsig.json")["fts_profile"]
    signer = private(case["signer"], "ed25519")
    now = parse_rfc3339(case["now"])
    from fts_share.crypto.httpsig import sign_request
    nonce = _sfv.parse_dictionary(case["headers"]["Signature-Input"])["fts"].params["nonce"]
    assert sign_request(method=case["method"], url=case["url"], headers={}, body=b"",
                        key=signer, now=now, nonce=nonce) == case["headers"]
    verified = verify_request(
        method=case["method"], url=case["url"], headers=case["headers"], body=b"",
        key_for=lambda kid: signer.public(), now=parse_rfc3339(case["verify_at"]),
        remember_nonce=NonceCache(clock=lambda: now).remember)
    assert verified.keyid == signer.kid and isinstance(verified.created, datetime)


def test_fixture_pem_files_match_vectors():
    root = VECTORS.parents[2] / "keys" / "fixtures"
    from fts_share.crypto.keys import load_private
    for node, kinds in KEYS.items():
        for kind, entry in kinds.items():
            path = root / f"{node}.{kind}.pem"
            assert path.read_bytes().startswith(b"# FOR FIXTURES ONLY")
            assert load_private(path, allow_insecure_mode=True).kid == entry["kid"]


def test_envelope_schema():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((VECTORS.parents[2] / "schemas" / "envelope.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for case in load("envelope.json")["valid"]:
        validator.validate(case["envelope"])
    shape_errors = {"extra-field", "missing-signature", "envelope-version", "header-version",
                    "seq-as-string", "recipients-not-a-list", "signature-padded",
                    "resigned-unknown-label", "resigned-short-nonce"}
    for case in load("invalid.json")["invalid"]:
        if case["name"] in shape_errors:
            assert not validator.is_valid(case["envelope"]), case["name"]
