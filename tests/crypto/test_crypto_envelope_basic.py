"""Envelope round trips: both suites, mixed recipient sets, reviewers' authorship."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fts_share.crypto.canonical import canonical_json
from fts_share.crypto.envelope import (
    digest_and_members,
    envelope_digest,
    open_envelope,
    seal,
    verify_authorship,
    verify_envelope,
)
from fts_share.crypto.keys import KeyKind
from fts_share.errors import CryptoError

PAYLOAD = {"subject": {"names": ["إبراهيم عواد إبراهيم علي البدري", "Ibrahim Awwad"]},
           "movement": {"kind": "departure", "date": "2019-03-23"}, "n": 3}


def _seal(coalition, now, recipients, **kw):
    args = {"origin": "FRA", "seq": 1, "prev": None, "created": now, "label": "AMBER", "kind": "notice",
                "signer": coalition["FRA"].signing, "recipients": recipients}
    args.update(kw)
    return seal(PAYLOAD, **args)


@pytest.mark.parametrize("kinds", [
    (KeyKind.X25519,), (KeyKind.MLKEM768_X25519,),
    (KeyKind.X25519, KeyKind.MLKEM768_X25519, KeyKind.X25519)])
def test_round_trip(coalition, now, kinds):
    codes = ["IRQ", "JOR", "USA"][:len(kinds)]
    recipients = [coalition[c].recipient(k) for c, k in zip(codes, kinds)]
    env = _seal(coalition, now, list(reversed(recipients)))
    env = json.loads(json.dumps(env))  # survives the wire
    header = verify_envelope(env, key_for=coalition.key_for)
    assert header.origin == "FRA" and header.seq == 1 and header.prev is None
    assert header.created == now and header.label == "AMBER" and header.kind == "notice"
    assert header.signer_kid == coalition["FRA"].signing.kid
    assert [r[0] for r in header.recipients] == sorted(codes)
    assert header.digest == envelope_digest(env)
    for code in codes:
        assert header.addressed_to(code)
        opened = open_envelope(env, header, node=code, private_keys=coalition[code].private_keys,
                               key_for=coalition.key_for)
        assert opened.payload == PAYLOAD
        assert opened.signer_kid == coalition["FRA"].signing.kid
        statement = verify_authorship(opened.signed, opened.signature,
                                      coalition["FRA"].signing.public())
        assert statement["payload"] == PAYLOAD and statement["origin"] == "FRA"
    assert not header.addressed_to("FRA")


def test_not_addressed(coalition, now):
    env = _seal(coalition, now, [coalition["IRQ"].recipient()])
    header = verify_envelope(env, key_for=coalition.key_for)
    with pytest.raises(CryptoError):
        open_envelope(env, header, node="JOR", private_keys=coalition["JOR"].private_keys,
                      key_for=coalition.key_for)
    # right node name, wrong private keys
    with pytest.raises(CryptoError):
        open_envelope(env, header, node="IRQ", private_keys=coalition["JOR"].private_keys,
                      key_for=coalition.key_for)


def test_chain_prev(coalition, now):
    first = _seal(coalition, now, [coalition["IRQ"].recipient()])
    second = _seal(coalition, now, [coalition["IRQ"].recipient()], seq=2,
                   prev=envelope_digest(first))
    assert verify_envelope(second, key_for=coalition.key_for).prev == envelope_digest(first)


def test_a_page_checks_members_once_and_verifying_gives_the_same_header(coalition, now):
    env = json.loads(json.dumps(_seal(coalition, now, [coalition["IRQ"].recipient()])))
    digest, members = digest_and_members(env)
    assert digest == envelope_digest(env) and members is not None
    assert verify_envelope(env, key_for=coalition.key_for, members=members) == \
        verify_envelope(env, key_for=coalition.key_for)
    assert members.unsigned == canonical_json({k: v for k, v in env.items() if k != "signature"})
    odd = {**env, "extra": 1}  # not an envelope's members: the digest only
    assert digest_and_members(odd) == (envelope_digest(odd), None)
    with pytest.raises(CryptoError):
        digest_and_members({**env, "nonce": float("nan")})  # what envelope_digest refuses


@settings(max_examples=100, deadline=None)
@given(st.fixed_dictionaries({name: st.recursive(
    st.none() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text() | st.floats(allow_nan=False),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(), c, max_size=3),
    max_leaves=8) for name in ("v", "header", "keys", "nonce", "ciphertext", "signature")}))
def test_members_give_the_digest_and_signed_bytes_of_any_envelope_shaped_object(obj):
    try:
        expected = envelope_digest(obj)
    except CryptoError:
        return  # lone surrogates
    digest, members = digest_and_members(obj)
    assert digest == expected and members is not None and members.digest == expected
    assert members.unsigned == canonical_json({k: v for k, v in obj.items() if k != "signature"})


def test_a_page_item_copied_with_another_envelope_carries_no_members(coalition, now):
    from dataclasses import replace

    from fts_share.federation.feed import PageItem

    env = json.loads(json.dumps(_seal(coalition, now, [coalition["IRQ"].recipient()])))
    digest, members = digest_and_members(env)
    item = PageItem.checked(n=1, seq=1, digest=digest, envelope=env, members=members)
    tampered = replace(item, envelope={**env, "nonce": env["ciphertext"][:16]})
    assert item.members is members and tampered.members is None
