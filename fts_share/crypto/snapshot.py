"""The encrypted snapshot format of ``fts-share backup`` (format version 1).

A snapshot is one file::

    MAGIC (7 bytes) | VERSION (1 byte) | header length (4 bytes, big-endian) | header
    | chunk 0 | chunk 1 | ... | last chunk

The header is canonical JSON: the node, the time the snapshot was taken, the time it
expires (its retention), the kind of store, the id of the backup key and the nonce
prefix. The archive after it is encrypted with AES-256-GCM in chunks of
``CHUNK_SIZE`` bytes (the STREAM construction of Hoang, Reyhanitabar, Rogaway and
Vizár, as in Tink's streaming AEAD): the nonce of chunk *i* is the 7-byte random
prefix, *i* as 4 bytes and a final byte that is 1 on the last chunk only. Every chunk
carries the whole prefix (magic, version, length and header) as associated data, so
the header is authenticated with each chunk; reordered, dropped, appended or
truncated chunks fail too.

As in Fernet, one error (:class:`SnapshotInvalid`) covers every failed check, and
nothing of a chunk is given out before its tag is verified. The caller still writes
the plaintext of early chunks before the last one is checked: it writes them to a
scratch file and keeps nothing unless :func:`open_snapshot` returns.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from fts_share.clock import parse_rfc3339, to_rfc3339
from fts_share.crypto.canonical import canonical_json
from fts_share.errors import CryptoError

MAGIC = b"FTSSNAP"
VERSION = 1
KEY_SIZE = 32
CHUNK_SIZE = 1 << 20
TAG_SIZE = 16
PREFIX_SIZE = 7
MAX_HEADER = 64 * 1024


class SnapshotInvalid(CryptoError):
    """A snapshot that is not one, or that fails authentication (tampered, truncated,
    or encrypted under another key)."""


@dataclass(frozen=True)
class SnapshotHeader:
    """What a snapshot says about itself (authenticated once the snapshot is opened)."""

    node: str
    created: datetime
    expires: datetime
    store: str
    key_id: str
    nonce_prefix: bytes
    version: int = VERSION

    def to_json(self) -> dict[str, object]:
        """The header as written (the nonce prefix in hex)."""
        return {"format": self.version, "node": self.node, "created": to_rfc3339(self.created),
                "expires": to_rfc3339(self.expires), "store": self.store,
                "key_id": self.key_id, "nonce_prefix": self.nonce_prefix.hex(),
                "cipher": "AES-256-GCM-STREAM-1MiB"}

    @classmethod
    def from_json(cls, data: object) -> SnapshotHeader:
        """Parse a header (:class:`SnapshotInvalid` if it is not one)."""
        try:
            assert isinstance(data, dict) and data["format"] == VERSION
            prefix = bytes.fromhex(str(data["nonce_prefix"]))
            assert len(prefix) == PREFIX_SIZE
            return cls(node=str(data["node"]), created=parse_rfc3339(data["created"]),
                       expires=parse_rfc3339(data["expires"]), store=str(data["store"]),
                       key_id=str(data["key_id"]), nonce_prefix=prefix)
        except (AssertionError, KeyError, TypeError, ValueError):
            raise SnapshotInvalid("not a snapshot of a known format, or a damaged header") from None


def new_key() -> bytes:
    """A fresh random backup key (32 bytes)."""
    return os.urandom(KEY_SIZE)


def key_id(key: bytes) -> str:
    """The public id of a backup key: 16 hex digits of its SHA-256."""
    return hashlib.sha256(b"fts-share backup key\x00" + key).hexdigest()[:16]


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", index) + (b"\x01" if last else b"\x00")


def _check_key(key: bytes) -> AESGCM:
    if len(key) != KEY_SIZE:
        raise CryptoError(f"a backup key has {KEY_SIZE} bytes, got {len(key)}")
    return AESGCM(key)


def write_snapshot(out: BinaryIO, plain: BinaryIO, *, key: bytes, node: str,
                   created: datetime, expires: datetime, store: str) -> SnapshotHeader:
    """Encrypt the archive read from ``plain`` into ``out``; return the header."""
    aead = _check_key(key)
    header = SnapshotHeader(node=node, created=created, expires=expires, store=store,
                            key_id=key_id(key), nonce_prefix=os.urandom(PREFIX_SIZE))
    text = canonical_json(header.to_json())
    aad = MAGIC + bytes([VERSION]) + struct.pack(">I", len(text)) + text
    out.write(aad)
    index, chunk = 0, plain.read(CHUNK_SIZE)
    while True:
        following = plain.read(CHUNK_SIZE)
        last = not following
        out.write(aead.encrypt(_nonce(header.nonce_prefix, index, last), chunk, aad))
        if last:
            return header
        index, chunk = index + 1, following


def read_header(src: BinaryIO) -> tuple[SnapshotHeader, bytes]:
    """The header of a snapshot and the associated data of its chunks, NOT yet
    authenticated (use it to list or prune; :func:`open_snapshot` authenticates)."""
    start = src.read(len(MAGIC) + 5)
    if len(start) != len(MAGIC) + 5 or not start.startswith(MAGIC):
        raise SnapshotInvalid("not an fts-share snapshot")
    if start[len(MAGIC)] != VERSION:
        raise SnapshotInvalid(f"snapshot format {start[len(MAGIC)]} is not supported")
    (size,) = struct.unpack(">I", start[-4:])
    if size > MAX_HEADER:
        raise SnapshotInvalid("not a snapshot of a known format, or a damaged header")
    text = src.read(size)
    try:
        data = json.loads(text)
    except (UnicodeDecodeError, ValueError):
        raise SnapshotInvalid("not a snapshot of a known format, or a damaged header") from None
    return SnapshotHeader.from_json(data), start + text


def open_snapshot(src: BinaryIO, out: BinaryIO, *, key: bytes) -> SnapshotHeader:
    """Decrypt the snapshot read from ``src`` into ``out`` and return its header, now
    authenticated. A key of another id is refused before anything is decrypted
    (:class:`~fts_share.errors.CryptoError` naming both ids); any other failure raises
    :class:`SnapshotInvalid`, and then ``out`` holds a partial archive to discard."""
    aead = _check_key(key)
    header, aad = read_header(src)
    if header.key_id != key_id(key):
        raise CryptoError(f"wrong backup key: the snapshot was made with backup key "
                          f"{header.key_id}, this key is {key_id(key)}")
    size = CHUNK_SIZE + TAG_SIZE
    index, sealed = 0, src.read(size)
    while True:
        following = src.read(size)
        last = not following
        try:
            out.write(aead.decrypt(_nonce(header.nonce_prefix, index, last), sealed, aad))
        except InvalidTag:
            raise SnapshotInvalid("snapshot refused: it fails authentication "
                                  "(tampered, truncated or damaged)") from None
        if last:
            return header
        index, sealed = index + 1, following
