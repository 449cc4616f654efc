"""HTTP Message Signatures (RFC 9421) with a content digest (RFC 9530), the narrow
profile partner nodes use for their requests (``docs/protocol.md``, "HTTP request
signatures"):

- one signature, label ``fts``, algorithm ``ed25519``;
- covered components exactly ``"@method"``, ``"@target-uri"`` and
  ``"content-digest"`` (any order on input; this order on output);
- parameters exactly ``created``, ``expires``, ``nonce``, ``keyid`` (the signer's
  Ed25519 kid) and ``alg="ed25519"`` (this order on output);
- ``Content-Digest`` with a ``sha-256`` member (other members are ignored).

Other signature labels in the same fields are ignored. This module implements the
subset itself (no dependency beyond ``cryptography``); the tests check it against the
RFC 9421 Appendix B.2.6 ed25519 vector, the RFC 9530 example and, both ways, against
the ``http-message-signatures`` package when it is installed.

Verification order: shape, then the signature, then times, digest, and last the
nonce (so a forged request cannot fill the replay cache). Every failure raises
:class:`~fts_share.errors.CryptoError`. ``key_for(keyid)`` errors that are
:class:`~fts_share.errors.FtsError` propagate unchanged; ``LookupError`` becomes
``CryptoError``.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from fts_share.clock import Clock, utcnow
from fts_share.crypto import _sfv
from fts_share.crypto.canonical import b64u
from fts_share.crypto.keys import KeyKind, PrivateKey, PublicKey, verify_signature
from fts_share.errors import CryptoError

SIGNATURE_LABEL = "fts"
SIGNATURE_ALG = "ed25519"
COVERED_COMPONENTS = ("@method", "@target-uri", "content-digest")
SIGNATURE_PARAMS = ("created", "expires", "nonce", "keyid", "alg")
DIGEST_ALG = "sha-256"
DEFAULT_TTL = 60
#: Longest lifetime (expires - created) a verifier accepts, in seconds.
MAX_TTL = 300
DEFAULT_MAX_SKEW = 30
NONCE_BYTES = 16
_NONCE_RE = re.compile(r"[A-Za-z0-9_-]{16,128}")
_METHOD_RE = re.compile(r"[A-Z]{1,16}")

RememberNonce = Callable[[str, str, datetime], bool]


@dataclass(frozen=True)
class VerifiedRequest:
    """What a verified request signature establishes."""

    keyid: str
    nonce: str
    created: datetime
    expires: datetime


def _fail(detail: str) -> CryptoError:
    return CryptoError(f"http signature: {detail}")


def content_digest(body: bytes) -> str:
    """The RFC 9530 ``Content-Digest`` value for ``body`` (``sha-256=:...:``)."""
    return f"{DIGEST_ALG}=:{base64.b64encode(hashlib.sha256(body).digest()).decode()}:"


def _lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise _fail("header names and values must be strings")
        key = name.lower()
        if key in out:
            raise _fail(f"header {key} given twice")
        out[key] = value
    return out


def component_value(name: str, *, method: str, url: str,
                    headers: Mapping[str, str]) -> str:
    """The RFC 9421 value of one component: the derived components ``@method``,
    ``@target-uri``, ``@authority``, ``@scheme``, ``@path``, ``@query``, or a header
    field (``headers`` keys already lower-case; value trimmed)."""
    if name == "@method":
        return method
    if name == "@target-uri":
        return url
    parts = urlsplit(url)
    if name == "@scheme":
        return parts.scheme.lower()
    if name == "@authority":
        host = (parts.hostname or "").lower()
        default = {"http": 80, "https": 443}.get(parts.scheme.lower())
        return host if parts.port in (None, default) else f"{host}:{parts.port}"
    if name == "@path":
        return parts.path or "/"
    if name == "@query":
        return "?" + parts.query
    if name.startswith("@") or name not in headers:
        raise _fail(f"component {name} unavailable")
    return headers[name].strip(" \t")


def signature_base(components: Sequence[str], params: Mapping[str, _sfv.BareItem], *,
                   method: str, url: str, headers: Mapping[str, str]) -> bytes:
    """The RFC 9421 section 2.5 signature base for ``components`` (in order) and the
    signature ``params`` (in order)."""
    lines = []
    for name in components:
        value = component_value(name, method=method, url=url, headers=headers)
        if "\n" in value or "\r" in value or not value.isascii():
            raise _fail(f"component {name} has a value that cannot be signed")
        lines.append(f'"{name}": {value}')
    inner = _sfv.serialize_inner_list([(c, {}) for c in components], dict(params))
    lines.append(f'"@signature-params": {inner}')
    return "\n".join(lines).encode("ascii")


def _check_target(method: str, url: str) -> None:
    if not isinstance(method, str) or not _METHOD_RE.fullmatch(method):
        raise _fail("method must be an upper-case token")
    if (not isinstance(url, str) or not url.isascii() or any(c in url for c in " \r\n\t")
            or urlsplit(url).scheme not in ("http", "https")):
        raise _fail("url must be an absolute http(s) URL in ASCII")


def sign_request(*, method: str, url: str, headers: Mapping[str, str], body: bytes,
                 key: PrivateKey, now: datetime, ttl: int = DEFAULT_TTL,
                 nonce: str | None = None) -> dict[str, str]:
    """Sign a request; return the headers to add: ``Content-Digest``,
    ``Signature-Input`` and ``Signature``. ``headers`` are the request's other
    headers (not covered by this profile; accepted for symmetry). ``nonce`` defaults
    to 16 random bytes, base64url."""
    _check_target(method, url)
    if key.kind is not KeyKind.ED25519:
        raise _fail("signing key must be ed25519")
    if not 0 < ttl <= MAX_TTL:
        raise _fail(f"ttl must be in 1..{MAX_TTL}")
    nonce = b64u(os.urandom(NONCE_BYTES)) if nonce is None else nonce
    if not _NONCE_RE.fullmatch(nonce):
        raise _fail("nonce must be 16 to 128 base64url characters")
    digest = content_digest(body)
    created = int(now.timestamp())
    params: dict[str, _sfv.BareItem] = {
        "created": created, "expires": created + ttl, "nonce": nonce, "keyid": key.kid,
        "alg": SIGNATURE_ALG}
    base = signature_base(COVERED_COMPONENTS, params, method=method, url=url,
                          headers={"content-digest": digest})
    signature = key.sign(base)
    return {
        "Content-Digest": digest,
        "Signature-Input": SIGNATURE_LABEL + "=" + _sfv.serialize_inner_list(
            [(c, {}) for c in COVERED_COMPONENTS], params),
        "Signature": f"{SIGNATURE_LABEL}=:{base64.b64encode(signature).decode()}:",
    }


def _parse(headers: dict[str, str]) -> tuple[list[str], dict[str, _sfv.BareItem], bytes]:
    for name in ("signature-input", "signature", "content-digest"):
        if name not in headers:
            raise _fail(f"missing {name}")
    try:
        inputs = _sfv.parse_dictionary(headers["signature-input"])
        signatures = _sfv.parse_dictionary(headers["signature"])
    except ValueError as exc:
        raise _fail(f"malformed signature fields: {exc}") from None
    entry, sig = inputs.get(SIGNATURE_LABEL), signatures.get(SIGNATURE_LABEL)
    if entry is None or sig is None or entry.items is None:
        raise _fail(f"no {SIGNATURE_LABEL} signature")
    components = _covered_components(entry.items)
    params = entry.params
    if set(params) != set(SIGNATURE_PARAMS) or not (
            type(params["created"]) is int and type(params["expires"]) is int
            and all(type(params[p]) is str for p in ("nonce", "keyid", "alg"))):
        raise _fail("parameters must be " + ", ".join(SIGNATURE_PARAMS))
    if not isinstance(sig.value, bytes) or sig.params:
        raise _fail("signature is not a byte sequence")
    return components, params, sig.value


def _covered_components(items: list[tuple[_sfv.BareItem, dict[str, _sfv.BareItem]]]
                        ) -> list[str]:
    """The covered component names: exactly :data:`COVERED_COMPONENTS`, without
    parameters."""
    components = [value for value, _ in items]
    if (any(params for _, params in items)
            or not all(type(c) is str for c in components)
            or sorted(components) != sorted(COVERED_COMPONENTS)):
        raise _fail("covered components must be " + " ".join(COVERED_COMPONENTS))
    return [str(c) for c in components]


def _check_digest(headers: dict[str, str], body: bytes) -> None:
    try:
        digests = _sfv.parse_dictionary(headers["content-digest"])
    except ValueError as exc:
        raise _fail(f"malformed content-digest: {exc}") from None
    member = digests.get(DIGEST_ALG)
    if member is None or not isinstance(member.value, bytes):
        raise _fail("content-digest has no sha-256 byte sequence")
    if not hmac.compare_digest(member.value, hashlib.sha256(body).digest()):
        raise _fail("content-digest does not match the body")


def verify_request(*, method: str, url: str, headers: Mapping[str, str], body: bytes,
                   key_for: Callable[[str], PublicKey], now: datetime,
                   max_skew: int = DEFAULT_MAX_SKEW,
                   remember_nonce: RememberNonce) -> VerifiedRequest:
    """Verify a partner's signed request (see the module docstring for the profile).

    ``url`` is the target URI as the verifier reconstructs it (scheme, host, port,
    path and query the client used). ``remember_nonce(keyid, nonce, until)`` must
    record the pair and return ``False`` if it was already recorded; ``until`` is
    ``expires + max_skew``, after which the signature is refused anyway.
    """
    _check_target(method, url)
    lowered = _lower_headers(headers)
    # Step 1: shape.
    components, params, signature = _parse(lowered)
    keyid = str(params["keyid"])
    # Step 2: the signature, with the key the keyid names.
    try:
        public = key_for(keyid)
    except LookupError:
        raise _fail(f"unknown keyid {keyid!r:.80}") from None
    if not isinstance(public, PublicKey) or public.kind is not KeyKind.ED25519 \
            or public.kid != keyid:
        raise _fail("key_for returned no ed25519 key for the keyid")
    base = signature_base(components, params, method=method, url=url, headers=lowered)
    verify_signature(public, signature, base)
    # Step 3: everything the signature covers.
    if params["alg"] != SIGNATURE_ALG:
        raise _fail("alg must be ed25519")
    created = datetime.fromtimestamp(int(params["created"]), UTC)
    expires = datetime.fromtimestamp(int(params["expires"]), UTC)
    skew = timedelta(seconds=max_skew)
    if not timedelta(0) < expires - created <= timedelta(seconds=MAX_TTL):
        raise _fail(f"lifetime must be 1 to {MAX_TTL} seconds")
    if created > now + skew:
        raise _fail("created in the future")
    if now > expires + skew:
        raise _fail("expired")
    _check_digest(lowered, body)
    nonce = str(params["nonce"])
    if not _NONCE_RE.fullmatch(nonce):
        raise _fail("malformed nonce")
    # Step 4: replay, last.
    if not remember_nonce(keyid, nonce, expires + skew):
        raise _fail("replayed nonce")
    return VerifiedRequest(keyid=keyid, nonce=nonce, created=created, expires=expires)


class NonceCache:
    """In-memory replay cache: bounded, entries expire. :meth:`remember` has the
    ``remember_nonce`` signature of :func:`verify_request`. When full of unexpired
    entries it refuses new ones (fails closed) rather than forget a live nonce."""

    def __init__(self, *, max_entries: int = 100_000, clock: Clock = utcnow) -> None:
        self.max_entries = max_entries
        self._clock = clock
        self._until: dict[tuple[str, str], datetime] = {}
        self._heap: list[tuple[datetime, str, str]] = []

    def __len__(self) -> int:
        return len(self._until)

    def __bool__(self) -> bool:  # an empty cache is still a cache (``cache or ...``)
        return True

    def _purge(self, now: datetime) -> None:
        while self._heap and self._heap[0][0] < now:
            until, keyid, nonce = heapq.heappop(self._heap)
            if self._until.get((keyid, nonce)) == until:
                del self._until[(keyid, nonce)]

    def remember(self, keyid: str, nonce: str, until: datetime) -> bool:
        """Record ``(keyid, nonce)`` until ``until``; ``False`` if already recorded
        (a replay) or if the cache is full."""
        self._purge(self._clock())
        key = (keyid, nonce)
        if key in self._until:
            return False
        if len(self._until) >= self.max_entries:
            return False
        self._until[key] = until
        heapq.heappush(self._heap, (until, keyid, nonce))
        return True
