"""RFC 9421 request signatures: every refusal, the nonce cache, and interop."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from fts_share.crypto import _sfv
from fts_share.crypto.httpsig import (
    MAX_TTL,
    NonceCache,
    sign_request,
    signature_base,
    verify_request,
)
from fts_share.errors import CryptoError, RosterError

URL = "https://fra.node.example:8443/api/v1/feed?after=0&limit=100"
BODY = b'{"after": 0}'


@pytest.fixture
def signer(coalition):
    return coalition["IRQ"].signing


@pytest.fixture
def signed(signer, now):
    return sign_request(method="POST", url=URL, headers={"Content-Type": "application/json"},
                        body=BODY, key=signer, now=now)


def verify(coalition, headers, now, *, method="POST", url=URL, body=BODY, cache=None,
           key_for=None, max_skew=30):
    cache = NonceCache(clock=lambda: now) if cache is None else cache
    return verify_request(method=method, url=url, headers=headers, body=body,
                          key_for=key_for or coalition.key_by_kid, now=now,
                          max_skew=max_skew, remember_nonce=cache.remember)


def test_ok_and_case_insensitive(coalition, signed, now, signer):
    lowered = {k.lower(): v for k, v in signed.items()}
    upper = {k.upper(): v for k, v in signed.items()}
    for headers in (signed, lowered, upper, {**signed, "Content-Type": "x"}):
        v = verify(coalition, headers, now + timedelta(seconds=59))
        assert v.keyid == signer.kid and v.expires == now + timedelta(seconds=60)


def test_replay(coalition, signed, now):
    cache = NonceCache(clock=lambda: now)
    verify(coalition, signed, now, cache=cache)
    with pytest.raises(CryptoError):
        verify(coalition, signed, now, cache=cache)


@pytest.mark.parametrize("seconds", [91, 3600, -31, -3600])
def test_expired_or_future(coalition, signed, now, seconds):
    # expires = now + 60 and max_skew 30: refused after now + 90 (expired) and before
    # now - 30 (created in the future for the verifier's clock)
    with pytest.raises(CryptoError):
        verify(coalition, signed, now + timedelta(seconds=seconds))


def test_skew_edges_accepted(coalition, signed, now):
    verify(coalition, signed, now + timedelta(seconds=90))
    verify(coalition, signed, now - timedelta(seconds=30))


@pytest.mark.parametrize("missing", ["Signature", "Signature-Input", "Content-Digest"])
def test_missing_header(coalition, signed, now, missing):
    del signed[missing]
    with pytest.raises(CryptoError):
        verify(coalition, signed, now)


def test_unsigned(coalition, now):
    with pytest.raises(CryptoError):
        verify(coalition, {}, now)


@pytest.mark.parametrize("change", [
    {"method": "GET"}, {"url": URL.replace("after=0", "after=1")},
    {"url": URL.replace("https", "http")}, {"body": BODY + b" "}, {"body": b""}])
def test_tampered_request(coalition, signed, now, change):
    with pytest.raises(CryptoError):
        verify(coalition, signed, now, **change)


def test_wrong_digest_even_if_resigned(coalition, signed, now, signer):
    # A Content-Digest that matches a different body, correctly signed: refused on the body.
    other = sign_request(method="POST", url=URL, headers={}, body=b"other", key=signer, now=now)
    with pytest.raises(CryptoError):
        verify(coalition, other, now, body=BODY)


def test_bad_signature_and_key(coalition, signed, now):
    sig = bytearray(_sfv.parse_dictionary(signed["Signature"])["fts"].value)
    sig[0] ^= 1
    bad = {**signed, "Signature": "fts=:" + base64.b64encode(bytes(sig)).decode() + ":"}
    with pytest.raises(CryptoError):
        verify(coalition, bad, now)
    with pytest.raises(CryptoError):  # unknown keyid
        verify(coalition, signed, now, key_for=lambda kid: (_ for _ in ()).throw(KeyError()))
    with pytest.raises(RosterError):  # a revoked key: the roster's error comes through
        verify(coalition, signed, now, key_for=lambda kid: (_ for _ in ()).throw(RosterError()))
    with pytest.raises(CryptoError):  # another node's key
        verify(coalition, signed, now, key_for=lambda kid: coalition["JOR"].signing.public())


def _resign(signer, now, components, params, *, label="fts", method="POST", url=URL,
            body=BODY, digest=None):
    from fts_share.crypto.httpsig import content_digest
    digest = digest or content_digest(body)
    base = signature_base(components, params, method=method, url=url,
                          headers={"content-digest": digest})
    sig = base64.b64encode(signer.sign(base)).decode()
    inner = _sfv.serialize_inner_list([(c, {}) for c in components], params)
    return {"Content-Digest": digest, "Signature-Input": f"{label}={inner}",
            "Signature": f"{label}=:{sig}:"}


def _params(signer, now, **change):
    created = int(now.timestamp())
    params = {"created": created, "expires": created + 60, "nonce": "n" * 22,
              "keyid": signer.kid, "alg": "ed25519"}
    params.update(change)
    return {k: v for k, v in params.items() if v is not None}


FULL = ["@method", "@target-uri", "content-digest"]


@pytest.mark.parametrize("components,change", [
    (["@method", "@target-uri"], {}),
    (["@method", "content-digest"], {}),
    (FULL + ["@authority"], {}),
    (FULL, {"alg": "rsa-pss-sha512"}),
    (FULL, {"nonce": None}),
    (FULL, {"expires": None}),
    (FULL, {"created": None}),
    (FULL, {"tag": "x"}),
    (FULL, {"nonce": "short"}),
    (FULL, {"expires": lambda c: c + MAX_TTL + 1}),
    (FULL, {"expires": lambda c: c}),
])
def test_profile_violations_refused(coalition, signer, now, components, change):
    params = _params(signer, now)
    for key, value in change.items():
        if value is None:
            params.pop(key)
        else:
            params[key] = value(params["created"]) if callable(value) else value
    headers = _resign(signer, now, components, params)
    with pytest.raises(CryptoError):
        verify(coalition, headers, now)


def test_component_order_is_free(coalition, signer, now):
    headers = _resign(signer, now, ["content-digest", "@target-uri", "@method"],
                      _params(signer, now))
    assert verify(coalition, headers, now).keyid == signer.kid


def test_other_labels_ignored(coalition, signer, now, signed):
    headers = _resign(signer, now, FULL, _params(signer, now), label="other")
    with pytest.raises(CryptoError):
        verify(coalition, headers, now)
    merged = {**signed, "Signature-Input": headers["Signature-Input"] + ", " +
              signed["Signature-Input"], "Signature": signed["Signature"] + ", " +
              headers["Signature"]}
    assert verify(coalition, merged, now).keyid == signer.kid


@pytest.mark.parametrize("field,value", [
    ("Signature-Input", "fts="), ("Signature-Input", 'fts=("@method"'),
    ("Signature-Input", "fts=(@method)"), ("Signature-Input", "ü"),
    ("Signature", "fts=:not base64!:"), ("Signature", "fts=abc"), ("Signature", "fts=:AAAA:"),
    ("Content-Digest", "sha-256=abc"), ("Content-Digest", "sha-512=:AAAA:"),
    ("Signature-Input", "fts=(), fts=()"), ("Signature", "x" * 10000)])
def test_malformed_fields(coalition, signed, now, field, value):
    signed[field] = value
    with pytest.raises(CryptoError):
        verify(coalition, signed, now)


def test_duplicate_header_names(coalition, signed, now):
    with pytest.raises(CryptoError):
        verify(coalition, {**signed, "signature": signed["Signature"]}, now)


def test_sign_argument_checks(coalition, signer, now):
    for kw in ({"method": "get"}, {"url": "/relative"}, {"url": "https://x/\n"},
               {"ttl": 0}, {"ttl": MAX_TTL + 1}, {"nonce": "bad nonce"},
               {"key": coalition["IRQ"].x25519}):
        args = {"method": "GET", "url": URL, "headers": {}, "body": b"", "key": signer, "now": now}
        with pytest.raises(CryptoError):
            sign_request(**{**args, **kw})


def test_nonce_cache_expiry_and_bound(now):
    clock = [now]
    cache = NonceCache(max_entries=2, clock=lambda: clock[0])
    until = now + timedelta(seconds=90)
    assert cache.remember("k", "a", until) and not cache.remember("k", "a", until)
    assert cache.remember("k2", "a", until)
    assert not cache.remember("k", "b", until)  # full: fail closed
    clock[0] = until + timedelta(seconds=1)
    assert cache.remember("k", "b", clock[0] + timedelta(seconds=90)) and len(cache) == 1
    assert cache.remember("k", "a", clock[0] + timedelta(seconds=90))  # expired: forgotten


def test_interop_with_http_message_signatures(coalition, signer):
    """Both ways, against the independent http-message-signatures implementation."""
    hms = pytest.importorskip("http_message_signatures")
    from http_message_signatures import algorithms

    class Request:
        def __init__(self, method, url, headers):
            self.method, self.url, self.headers = method, url, dict(headers)

    class Resolver(hms.HTTPSignatureKeyResolver):
        def resolve_public_key(self, key_id):
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
            return Ed25519PublicKey.from_public_bytes(coalition.key_by_kid(key_id).raw)

        def resolve_private_key(self, key_id):
            return signer._obj

    now = datetime.now(UTC).replace(microsecond=0)
    ours = sign_request(method="POST", url=URL, headers={}, body=BODY, key=signer, now=now)
    verifier = hms.HTTPMessageVerifier(signature_algorithm=algorithms.ED25519,
                                       key_resolver=Resolver())
    results = verifier.verify(Request("POST", URL, ours), body=BODY,
                              require_components=("@method", "@target-uri", "content-digest"))
    assert results[0].parameters["keyid"] == signer.kid and results[0].body == BODY

    request = Request("POST", URL, {})
    hms.HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=Resolver()).sign(
        request, key_id=signer.kid, created=now, expires=now + timedelta(seconds=60),
        nonce="Zm9vYmFyYmF6cXV4cXV1eA", label="fts", body=BODY,
        covered_component_ids=("@method", "@target-uri", "content-digest"))
    verified = verify(coalition, request.headers, now)
    assert verified.nonce == "Zm9vYmFyYmF6cXV4cXV1eA"
