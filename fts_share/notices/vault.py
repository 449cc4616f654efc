"""Content at rest, with crypto-erasure.

Each notice version's content is encrypted with its own 256-bit data key (AES-256-GCM);
the data key is stored wrapped with the node's storage key. Purging deletes the wrapped
data key and the ciphertext: the content cannot be recovered, even from an old copy of
the notices table, while the audit record that it existed remains.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from fts_share.errors import CryptoError

VAULT_CONTEXT = b"fts-share/v1 vault "
WRAP_CONTEXT = b"fts-share/v1 wrap "


def seal_content(storage_key: bytes, content: bytes, *, context: bytes) -> tuple[bytes, bytes, bytes]:
    """Encrypt ``content`` under a fresh data key bound to ``context`` (e.g. the row id
    of the notice); return ``(wrapped_key, nonce, ciphertext)``."""
    fresh = os.urandom(32 + 12 + 12)  # the data key, its nonce, the wrapping's nonce
    dek, nonce, wrap_nonce = fresh[:32], fresh[32:44], fresh[44:]
    ciphertext = AESGCM(dek).encrypt(nonce, content, VAULT_CONTEXT + context)
    wrapped = wrap_nonce + AESGCM(storage_key).encrypt(wrap_nonce, dek, WRAP_CONTEXT + context)
    return wrapped, nonce, ciphertext


def open_content(storage_key: bytes, wrapped: bytes, nonce: bytes, ciphertext: bytes, *,
                 context: bytes) -> bytes:
    """Decrypt what :func:`seal_content` produced; any failure is a ``CryptoError``."""
    try:
        dek = AESGCM(storage_key).decrypt(wrapped[:12], wrapped[12:], WRAP_CONTEXT + context)
        return AESGCM(dek).decrypt(nonce, ciphertext, VAULT_CONTEXT + context)
    except (InvalidTag, ValueError) as exc:
        raise CryptoError("stored content cannot be decrypted") from exc
