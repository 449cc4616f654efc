"""Signed tree heads: the wire format, the signed bytes, and their verification.

A head on the wire (``to_json()``)::

    {"v": 1, "size": 1234, "root": "<64 hex>", "time": "2025-08-02T10:00:00.000000Z",
     "key_id": "<signer key id>", "signature": "<base64url, no padding>"}

The signature covers :data:`TREE_HEAD_CONTEXT` followed by the RFC 8785 canonical JSON
of the head without its ``signature`` member, so a signature over a tree head can never
be mistaken for a signature over anything else the node key signs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fts_share.audit.errors import VerificationError
from fts_share.clock import parse_rfc3339, to_rfc3339
from fts_share.crypto.canonical import b64u, canonical_json, unb64u
from fts_share.errors import CryptoError

#: Domain separation: prepended to the canonical head before signing.
TREE_HEAD_CONTEXT = b"fts-share/audit/tree-head/v1\x00"
TREE_HEAD_VERSION = 1

#: ``sign(data) -> signature`` (e.g. ``Ed25519PrivateKey.sign``).
Signer = Callable[[bytes], bytes]
#: ``verify(signature, data)``; raises on a bad signature (e.g. ``Ed25519PublicKey.verify``).
SignatureVerifier = Callable[[bytes, bytes], None]

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_FIELDS = {"v", "size", "root", "time", "key_id", "signature"}


@dataclass(frozen=True, kw_only=True)
class SignedTreeHead:
    """A tree size and root at a time, signed by the node key ``key_id``."""

    size: int
    root: bytes
    time: datetime
    key_id: str
    signature: bytes
    v: int = TREE_HEAD_VERSION

    def unsigned_document(self) -> dict[str, Any]:
        """The head as JSON, without the signature."""
        return {"v": self.v, "size": self.size, "root": self.root.hex(),
                "time": to_rfc3339(self.time), "key_id": self.key_id}

    def signed_bytes(self) -> bytes:
        """What the signature covers: the context prefix + canonical unsigned head."""
        return signed_bytes(self.unsigned_document())

    def to_json(self) -> dict[str, Any]:
        """The head as a JSON-ready dict (the wire format above)."""
        doc = self.unsigned_document()
        doc["signature"] = b64u(self.signature)
        return doc

    @classmethod
    def from_json(cls, doc: Mapping[str, Any] | str | bytes) -> SignedTreeHead:
        """Parse a head strictly (unknown members, bad types or encodings are refused).

        Raises :class:`VerificationError`; the signature is *not* checked here (use
        :func:`verify_tree_head`).
        """
        if isinstance(doc, (str, bytes)):
            try:
                doc = json.loads(doc)
            except ValueError as exc:
                raise VerificationError(f"tree head: expected JSON, got {exc}") from None
        if not isinstance(doc, Mapping):
            raise VerificationError(f"tree head: expected an object, got {type(doc).__name__}")
        if set(doc) != _FIELDS:
            raise VerificationError(f"tree head: expected members {sorted(_FIELDS)}, "
                                    f"got {sorted(map(str, doc))}")
        if doc["v"] != TREE_HEAD_VERSION or isinstance(doc["v"], bool):
            raise VerificationError(f"tree head: expected v {TREE_HEAD_VERSION}, got {doc['v']!r}")
        size = doc["size"]
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise VerificationError(f"tree head: expected a size >= 0, got {size!r}")
        root = doc["root"]
        if not isinstance(root, str) or not _HEX64.match(root):
            raise VerificationError(f"tree head: expected a root of 64 lowercase hex digits, "
                                    f"got {root!r}")
        key_id = doc["key_id"]
        if not isinstance(key_id, str) or not 0 < len(key_id) <= 200:
            raise VerificationError(f"tree head: expected a key id, got {key_id!r}")
        try:
            time = parse_rfc3339(doc["time"])
        except (ValueError, TypeError):
            raise VerificationError(f"tree head: expected an RFC 3339 time, "
                                    f"got {doc['time']!r}") from None
        return cls(size=size, root=bytes.fromhex(root), time=time, key_id=key_id,
                   signature=decode_signature(doc["signature"]))


def signed_bytes(unsigned: Mapping[str, Any]) -> bytes:
    """:data:`TREE_HEAD_CONTEXT` + RFC 8785 canonical JSON of an unsigned head."""
    return TREE_HEAD_CONTEXT + canonical_json(dict(unsigned))


def make_tree_head(*, size: int, root: bytes, time: datetime, key_id: str,
                   sign: Signer) -> SignedTreeHead:
    """Sign ``size``, ``root`` and ``time`` with ``sign`` under ``key_id``."""
    unsigned = SignedTreeHead(size=size, root=root, time=time, key_id=key_id, signature=b"")
    return SignedTreeHead(size=size, root=root, time=time, key_id=key_id,
                          signature=sign(unsigned.signed_bytes()))


def verify_tree_head(head: SignedTreeHead, verify: SignatureVerifier) -> None:
    """Check ``head``'s signature with ``verify(signature, data)``.

    Any exception from ``verify`` becomes one :class:`VerificationError`.
    """
    try:
        verify(head.signature, head.signed_bytes())
    except Exception:  # noqa: BLE001 - every failure is the same failure
        raise VerificationError(f"tree head of size {head.size}: expected a valid signature "
                                f"by key {head.key_id}, got an invalid one") from None


def decode_signature(text: object) -> bytes:
    """A head's signature from its unpadded base64url text; raises
    :class:`VerificationError` (the decoding is :func:`~fts_share.crypto.canonical.unb64u`)."""
    if not isinstance(text, str) or not text:
        raise VerificationError(f"tree head: expected a base64url signature, got {text!r}")
    try:
        return unb64u(text)
    except CryptoError:
        raise VerificationError(f"tree head: expected a base64url signature, "
                                f"got {text!r}") from None
