"""Sealing an envelope: the origin's side of :mod:`fts_share.crypto.envelope`.

Private: import :class:`Recipient`, :func:`seal` and :func:`seal_plaintext` from
:mod:`fts_share.crypto.envelope`, which re-exports them beside verifying and opening.
The format is in ``docs/protocol.md``, section "Envelope". Every failure raises
:class:`~fts_share.errors.CryptoError`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from fts_share.clock import to_rfc3339
from fts_share.crypto._envelope_wire import (
    CEK_LENGTH,
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
    STATEMENT_SIGNATURE_CONTEXT,
    TLP_LABELS,
    cek_info,
    fail,
    join_members,
)
from fts_share.crypto.canonical import b64u, canonical_json
from fts_share.crypto.keys import KeyKind, PrivateKey, PublicKey


@dataclass(frozen=True)
class Recipient:
    """A node to encrypt to, by one of its encryption keys. An ``x25519`` key gets the
    HPKE suite X25519/HKDF-SHA256/AES-256-GCM, an ``mlkem768x25519`` key the hybrid
    post-quantum suite MLKEM768-X25519/HKDF-SHA256/AES-256-GCM."""

    node: str
    key: PublicKey


@lru_cache(maxsize=1024)
def _hpke_public(key: PublicKey) -> Any:
    return key.hpke_key()


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
    info = cek_info(header_bytes)
    cek = AESGCM.generate_key(bit_length=8 * CEK_LENGTH)
    nonce = os.urandom(NONCE_LENGTH)
    ciphertext = AESGCM(cek).encrypt(nonce, plaintext, header_bytes)
    keys = {r.key.kid: b64u(HPKE_SUITES[KIND_SUITE[r.key.kind]].encrypt(
        cek, _hpke_public(r.key), info=info)) for r in recipients}
    envelope: dict[str, Any] = {"v": ENVELOPE_VERSION, "header": header, "keys": keys,
                                "nonce": b64u(nonce), "ciphertext": b64u(ciphertext)}
    members = {name: canonical_json(value) for name, value in envelope.items()}
    unsigned = join_members(members, list(members))
    if len(unsigned) > max_bytes:
        raise fail(f"seal: envelope of {len(unsigned)} bytes exceeds {max_bytes}")
    envelope["signature"] = b64u(signer.sign(ENVELOPE_SIGNATURE_CONTEXT + unsigned))
    return envelope
