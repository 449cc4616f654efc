"""Every way an envelope can be wrong is refused with CryptoError (and nothing else)."""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fts_share.crypto import _envelope_wire as wire
from fts_share.crypto.canonical import b64u, canonical_json, unb64u
from fts_share.crypto.envelope import (
    MAX_RECIPIENTS,
    EnvelopeHeader,
    Recipient,
    open_envelope,
    seal,
    seal_plaintext,
    verify_authorship,
    verify_envelope,
)
from fts_share.crypto.keys import KeyKind, generate
from fts_share.errors import CryptoError, RosterError

PAYLOAD = {"subject": {"names": ["أبو بكر البغدادي"]}, "dob": "1971"}
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def _seal(coalition, now, payload=PAYLOAD, **kw):
    args = {"origin": "FRA", "seq": 7, "prev": "ab" * 32, "created": now, "label": "AMBER+STRICT",
                "kind": "notice", "signer": coalition["FRA"].signing,
                "recipients": [coalition["IRQ"].recipient(),
                            coalition["JOR"].recipient(KeyKind.MLKEM768_X25519)]}
    args.update(kw)
    return seal(payload, **args)


@pytest.fixture
def sealed(coalition, now):
    return _seal(coalition, now)


def _verify_and_open(env, coalition, node="IRQ"):
    header = verify_envelope(env, key_for=coalition.key_for)
    return open_envelope(env, header, node=node, private_keys=coalition[node].private_keys,
                         key_for=coalition.key_for)


def _flip(text: str, index: int) -> str:
    raw = bytearray(unb64u(text))
    raw[index % len(raw)] ^= 0x80
    return b64u(bytes(raw))


HEADER_CHANGES = {
    "v": 2, "origin": "IRQ", "seq": 8, "prev": None, "created": "2025-08-02T12:00:00.000001Z",
    "label": "GREEN", "kind": "tombstone", "signer": "ed25519:" + "A" * 22,
}


@pytest.mark.parametrize("field", sorted(HEADER_CHANGES))
def test_tampered_header_field(sealed, coalition, field):
    sealed["header"][field] = HEADER_CHANGES[field]
    # origin and signer select the key: key_for's RosterError comes through as it is
    expected = (CryptoError, RosterError) if field in ("origin", "signer") else CryptoError
    with pytest.raises(expected):
        verify_envelope(sealed, key_for=coalition.key_for)


@pytest.mark.parametrize("part", ["node", "kid", "suite"])
def test_tampered_recipient(sealed, coalition, part):
    entry = sealed["header"]["recipients"][0]
    entry[part] = {"node": "USA", "kid": coalition["USA"].x25519.kid,
                   "suite": wire.SUITE_MLKEM768_X25519}[part]
    with pytest.raises(CryptoError):
        verify_envelope(sealed, key_for=coalition.key_for)


@pytest.mark.parametrize("field", ["ciphertext", "nonce", "signature"])
def test_tampered_body(sealed, coalition, field):
    sealed[field] = _flip(sealed[field], 3)
    with pytest.raises(CryptoError):
        _verify_and_open(sealed, coalition)


def test_tampered_wrapped_key(sealed, coalition):
    kid = coalition["IRQ"].x25519.kid
    sealed["keys"][kid] = _flip(sealed["keys"][kid], 50)
    with pytest.raises(CryptoError):
        _verify_and_open(sealed, coalition)


def test_wrapped_keys_swapped_under_valid_signature(sealed, coalition):
    """Even the origin cannot make a key wrapped for one header open under another."""
    other = _seal(coalition, sealed["header"]["created"] and
                  datetime.fromisoformat("2025-08-02T12:00:00+00:00"), seq=8)
    forged = {k: v for k, v in sealed.items() if k != "signature"}
    forged["keys"] = other["keys"]
    forged["signature"] = b64u(coalition["FRA"].signing.sign(
        wire.ENVELOPE_SIGNATURE_CONTEXT + canonical_json(forged)))
    with pytest.raises(CryptoError):
        _verify_and_open(forged, coalition)


def _inner(coalition, now, statement_change=None, signer=None, sig_text=None):
    statement = {"v": 1, "origin": "FRA", "kind": "notice", "created": "2025-08-02T12:00:00.000000Z",
                 "label": "AMBER", "payload": PAYLOAD}
    if statement_change:
        statement_change(statement)
    signer = signer or coalition["FRA"].signing
    sig = sig_text or b64u(signer.sign(wire.STATEMENT_SIGNATURE_CONTEXT + canonical_json(statement)))
    header = {"v": 1, "origin": "FRA", "seq": 1, "prev": None,
              "created": "2025-08-02T12:00:00.000000Z", "label": "AMBER", "kind": "notice",
              "signer": coalition["FRA"].signing.kid,
              "recipients": [{"node": "IRQ", "kid": coalition["IRQ"].x25519.kid,
                              "suite": wire.SUITE_X25519}]}
    plaintext = canonical_json({"statement": statement, "sig": sig})
    return seal_plaintext(plaintext, header=header, signer=coalition["FRA"].signing,
                          recipients=[coalition["IRQ"].recipient()])


def test_inner_signature_by_other_key(coalition, now):
    env = _inner(coalition, now, signer=coalition["JOR"].signing)
    verify_envelope(env, key_for=coalition.key_for)  # outer layer is fine
    with pytest.raises(CryptoError):
        _verify_and_open(env, coalition)


@pytest.mark.parametrize("change", [
    lambda s: s.update(origin="JOR"), lambda s: s.update(kind="tombstone"),
    lambda s: s.update(label="CLEAR"), lambda s: s.update(created="2025-08-02T12:00:00Z"),
    lambda s: s.update(v=2), lambda s: s.update(extra=1), lambda s: s.pop("payload"),
    lambda s: s.update(payload=[1, 2])])
def test_inner_statement_mismatch(coalition, now, change):
    with pytest.raises(CryptoError):
        _verify_and_open(_inner(coalition, now, change), coalition)


@pytest.mark.parametrize("plaintext", [b"not json", b"[]", b'{"statement":{}}', b"\xff\xfe",
                                       b'{"statement":{},"sig":"!!"}', b'{"a":1,"a":2}'])
def test_inner_garbage(coalition, now, plaintext):
    header = _inner(coalition, now)["header"]
    env = seal_plaintext(plaintext, header=header, signer=coalition["FRA"].signing,
                         recipients=[coalition["IRQ"].recipient()])
    with pytest.raises(CryptoError):
        _verify_and_open(env, coalition)


def _sealed_text(coalition, now, text: bytes):
    header = _inner(coalition, now)["header"]
    return seal_plaintext(text, header=header, signer=coalition["FRA"].signing,
                          recipients=[coalition["IRQ"].recipient()])


def test_plaintext_not_canonical_opens_as_its_statement_canonicalised(coalition, now):
    """The inner signature is over JCS(statement), whatever the plaintext's spelling:
    a plaintext with spaces, its members in another order or an escaped character
    opens, and what is kept as signed is the statement's JCS."""
    sig, statement = _plaintext_of(coalition, now)
    for text in [json.dumps({"statement": statement, "sig": sig}),
                 json.dumps({"sig": sig, "statement": statement}, indent=1),
                 json.dumps({"sig": sig, "statement": statement}, separators=(",", ":"),
                            ensure_ascii=True).replace('"origin"', '"\\u006frigin"')]:
        opened = _verify_and_open(_sealed_text(coalition, now, text.encode()), coalition)
        assert opened.signed == canonical_json(statement)
        assert opened.statement == statement


def _plaintext_of(coalition, now):
    env = _inner(coalition, now)
    opened = _verify_and_open(env, coalition)
    return b64u(opened.signature), json.loads(opened.signed)


def test_plaintext_canonical_but_for_a_repeated_member_is_refused(coalition, now):
    """A plaintext that repeats a member is refused (its last statement is the signed
    one, so a reader that keeps the last member would accept it)."""
    sig, statement = _plaintext_of(coalition, now)
    other = canonical_json({**statement, "label": "CLEAR"}).decode()
    good = canonical_json({"sig": sig, "statement": statement}).decode()
    assert _verify_and_open(_sealed_text(coalition, now, good.encode()), coalition)
    repeated = good[:-1].replace('"statement":', f'"statement":{other},"statement":', 1) + "}"
    nested = good.replace('"label":', '"label":"RED","label":', 1)
    for text in (repeated, nested):
        with pytest.raises(CryptoError, match="duplicate member name"):
            _verify_and_open(_sealed_text(coalition, now, text.encode()), coalition)


def test_wrong_recipient_and_wrong_keys(sealed, coalition):
    header = verify_envelope(sealed, key_for=coalition.key_for)
    for node, keys in [("USA", coalition["USA"].private_keys),
                       ("IRQ", coalition["USA"].private_keys),
                       ("IRQ", {coalition["IRQ"].x25519.kid: coalition["USA"].x25519}),
                       ("IRQ", {coalition["IRQ"].x25519.kid: coalition["IRQ"].hybrid}),
                       ("IRQ", {coalition["IRQ"].x25519.kid: coalition["IRQ"].signing}),
                       ("IRQ", {})]:
        with pytest.raises(CryptoError):
            open_envelope(sealed, header, node=node, private_keys=keys,
                          key_for=coalition.key_for)


def test_header_of_another_envelope(sealed, coalition, now):
    other = _seal(coalition, now, seq=8)
    other_header = verify_envelope(other, key_for=coalition.key_for)
    with pytest.raises(CryptoError):
        open_envelope(sealed, other_header, node="IRQ",
                      private_keys=coalition["IRQ"].private_keys, key_for=coalition.key_for)
    # a copy whose header differs where nothing else would notice (seq is not in the
    # statement; the verified header is what decrypts) is refused all the same
    header = verify_envelope(sealed, key_for=coalition.key_for)
    changed = copy.deepcopy(sealed)
    changed["header"]["seq"] += 1
    with pytest.raises(CryptoError):
        open_envelope(changed, header, node="IRQ",
                      private_keys=coalition["IRQ"].private_keys, key_for=coalition.key_for)


def test_body_changed_after_verification_is_not_opened(sealed, coalition):
    """Opening reuses the body as verification decoded it only for the very same texts:
    a ciphertext or wrapped key changed between verifying and opening is refused."""
    header = verify_envelope(sealed, key_for=coalition.key_for)
    kid = coalition["IRQ"].recipient().key.kid
    for field, change in [("ciphertext", lambda e: _flip(e["ciphertext"], 3)),
                          ("keys", lambda e: {**e["keys"], kid: _flip(e["keys"][kid], 40)})]:
        env = copy.deepcopy(sealed)
        env[field] = change(env)
        with pytest.raises(CryptoError):
            open_envelope(env, header, node="IRQ", private_keys=coalition["IRQ"].private_keys,
                          key_for=coalition.key_for)
    opened = open_envelope(copy.deepcopy(sealed), header, node="IRQ",
                           private_keys=coalition["IRQ"].private_keys, key_for=coalition.key_for)
    assert opened.payload == PAYLOAD
    assert open_envelope(sealed, dataclasses.replace(header), node="IRQ",
                         private_keys=coalition["IRQ"].private_keys,
                         key_for=coalition.key_for).payload == PAYLOAD


def test_envelope_changed_in_place_after_verification(sealed, coalition):
    """Opening the very object that was verified opens what was verified: its
    ciphertext, wrapped keys or header changed in place afterwards are never opened,
    and an equal copy of the changed object is refused."""
    header = verify_envelope(sealed, key_for=coalition.key_for)
    kid = coalition["IRQ"].recipient().key.kid
    sealed["ciphertext"] = _flip(sealed["ciphertext"], 3)
    sealed["keys"][kid] = _flip(sealed["keys"][kid], 40)
    sealed["header"]["label"] = "CLEAR"
    opened = open_envelope(sealed, header, node="IRQ",
                           private_keys=coalition["IRQ"].private_keys, key_for=coalition.key_for)
    assert opened.payload == PAYLOAD and opened.statement["label"] == header.label
    with pytest.raises(CryptoError):
        open_envelope(copy.deepcopy(sealed), header, node="IRQ",
                      private_keys=coalition["IRQ"].private_keys, key_for=coalition.key_for)


def test_unknown_and_revoked_signer(sealed, coalition):
    coalition.revoked.add(coalition["FRA"].signing.kid)
    with pytest.raises(RosterError):  # propagates unchanged, so the caller can say why
        verify_envelope(sealed, key_for=coalition.key_for)
    with pytest.raises(CryptoError):
        verify_envelope(sealed, key_for=lambda origin, kid: (_ for _ in ()).throw(KeyError(kid)))
    with pytest.raises(CryptoError):  # key_for returning the wrong key
        verify_envelope(sealed, key_for=lambda o, k: coalition["IRQ"].signing.public())
    with pytest.raises(CryptoError):  # ... or not an ed25519 key
        verify_envelope(sealed, key_for=lambda o, k: coalition["IRQ"].x25519.public())


def test_revoked_after_verify_blocks_open(sealed, coalition):
    header = verify_envelope(sealed, key_for=coalition.key_for)
    coalition.revoked.add(coalition["FRA"].signing.kid)
    with pytest.raises(RosterError):
        open_envelope(sealed, header, node="IRQ", private_keys=coalition["IRQ"].private_keys,
                      key_for=coalition.key_for)


@pytest.mark.parametrize("bad", [
    None, 1, "x", [], {}, {"v": 1}, {"v": True}, {"v": "1"},
])
def test_malformed_top_level(coalition, bad):
    with pytest.raises(CryptoError):
        verify_envelope(bad, key_for=coalition.key_for)


def test_oversize(coalition, now, sealed):
    with pytest.raises(CryptoError):
        _seal(coalition, now, payload={"blob": "x" * 2000}, max_bytes=1000)
    with pytest.raises(CryptoError):
        verify_envelope(sealed, key_for=coalition.key_for, max_bytes=1000)
    sealed["ciphertext"] = "A" * (wire.MAX_ENVELOPE_BYTES + 4)
    with pytest.raises(CryptoError):
        verify_envelope(sealed, key_for=coalition.key_for)


def test_huge_recipient_list(sealed, coalition):
    entry = sealed["header"]["recipients"][0]
    sealed["header"]["recipients"] = [dict(entry) for _ in range(MAX_RECIPIENTS + 1)]
    with pytest.raises(CryptoError):
        verify_envelope(sealed, key_for=coalition.key_for)
    sealed["header"]["recipients"] = [entry]
    sealed["keys"] = {f"x25519:{i:022d}": "AAAA" for i in range(MAX_RECIPIENTS + 1)}
    with pytest.raises(CryptoError):
        verify_envelope(sealed, key_for=coalition.key_for)


def test_seal_argument_checks(coalition, now):
    ok = {"origin": "FRA", "seq": 1, "prev": None, "created": now, "label": "AMBER", "kind": "notice",
              "signer": coalition["FRA"].signing, "recipients": [coalition["IRQ"].recipient()]}
    bad = [{"origin": "fra"}, {"seq": -1}, {"seq": True}, {"prev": "AB" * 32},
           {"created": now.replace(tzinfo=None)}, {"label": "WHITE"}, {"kind": "x"},
           {"signer": coalition["FRA"].x25519}, {"recipients": []},
           {"recipients": [coalition["IRQ"].recipient()] * 2},
           {"recipients": [Recipient(node="IRQ", key=coalition["IRQ"].signing.public())]}]
    for change in bad:
        with pytest.raises(CryptoError):
            seal(PAYLOAD, **{**ok, **change})
    for payload in ([1], {"f": float("nan")}, {"s": {1, 2}}, {1: 2}):
        with pytest.raises(CryptoError):
            seal(payload, **ok)


def test_max_recipients_round_trip(coalition, now):
    keys = [generate(KeyKind.X25519) for _ in range(MAX_RECIPIENTS)]
    env = _seal(coalition, now, recipients=[Recipient(node=f"N{i:03d}", key=k.public())
                                            for i, k in enumerate(keys)])
    header = verify_envelope(json.loads(json.dumps(env)), key_for=coalition.key_for)
    opened = open_envelope(env, header, node="N255", private_keys={keys[255].kid: keys[255]},
                           key_for=coalition.key_for)
    assert opened.payload == PAYLOAD


def test_verify_authorship_refuses(coalition, sealed):
    opened = _verify_and_open(sealed, coalition)
    with pytest.raises(CryptoError):
        verify_authorship(opened.signed, opened.signature, coalition["IRQ"].signing.public())
    with pytest.raises(CryptoError):
        verify_authorship(opened.signed + b" ", opened.signature,
                          coalition["FRA"].signing.public())


def test_header_object_type(sealed, coalition):
    header = verify_envelope(sealed, key_for=coalition.key_for)
    assert isinstance(header, EnvelopeHeader)
    with pytest.raises(CryptoError):
        open_envelope(sealed, "header", node="IRQ",  # type: ignore[arg-type]
                      private_keys=coalition["IRQ"].private_keys, key_for=coalition.key_for)


# --- properties ----------------------------------------------------------------------

JSON_LEAVES = (st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1)
               | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20))
JSON_VALUES = st.recursive(JSON_LEAVES, lambda children: st.lists(children, max_size=4)
                           | st.dictionaries(st.text(max_size=8), children, max_size=4),
                           max_leaves=20)


@SETTINGS
@given(payload=st.dictionaries(st.text(max_size=10), JSON_VALUES, max_size=5))
def test_round_trip_any_payload(coalition, now, payload):
    env = _seal(coalition, now, payload=payload)
    env = json.loads(json.dumps(env))
    for node in ("IRQ", "JOR"):
        assert _verify_and_open(env, coalition, node).payload == json.loads(json.dumps(payload))


@SETTINGS
@given(position=st.integers(min_value=0), bit=st.integers(0, 7))
def test_any_bit_flip_is_detected(coalition, sealed, position, bit):
    data = bytearray(canonical_json(sealed))
    position %= len(data)
    data[position] ^= 1 << bit
    try:
        env = json.loads(bytes(data))
    except ValueError:
        return  # not JSON any more: the HTTP layer refuses it
    with pytest.raises((CryptoError, RosterError)):
        for node in ("IRQ", "JOR"):
            _verify_and_open(env, coalition, node)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, prefix + (index,))


@SETTINGS
@given(data=st.data(), replacement=JSON_VALUES)
def test_any_substitution_raises_only_crypto_error(coalition, sealed, data, replacement):
    env = copy.deepcopy(sealed)
    path = data.draw(st.sampled_from(list(_paths(env))[1:]))
    target = env
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = replacement
    with pytest.raises((CryptoError, RosterError)):
        _verify_and_open(env, coalition)
