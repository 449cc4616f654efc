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

This module verifies and opens; sealing (:class:`Recipient`, :func:`seal`,
:func:`seal_plaintext`) is in ``_envelope_seal`` and the wire's constants and shape
checks in ``_envelope_wire``, both imported from here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from fts_share.crypto._envelope_seal import Recipient, seal, seal_plaintext
from fts_share.crypto._envelope_wire import (
    CEK_LENGTH,
    ENVELOPE_FIELDS,
    ENVELOPE_KINDS,
    ENVELOPE_SIGNATURE_CONTEXT,
    ENVELOPE_VERSION,
    HPKE_SUITES,
    KIND_SUITE,
    MAX_ENVELOPE_BYTES,
    MAX_RECIPIENTS,
    SIGNED_FIELDS,
    STATEMENT_FIELDS,
    STATEMENT_SIGNATURE_CONTEXT,
    SUITE_MLKEM768_X25519,
    SUITE_X25519,
    TLP_LABELS,
    body_bytes,
    cek_info,
    check_body,
    check_structure,
    fail,
    join_members,
    parse_header,
    unsigned_and_digest,
)
from fts_share.crypto.canonical import (
    canonical_json,
    canonical_members,
    loads_canonical,
    sha256_hex,
    strict_loads,
    strict_loads_plain,
    unb64u,
)
from fts_share.crypto.keys import KeyKind, PrivateKey, PublicKey, verify_signature
from fts_share.errors import CryptoError

__all__ = [
    "ENVELOPE_KINDS", "ENVELOPE_VERSION", "MAX_ENVELOPE_BYTES", "MAX_RECIPIENTS",
    "SUITE_MLKEM768_X25519", "SUITE_X25519", "TLP_LABELS", "EnvelopeHeader", "Members",
    "OpenedNotice", "Recipient", "digest_and_members", "envelope_digest", "open_envelope",
    "seal", "seal_plaintext", "verify_authorship", "verify_envelope",
]

KeyFor = Callable[[str, str], PublicKey]

#: The header's members that the inner statement repeats and must equal.
_STATED = ("origin", "kind", "created", "label")
_stated = itemgetter(*_STATED)  # those members' values of a header or statement, a tuple
_ALL_FIELDS = sorted(ENVELOPE_FIELDS)


@dataclass(frozen=True)
class _Body:
    """What opening reads of an envelope, as checked: the wrapped keys, nonce and
    ciphertext texts, the header's ``_STATED`` values, and the texts the check decoded."""

    source: Mapping[str, Any]  # the envelope object these were read from
    keys: Mapping[str, Any]
    nonce: Any
    ciphertext: Any
    stated: tuple[Any, ...]
    decoded: Mapping[str, bytes] | None


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
    #: the body as verification checked and decoded it, for open_envelope; kept in
    #: this process only (not an argument: a copy has none)
    checked: _Body | None = field(default=None, init=False, repr=False, compare=False)

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


class Members(dict[str, bytes]):
    """The JCS of each member of one envelope (name -> bytes), as
    :func:`digest_and_members` computed them, ``digest``, the envelope's
    :func:`envelope_digest` computed from them, and ``unsigned``, JCS of the
    envelope without its signature."""

    def __init__(self, jcs: Mapping[str, bytes], digest: str, unsigned: bytes) -> None:
        super().__init__(jcs)
        self.digest, self.unsigned = digest, unsigned


def _lookup(key_for: KeyFor, origin: str, kid: str) -> PublicKey:
    try:
        public = key_for(origin, kid)
    except LookupError:
        raise fail(f"unknown signer {origin}/{kid}") from None
    if not isinstance(public, PublicKey) or public.kind is not KeyKind.ED25519 \
            or public.kid != kid:
        raise fail(f"key_for returned no ed25519 key {kid}")
    return public


def envelope_digest(envelope: Mapping[str, Any]) -> str:
    """Hex SHA-256 of JCS of the complete envelope (signature included): the next
    envelope's ``prev`` and the envelope's identity in feeds."""
    if not isinstance(envelope, Mapping):
        raise fail("not an object")
    return sha256_hex(canonical_json(dict(envelope)))


def digest_and_members(envelope: Mapping[str, Any]) -> tuple[str, Members | None]:
    """:func:`envelope_digest`, and the JCS of each member when ``envelope`` has exactly
    an envelope's members (else None), for :func:`verify_envelope` to take."""
    if isinstance(envelope, Mapping) and set(envelope) == ENVELOPE_FIELDS:
        try:
            jcs = canonical_members(envelope, ENVELOPE_FIELDS)
        except CryptoError:
            pass  # refused below as the whole envelope is
        else:
            unsigned, digest = unsigned_and_digest(jcs)
            return digest, Members(jcs, digest, unsigned)
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
    ``members``: what :func:`digest_and_members` gave for this same envelope object
    (its digest is then not computed again).
    """
    # Step 1: shape only.
    env = check_structure(envelope, max_bytes=max_bytes)
    members = members or {name: canonical_json(env[name]) for name in ENVELOPE_FIELDS}
    unsigned = members.unsigned if isinstance(members, Members) \
        else join_members(members, SIGNED_FIELDS)
    if len(unsigned) > max_bytes:
        raise fail(f"{len(unsigned)} bytes exceed {max_bytes}")
    # Step 2: the outer signature, before any value is interpreted.
    header = env["header"]
    public = _lookup(key_for, header["origin"], header["signer"])
    verify_signature(public, unb64u(env["signature"]), ENVELOPE_SIGNATURE_CONTEXT + unsigned)
    # Step 3: the header and the body's sizes.
    created, recipients = parse_header(header)
    decoded = check_body(env, recipients)
    digest = members.digest if isinstance(members, Members) \
        else sha256_hex(join_members(members, _ALL_FIELDS))
    out = EnvelopeHeader(
        version=header["v"], origin=header["origin"], seq=header["seq"],
        prev=header["prev"], created=created, label=header["label"], kind=header["kind"],
        signer_kid=header["signer"], recipients=recipients, digest=digest,
        canonical=members["header"])
    object.__setattr__(out, "checked", _Body(
        source=envelope, keys=dict(env["keys"]), nonce=env["nonce"],
        ciphertext=env["ciphertext"], stated=_stated(header),
        decoded=decoded))
    return out


def _body_to_open(envelope: Mapping[str, Any], header: EnvelopeHeader) -> _Body:
    """What :func:`open_envelope` opens. When ``envelope`` is the very object that
    ``header`` was verified from: the body as verification checked it (nothing of
    ``envelope`` is read again, so its structure is not checked again nor its header
    canonicalised again). Otherwise ``envelope`` checked now, and refused unless its
    header's JCS is the verified one."""
    checked = header.checked
    if checked is not None and checked.source is envelope:
        return checked
    env = check_structure(envelope, max_bytes=MAX_ENVELOPE_BYTES * 4)
    if canonical_json(env["header"]) != header.canonical:
        raise fail("open: header does not belong to this envelope")
    return _Body(source=envelope, keys=env["keys"], nonce=env["nonce"],
                 ciphertext=env["ciphertext"],
                 stated=_stated(env["header"]),
                 decoded=checked.decoded if checked is not None else None)


def _decrypt(body: _Body, header: EnvelopeHeader, node: str,
             private_keys: Mapping[str, PrivateKey]) -> bytes:
    header_bytes = header.canonical
    info = cek_info(header_bytes)
    mine = [(kid, suite) for n, kid, suite in header.recipients
            if n == node and kid in private_keys]
    if not mine:
        raise fail(f"open: not addressed to {node} under any of its keys")
    for kid, suite in mine:
        key = private_keys[kid]
        if not isinstance(key, PrivateKey) or key.kid != kid or KIND_SUITE.get(key.kind) != suite:
            continue
        try:
            cek = HPKE_SUITES[suite].decrypt(body_bytes(body.decoded, body.keys[kid]),
                                             key.hpke_key(), info=info)
            if len(cek) != CEK_LENGTH:
                continue
            return AESGCM(cek).decrypt(body_bytes(body.decoded, body.nonce),
                                       body_bytes(body.decoded, body.ciphertext),
                                       header_bytes)
        except (InvalidTag, ValueError, TypeError, KeyError, CryptoError):
            continue
    raise fail("open: cannot unwrap or decrypt")


def _parse_plaintext(plaintext: bytes) -> tuple[dict[str, Any], bytes, bool, bytes | None]:
    """The statement, the inner signature, whether the statement may take
    :func:`canonical_json`'s fast path, and ``JCS(statement)`` when the plaintext is
    canonical JSON (as a sealer writes it): then the statement's text within it."""
    canonical, doc = loads_canonical(plaintext)
    plain = canonical
    if not canonical:
        doc, plain = strict_loads_plain(plaintext)
    if not isinstance(doc, dict) or set(doc) != {"statement", "sig"}:
        raise fail("open: content is not {statement, sig}")
    statement, sig = doc["statement"], doc["sig"]
    if not isinstance(statement, dict) or not isinstance(sig, str):
        raise fail("open: content has wrong types")
    signature = unb64u(sig)
    signed = None
    if canonical:  # {"sig":"<sig>","statement":JCS(statement)}: sig is base64url, unescaped
        start = len(b'{"sig":"') + len(sig) + len(b'","statement":')
        signed = plaintext[start:-1]
    return statement, signature, plain, signed


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
    (the outer signature is not checked again). Given the very envelope object it
    verified, what verification checked is opened; given another object (or a copy
    of ``header``), that object's structure is checked and its header's canonical
    bytes must equal the verified ones.
    ``private_keys`` maps kids to this node's encryption keys. Steps: find a wrapped
    key for ``node`` under one of its kids; HPKE-unwrap it with
    ``info = CEK_INFO_CONTEXT || SHA-256(JCS(header))``; AES-256-GCM-decrypt with
    ``AAD = JCS(header)``; verify the inner signature with ``key_for(origin,
    signer)``; check the statement's origin, kind, created and label equal the
    header's. Raises :class:`CryptoError`.
    """
    if not isinstance(header, EnvelopeHeader):
        raise fail("open: header must be an EnvelopeHeader")
    body = _body_to_open(envelope, header)
    statement, inner_sig, plain, signed = _parse_plaintext(
        _decrypt(body, header, node, private_keys))
    try:
        if signed is None:
            signed = canonical_json(statement, plain=plain)
    except CryptoError:
        raise fail("open: statement cannot be canonicalised") from None
    public = _lookup(key_for, header.origin, header.signer_kid)
    verify_signature(public, inner_sig, STATEMENT_SIGNATURE_CONTEXT + signed)
    statement = _check_statement(statement)
    if _stated(statement) != body.stated:
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
