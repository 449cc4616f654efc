"""The sealed envelope: signed by its origin, encrypted once, key wrapped per recipient.

Format and byte-level steps: ``docs/protocol.md``, section "Envelope". In short::

    {"v": 1,
     "header": {"v", "origin", "seq", "prev", "created", "label", "kind", "signer",
                "recipients": [{"node", "kid", "suite"}, ...]},
     "keys": {kid: b64u(HPKE enc || wrapped CEK), ...},
     "nonce": b64u(12 bytes), "ciphertext": b64u(AES-256-GCM output),
     "signature": b64u(Ed25519 over ENVELOPE_SIGNATURE_CONTEXT || JCS(envelope - signature))}

Verification follows pyca/cryptography's Fernet: shape checks that trust nothing, then
the signature, and only then the header is interpreted or anything decrypted. Every
failure raises the same :class:`~fts_share.errors.CryptoError`; the message carries a
local detail for the logs and is never shown to a peer.

``key_for(origin, signer_kid)`` must return the origin's Ed25519
:class:`~fts_share.crypto.keys.PublicKey` valid for that envelope or raise. An
:class:`~fts_share.errors.FtsError` it raises (``RosterError`` for a non-member or a
revoked key, ``CryptoError``) propagates unchanged, so the caller can record why; a
``LookupError`` becomes ``CryptoError``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from fts_share.clock import to_rfc3339
from fts_share.crypto._envelope_wire import (
    CEK_INFO_CONTEXT,
    CEK_LENGTH,
    ENVELOPE_FIELDS,
    ENVELOPE_KINDS,
    ENVELOPE_SIGNATURE_CONTEXT,
    ENVELOPE_VERSION,
    HPKE_SUITES,
    KIND_SUITE,
    MAX_ENVELOPE_BYTES,
    MAX_RECIPIENTS,
    MAX_SEQ,
    NODE_RE,
    NONCE_LENGTH,
    PREV_RE,
    STATEMENT_FIELDS,
    STATEMENT_SIGNATURE_CONTEXT,
    SUITE_MLKEM768_X25519,
    SUITE_X25519,
    TLP_LABELS,
    body_bytes,
    check_body,
    check_structure,
    fail,
    parse_header,
)
from fts_share.crypto.canonical import (
    b64u,
    canonical_json,
    sha256,
    sha256_hex,
    strict_loads,
    strict_loads_plain,
    unb64u,
)
from fts_share.crypto.keys import KeyKind, PrivateKey, PublicKey, verify_signature
from fts_share.errors import CryptoError

__all__ = [
    "ENVELOPE_KINDS", "ENVELOPE_VERSION", "MAX_ENVELOPE_BYTES", "MAX_RECIPIENTS",
    "SUITE_MLKEM768_X25519", "SUITE_X25519", "TLP_LABELS", "EnvelopeHeader",
    "OpenedNotice", "Recipient", "digest_and_members", "envelope_digest", "open_envelope",
    "seal", "verify_authorship", "verify_envelope",
]

KeyFor = Callable[[str, str], PublicKey]


@dataclass(frozen=True)
class Recipient:
    """A node to encrypt to, by one of its encryption keys. An ``x25519`` key gets the
    HPKE suite X25519/HKDF-SHA256/AES-256-GCM, an ``mlkem768x25519`` key the hybrid
    post-quantum suite MLKEM768-X25519/HKDF-SHA256/AES-256-GCM."""

    node: str
    key: PublicKey


@dataclass(frozen=True)
class EnvelopeHeader:
    """The verified clear header of an envelope, as :func:`verify_envelope` returns it."""

    version: int
    origin: str
    seq: int
    prev: str | None
    created: datetime
    label: str
    kind: str
    signer_kid: str
    recipients: tuple[tuple[str, str, str], ...]  # (node, kid, suite), sorted
    digest: str  # envelope_digest of the envelope this header came from
    #: JCS(header) as signed: the content key's AAD, and how open_envelope tells that
    #: an envelope is the one this header was verified from.
    canonical: bytes = field(repr=False)
    #: base64url text -> bytes of the body as the check decoded it, for open_envelope
    #: (which decodes a text not found here); not an argument: a copy has none
    decoded: Mapping[str, bytes] | None = field(default=None, init=False, repr=False,
                                                compare=False)

    def addressed_to(self, node: str) -> bool:
        """True if ``node`` is among the recipients."""
        return any(entry[0] == node for entry in self.recipients)


@dataclass(frozen=True)
class OpenedNotice:
    """A decrypted, authenticated envelope content."""

    payload: dict[str, Any]
    signed: bytes  # JCS(statement): what the origin signed (after the context prefix)
    signature: bytes  # inner Ed25519 signature, for verify_authorship
    signer_kid: str
    statement: dict[str, Any] | None = field(default=None, repr=False, compare=False)
    """the statement as parsed when opened (``payload`` is its member), so that a
    receiver checks its schema without parsing ``signed`` again"""


@lru_cache(maxsize=1024)
def _hpke_public(key: PublicKey) -> Any:
    return key.hpke_key()


def _cek_info(header_bytes: bytes) -> bytes:
    return CEK_INFO_CONTEXT + sha256(header_bytes)


#: The envelope's member names as JCS strings.
_FIELD_JSON = {name: canonical_json(name) for name in ENVELOPE_FIELDS}


def _join(members: Mapping[str, bytes], names: Sequence[str]) -> bytes:
    """JCS of an envelope (or part of one) whose member values are already canonical."""
    return b"{" + b",".join(_FIELD_JSON[n] + b":" + members[n] for n in sorted(names)) + b"}"


def _lookup(key_for: KeyFor, origin: str, kid: str) -> PublicKey:
    try:
        public = key_for(origin, kid)
    except LookupError:
        raise fail(f"unknown signer {origin}/{kid}") from None
    if not isinstance(public, PublicKey) or public.kind is not KeyKind.ED25519 \
            or public.kid != kid:
        raise fail(f"key_for returned no ed25519 key {kid}")
    return public


def _check_seal_args(origin: str, seq: int, prev: str | None, created: datetime,
                     label: str, kind: str, signer: PrivateKey,
                     recipients: Sequence[Recipient]) -> None:
    problem = (_header_arg_problem(origin, seq, prev, created, label, kind)
               or _party_arg_problem(signer, recipients))
    if problem is not None:
        raise fail(problem)


def _header_arg_problem(origin: str, seq: int, prev: str | None, created: datetime,
                        label: str, kind: str) -> str | None:
    """What is wrong with the header arguments of :func:`seal` (the first thing), or None."""
    if not isinstance(origin, str) or not NODE_RE.fullmatch(origin):
        return "seal: malformed origin"
    if type(seq) is not int or not 0 <= seq <= MAX_SEQ:
        return "seal: seq out of range"
    if prev is not None and not (isinstance(prev, str) and PREV_RE.fullmatch(prev)):
        return "seal: prev must be None or a lower-case hex SHA-256"
    if not isinstance(created, datetime) or created.tzinfo is None:
        return "seal: created must be an aware datetime"
    if label not in TLP_LABELS or kind not in ENVELOPE_KINDS:
        return "seal: unknown label or kind"
    return None


def _party_arg_problem(signer: PrivateKey, recipients: Sequence[Recipient]) -> str | None:
    """What is wrong with the signer or the recipients given to :func:`seal`, or None."""
    if not isinstance(signer, PrivateKey) or signer.kind is not KeyKind.ED25519:
        return "seal: signer must be an ed25519 private key"
    if not 1 <= len(recipients) <= MAX_RECIPIENTS:
        return f"seal: 1 to {MAX_RECIPIENTS} recipients"
    for r in recipients:
        if (not isinstance(r, Recipient) or not isinstance(r.node, str)
                or not NODE_RE.fullmatch(r.node) or not isinstance(r.key, PublicKey)
                or r.key.kind not in KIND_SUITE):
            return "seal: recipient needs a node code and an encryption key"
    if len({r.key.kid for r in recipients}) != len(recipients):
        return "seal: duplicate recipient key"
    return None


def seal(payload: Mapping[str, Any], *, origin: str, seq: int, prev: str | None,
         created: datetime, label: str, kind: str, signer: PrivateKey,
         recipients: Sequence[Recipient],
         max_bytes: int = MAX_ENVELOPE_BYTES) -> dict[str, Any]:
    """Sign ``payload`` (inner statement), encrypt it once, wrap the content key for
    every recipient, and sign the whole envelope. Returns the envelope as a JSON-ready
    ``dict``. Raises :class:`CryptoError` for bad arguments or an envelope larger than
    ``max_bytes``."""
    recipients = list(recipients)
    _check_seal_args(origin, seq, prev, created, label, kind, signer, recipients)
    if not isinstance(payload, Mapping):
        raise fail("seal: payload must be an object")
    recipients.sort(key=lambda r: (r.node, r.key.kid))
    header = {
        "v": ENVELOPE_VERSION, "origin": origin, "seq": seq, "prev": prev,
        "created": to_rfc3339(created), "label": label, "kind": kind,
        "signer": signer.kid,
        "recipients": [{"node": r.node, "kid": r.key.kid, "suite": KIND_SUITE[r.key.kind]}
                       for r in recipients],
    }
    statement = {"v": ENVELOPE_VERSION, "origin": origin, "kind": kind,
                 "created": header["created"], "label": label, "payload": dict(payload)}
    signed = canonical_json(statement)
    inner_sig = signer.sign(STATEMENT_SIGNATURE_CONTEXT + signed)
    plaintext = canonical_json({"statement": statement, "sig": b64u(inner_sig)})
    return seal_plaintext(plaintext, header=header, signer=signer, recipients=recipients,
                          max_bytes=max_bytes)


def seal_plaintext(plaintext: bytes, *, header: dict[str, Any], signer: PrivateKey,
                   recipients: Sequence[Recipient],
                   max_bytes: int = MAX_ENVELOPE_BYTES) -> dict[str, Any]:
    """Low-level: encrypt ``plaintext`` under ``header`` and sign. :func:`seal` builds
    the plaintext; tests use this to craft envelopes with a bad inner layer."""
    header_bytes = canonical_json(header)
    info = _cek_info(header_bytes)
    cek = AESGCM.generate_key(bit_length=8 * CEK_LENGTH)
    nonce = os.urandom(NONCE_LENGTH)
    ciphertext = AESGCM(cek).encrypt(nonce, plaintext, header_bytes)
    keys = {r.key.kid: b64u(HPKE_SUITES[KIND_SUITE[r.key.kind]].encrypt(
        cek, _hpke_public(r.key), info=info)) for r in recipients}
    envelope: dict[str, Any] = {"v": ENVELOPE_VERSION, "header": header, "keys": keys,
                                "nonce": b64u(nonce), "ciphertext": b64u(ciphertext)}
    members = {name: canonical_json(value) for name, value in envelope.items()}
    unsigned = _join(members, list(members))
    if len(unsigned) > max_bytes:
        raise fail(f"seal: envelope of {len(unsigned)} bytes exceeds {max_bytes}")
    envelope["signature"] = b64u(signer.sign(ENVELOPE_SIGNATURE_CONTEXT + unsigned))
    return envelope


def envelope_digest(envelope: Mapping[str, Any]) -> str:
    """Hex SHA-256 of JCS of the complete envelope (signature included): the next
    envelope's ``prev`` and the envelope's identity in feeds."""
    if not isinstance(envelope, Mapping):
        raise fail("not an object")
    return sha256_hex(canonical_json(dict(envelope)))


def digest_and_members(envelope: Mapping[str, Any]) -> tuple[str, dict[str, bytes] | None]:
    """:func:`envelope_digest`, and the JCS of each member when ``envelope`` has exactly
    an envelope's members (else None), for :func:`verify_envelope` to take."""
    if isinstance(envelope, Mapping) and set(envelope) == ENVELOPE_FIELDS:
        try:
            members = {name: canonical_json(envelope[name]) for name in ENVELOPE_FIELDS}
            return sha256_hex(_join(members, sorted(ENVELOPE_FIELDS))), members
        except CryptoError:
            pass  # refused below as the whole envelope is
    return envelope_digest(envelope), None


def verify_envelope(envelope: Mapping[str, Any], *, key_for: KeyFor,
                    max_bytes: int = MAX_ENVELOPE_BYTES,
                    members: Mapping[str, bytes] | None = None) -> EnvelopeHeader:
    """Verify an envelope's shape and outer signature, then parse its header.

    Steps: (1) shape, types and sizes, trusting nothing; (2) the origin's Ed25519
    signature over ``ENVELOPE_SIGNATURE_CONTEXT || JCS(envelope minus "signature")``
    with the key ``key_for(origin, signer)`` returns; (3) only then the header's
    values, the wrapped keys, nonce and ciphertext lengths. Raises
    :class:`CryptoError` (or what ``key_for`` raises, see the module docstring).
    ``members``: what :func:`digest_and_members` gave for this same envelope object.
    """
    # Step 1: shape only.
    env = check_structure(envelope, max_bytes=max_bytes)
    members = members or {name: canonical_json(env[name]) for name in ENVELOPE_FIELDS}
    unsigned = _join(members, sorted(ENVELOPE_FIELDS - {"signature"}))
    if len(unsigned) > max_bytes:
        raise fail(f"{len(unsigned)} bytes exceed {max_bytes}")
    # Step 2: the outer signature, before any value is interpreted.
    header = env["header"]
    public = _lookup(key_for, header["origin"], header["signer"])
    verify_signature(public, unb64u(env["signature"]), ENVELOPE_SIGNATURE_CONTEXT + unsigned)
    # Step 3: the header and the body's sizes.
    created, recipients = parse_header(header)
    decoded = check_body(env, recipients)
    out = EnvelopeHeader(
        version=header["v"], origin=header["origin"], seq=header["seq"],
        prev=header["prev"], created=created, label=header["label"], kind=header["kind"],
        signer_kid=header["signer"], recipients=recipients,
        digest=sha256_hex(_join(members, sorted(ENVELOPE_FIELDS))), canonical=members["header"])
    object.__setattr__(out, "decoded", decoded)
    return out


def _decrypt(env: dict[str, Any], header: EnvelopeHeader, node: str,
             private_keys: Mapping[str, PrivateKey]) -> bytes:
    header_bytes = header.canonical
    info = _cek_info(header_bytes)
    mine = [(kid, suite) for n, kid, suite in header.recipients
            if n == node and kid in private_keys]
    if not mine:
        raise fail(f"open: not addressed to {node} under any of its keys")
    for kid, suite in mine:
        key = private_keys[kid]
        if not isinstance(key, PrivateKey) or key.kid != kid or KIND_SUITE.get(key.kind) != suite:
            continue
        try:
            cek = HPKE_SUITES[suite].decrypt(body_bytes(header.decoded, env["keys"][kid]), key.hpke_key(),
                                             info=info)
            if len(cek) != CEK_LENGTH:
                continue
            return AESGCM(cek).decrypt(body_bytes(header.decoded, env["nonce"]),
                                       body_bytes(header.decoded, env["ciphertext"]),
                                       header_bytes)
        except (InvalidTag, ValueError, TypeError, KeyError, CryptoError):
            continue
    raise fail("open: cannot unwrap or decrypt")


def _parse_plaintext(plaintext: bytes) -> tuple[dict[str, Any], bytes, bool]:
    doc, plain = strict_loads_plain(plaintext)
    if not isinstance(doc, dict) or set(doc) != {"statement", "sig"}:
        raise fail("open: content is not {statement, sig}")
    statement, sig = doc["statement"], doc["sig"]
    if not isinstance(statement, dict) or not isinstance(sig, str):
        raise fail("open: content has wrong types")
    return statement, unb64u(sig), plain


def _check_statement(statement: Any) -> dict[str, Any]:
    if (not isinstance(statement, dict) or set(statement) != STATEMENT_FIELDS
            or statement["v"] != ENVELOPE_VERSION or type(statement["v"]) is not int
            or not isinstance(statement["payload"], dict)):
        raise fail("statement: expected v=1, origin, kind, created, label, payload")
    return statement


def open_envelope(envelope: Mapping[str, Any], header: EnvelopeHeader, *, node: str,
                  private_keys: Mapping[str, PrivateKey],
                  key_for: KeyFor) -> OpenedNotice:
    """Decrypt and authenticate the content of a verified envelope for ``node``.

    ``header`` must be what :func:`verify_envelope` returned for this same envelope
    (the canonical bytes of the envelope's header must equal the verified ones; the
    outer signature is not checked again).
    ``private_keys`` maps kids to this node's encryption keys. Steps: find a wrapped
    key for ``node`` under one of its kids; HPKE-unwrap it with
    ``info = CEK_INFO_CONTEXT || SHA-256(JCS(header))``; AES-256-GCM-decrypt with
    ``AAD = JCS(header)``; verify the inner signature with ``key_for(origin,
    signer)``; check the statement's origin, kind, created and label equal the
    header's. Raises :class:`CryptoError`.
    """
    env = check_structure(envelope, max_bytes=MAX_ENVELOPE_BYTES * 4)
    if not isinstance(header, EnvelopeHeader):
        raise fail("open: header must be an EnvelopeHeader")
    if canonical_json(env["header"]) != header.canonical:
        raise fail("open: header does not belong to this envelope")
    statement, inner_sig, plain = _parse_plaintext(_decrypt(env, header, node, private_keys))
    try:
        signed = canonical_json(statement, plain=plain)
    except CryptoError:
        raise fail("open: statement cannot be canonicalised") from None
    public = _lookup(key_for, header.origin, header.signer_kid)
    verify_signature(public, inner_sig, STATEMENT_SIGNATURE_CONTEXT + signed)
    statement = _check_statement(statement)
    doc = env["header"]
    if [statement[f] for f in ("origin", "kind", "created", "label")] != \
            [doc[f] for f in ("origin", "kind", "created", "label")]:
        raise fail("open: statement does not match the header")
    return OpenedNotice(payload=statement["payload"], signed=signed, signature=inner_sig,
                        signer_kid=header.signer_kid, statement=statement)


def verify_authorship(signed: bytes, signature: bytes, public: PublicKey) -> dict[str, Any]:
    """For reviewers: check that ``public`` signed ``signed`` (an
    :class:`OpenedNotice`'s ``signed`` and ``signature``) and return the statement
    ``{"v", "origin", "kind", "created", "label", "payload"}``. Raises
    :class:`CryptoError`."""
    if not isinstance(signed, bytes):
        raise fail("authorship: signed must be bytes")
    verify_signature(public, signature, STATEMENT_SIGNATURE_CONTEXT + signed)
    statement = _check_statement(strict_loads(signed))
    if canonical_json(statement) != signed:
        raise fail("authorship: statement is not canonical JSON")
    return statement
