"""Cryptography of fts-share: keys and key ids, RFC 8785 canonical JSON, the sealed
envelope (Ed25519 + HPKE, classical and hybrid post-quantum) and RFC 9421 HTTP
request signatures. Never imports Flask. Every failure is
:class:`fts_share.errors.CryptoError`. The wire formats are in ``docs/protocol.md``.
"""

from fts_share.crypto.canonical import b64u, canonical_json, sha256_hex, strict_loads, unb64u
from fts_share.crypto.envelope import (
    ENVELOPE_VERSION,
    MAX_ENVELOPE_BYTES,
    MAX_RECIPIENTS,
    EnvelopeHeader,
    OpenedNotice,
    Recipient,
    envelope_digest,
    open_envelope,
    seal,
    verify_authorship,
    verify_envelope,
)
from fts_share.crypto.httpsig import NonceCache, VerifiedRequest, sign_request, verify_request
from fts_share.crypto.keys import (
    KeyKind,
    PrivateKey,
    PublicKey,
    generate,
    load_private,
    save_private,
    verify_signature,
)

__all__ = [
    "ENVELOPE_VERSION",
    "MAX_ENVELOPE_BYTES",
    "MAX_RECIPIENTS",
    "EnvelopeHeader",
    "KeyKind",
    "NonceCache",
    "OpenedNotice",
    "PrivateKey",
    "PublicKey",
    "Recipient",
    "VerifiedRequest",
    "b64u",
    "canonical_json",
    "envelope_digest",
    "generate",
    "load_private",
    "open_envelope",
    "save_private",
    "seal",
    "sha256_hex",
    "sign_request",
    "strict_loads",
    "unb64u",
    "verify_authorship",
    "verify_envelope",
    "verify_request",
    "verify_signature",
]
