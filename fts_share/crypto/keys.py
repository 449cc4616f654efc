"""Keys, key ids and key files.

Three kinds of key (:class:`KeyKind`):

- ``ed25519``: signing (envelopes, HTTP requests, rosters, tree heads);
- ``x25519``: encryption, HPKE suite X25519 / HKDF-SHA256 / AES-256-GCM;
- ``mlkem768x25519``: hybrid post-quantum encryption, HPKE suite MLKEM768-X25519 /
  HKDF-SHA256 / AES-256-GCM.

Raw public key bytes (:attr:`PublicKey.raw`): 32 bytes for ``ed25519`` and ``x25519``;
for the hybrid key the 1184-byte ML-KEM-768 encapsulation key followed by the 32-byte
X25519 public key (1216 bytes).

Key id (:attr:`PublicKey.kid`)::

    kid = kind + ":" + b64u(SHA-256(kind_ascii || ":" || raw))[:22]

i.e. the kind, a colon and the first 22 base64url characters (132 bits) of the
hash. It is derived, never chosen, so a kid names exactly one public key.

Private key files (:func:`save_private`) are PEM:

- ``ed25519`` / ``x25519``: one PKCS#8 block (``PRIVATE KEY``, or ``ENCRYPTED
  PRIVATE KEY`` with a passphrase, using ``cryptography``'s
  ``BestAvailableEncryption``);
- ``mlkem768x25519``: two PKCS#8 blocks, in this order: the ML-KEM-768 private key in
  its 64-byte seed form (as ``openssl`` 3.5 writes it), then the X25519 private key;
  both encrypted with the same passphrase when one is given.

Any text before, between or after the blocks is ignored (fixture keys carry a
"FOR FIXTURES ONLY" line). Files are written with mode 0600 and replaced atomically;
:func:`load_private` refuses a file that group or others may read or write (like
``ssh``), unless ``allow_insecure_mode=True`` (fixture keys checked out by git).

Signatures are made with ``cryptography`` (OpenSSL) and checked with libsodium
(PyNaCl's ``crypto_sign_open``), which is about twice as fast and stricter:
:func:`verify_signature` accepts a signature only if ``S < L`` (canonical), ``R`` and
the public key ``A`` are canonical encodings of points that are not of small order,
and the cofactorless equation holds with ``R`` compared byte for byte. OpenSSL also
accepts a small-order ``A`` or ``R`` and a non-canonical ``A``; an honest signer's
signature passes both. The rules and their test vectors: ``docs/protocol.md``,
*Signature verification*.
"""

from __future__ import annotations

import enum
import os
import re
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, mlkem, x25519
from nacl.bindings import crypto_core_ed25519_is_valid_point, crypto_sign_open
from nacl.exceptions import BadSignatureError

from fts_share.crypto.canonical import b64u, sha256, unb64u
from fts_share.errors import ConfigError, CryptoError


class KeyKind(enum.StrEnum):
    """The kinds of key fts-share uses; the value is the wire name."""

    ED25519 = "ed25519"
    X25519 = "x25519"
    MLKEM768_X25519 = "mlkem768x25519"


#: Raw public key length per kind.
PUBLIC_KEY_LENGTHS: Mapping[KeyKind, int] = {
    KeyKind.ED25519: 32,
    KeyKind.X25519: 32,
    KeyKind.MLKEM768_X25519: 1184 + 32,
}
MLKEM768_PUBLIC_LENGTH = 1184
MLKEM768_SEED_LENGTH = 64
ED25519_SIGNATURE_LENGTH = 64
#: Number of base64url characters of the hash kept in a kid (132 bits).
KID_HASH_CHARS = 22
#: Longest kid of any kind (``mlkem768x25519:`` + 22 characters).
MAX_KID_LENGTH = max(len(k.value) for k in KeyKind) + 1 + KID_HASH_CHARS

_KIND_NAMES = frozenset(k.value for k in KeyKind)
_KID_RE = re.compile(r"(ed25519|x25519|mlkem768x25519):[A-Za-z0-9_-]{22}")
_PEM_BLOCK_RE = re.compile(
    rb"-----BEGIN ([A-Z ]+)-----\r?\n[A-Za-z0-9+/=\r\n]*-----END \1-----\r?\n?")


def make_kid(kind: KeyKind, raw: bytes) -> str:
    """The key id of a public key of ``kind`` with raw bytes ``raw``."""
    digest = sha256(kind.value.encode("ascii") + b":" + raw)
    return f"{kind.value}:{b64u(digest)[:KID_HASH_CHARS]}"


def is_kid(text: object) -> bool:
    """True if ``text`` has the syntax of a key id (says nothing of the key)."""
    return isinstance(text, str) and _KID_RE.fullmatch(text) is not None


def kid_kind(kid: str) -> KeyKind:
    """The key kind a key id names (its prefix); :class:`CryptoError` if malformed."""
    if not is_kid(kid):
        raise CryptoError("malformed key id")
    return KeyKind(kid.split(":", 1)[0])


@dataclass(frozen=True)
class PublicKey:
    """A public key: its kind and raw bytes (see the module docstring)."""

    kind: KeyKind
    raw: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.kind, KeyKind) or not isinstance(self.raw, bytes):
            raise CryptoError("public key: bad kind or raw type")
        if len(self.raw) != PUBLIC_KEY_LENGTHS[self.kind]:
            raise CryptoError(
                f"public key: expected {PUBLIC_KEY_LENGTHS[self.kind]} bytes for "
                f"{self.kind}, got {len(self.raw)}")

    @cached_property
    def kid(self) -> str:
        """The derived key id."""
        return make_kid(self.kind, self.raw)

    def to_json(self) -> dict[str, str]:
        """``{"kid": ..., "kind": ..., "public": b64u(raw)}``."""
        return {"kid": self.kid, "kind": self.kind.value, "public": b64u(self.raw)}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> PublicKey:
        """Parse :meth:`to_json` output; checks kind, length and that the kid matches.

        Raises :class:`CryptoError` on any mismatch.
        """
        if not isinstance(doc, Mapping) or set(doc) != {"kid", "kind", "public"}:
            raise CryptoError("public key: expected exactly kid, kind, public")
        kind, kid, public = doc["kind"], doc["kid"], doc["public"]
        if not isinstance(kind, str) or kind not in _KIND_NAMES:
            raise CryptoError("public key: unknown kind")
        if not isinstance(public, str) or len(public) > 2 * 1216:
            raise CryptoError("public key: bad public value")
        key = cls(kind=KeyKind(kind), raw=unb64u(public))
        if kid != key.kid:
            raise CryptoError(f"public key: expected kid {key.kid}, got {kid!r}")
        return key

    def hpke_key(self) -> x25519.X25519PublicKey | hpke.MLKEM768X25519PublicKey:
        """The ``cryptography`` object to encrypt to (encryption kinds only)."""
        try:
            if self.kind is KeyKind.X25519:
                return x25519.X25519PublicKey.from_public_bytes(self.raw)
            if self.kind is KeyKind.MLKEM768_X25519:
                return hpke.MLKEM768X25519PublicKey(
                    mlkem.MLKEM768PublicKey.from_public_bytes(
                        self.raw[:MLKEM768_PUBLIC_LENGTH]),
                    x25519.X25519PublicKey.from_public_bytes(
                        self.raw[MLKEM768_PUBLIC_LENGTH:]))
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise CryptoError(f"unusable public key: {exc}") from None
        raise CryptoError(f"{self.kind} is not an encryption key")


_PrivateObj = (ed25519.Ed25519PrivateKey | x25519.X25519PrivateKey
               | tuple[mlkem.MLKEM768PrivateKey, x25519.X25519PrivateKey])


class PrivateKey:
    """A private key. Build it with :func:`generate`, :func:`load_private` or
    :meth:`from_raw`; the secret material is never part of ``repr``."""

    __slots__ = ("_hpke", "_obj", "_public", "kind")

    def __init__(self, *, kind: KeyKind, obj: _PrivateObj) -> None:
        self.kind = kind
        self._obj = obj
        self._public = PublicKey(kind=kind, raw=self._public_raw())
        self._hpke: x25519.X25519PrivateKey | hpke.MLKEM768X25519PrivateKey | None = None

    def _public_raw(self) -> bytes:
        if isinstance(self._obj, tuple):
            kem, x = self._obj
            return kem.public_key().public_bytes_raw() + x.public_key().public_bytes_raw()
        return self._obj.public_key().public_bytes_raw()

    def __repr__(self) -> str:
        return f"PrivateKey(kind={self.kind.value!r}, kid={self.kid!r})"

    def public(self) -> PublicKey:
        """The matching public key."""
        return self._public

    @property
    def kid(self) -> str:
        """The key id of the public key."""
        return self._public.kid

    def sign(self, data: bytes) -> bytes:
        """Ed25519 signature of ``data`` (64 bytes); :class:`CryptoError` for other kinds."""
        if not isinstance(self._obj, ed25519.Ed25519PrivateKey):
            raise CryptoError(f"{self.kind} keys cannot sign")
        return self._obj.sign(data)

    def hpke_key(self) -> x25519.X25519PrivateKey | hpke.MLKEM768X25519PrivateKey:
        """The ``cryptography`` object to decrypt with (encryption kinds only), built
        once per key (it is immutable) rather than once per envelope opened."""
        if self._hpke is None:
            if isinstance(self._obj, tuple):
                self._hpke = hpke.MLKEM768X25519PrivateKey(*self._obj)
            elif isinstance(self._obj, x25519.X25519PrivateKey):
                self._hpke = self._obj
            else:
                raise CryptoError(f"{self.kind} is not an encryption key")
        return self._hpke

    def private_raw(self) -> bytes:
        """The raw secret: 32 bytes (ed25519, x25519), or the 64-byte ML-KEM-768 seed
        followed by the 32-byte X25519 private key (hybrid). Handle with care."""
        if isinstance(self._obj, tuple):
            kem, x = self._obj
            return kem.private_bytes_raw() + x.private_bytes_raw()
        return self._obj.private_bytes_raw()

    @classmethod
    def from_raw(cls, kind: KeyKind, raw: bytes) -> PrivateKey:
        """Rebuild a key from :meth:`private_raw` output (test vectors, fixtures)."""
        try:
            if kind is KeyKind.ED25519 and len(raw) == 32:
                return cls(kind=kind, obj=ed25519.Ed25519PrivateKey.from_private_bytes(raw))
            if kind is KeyKind.X25519 and len(raw) == 32:
                return cls(kind=kind, obj=x25519.X25519PrivateKey.from_private_bytes(raw))
            if kind is KeyKind.MLKEM768_X25519 and len(raw) == MLKEM768_SEED_LENGTH + 32:
                return cls(kind=kind, obj=(
                    mlkem.MLKEM768PrivateKey.from_seed_bytes(raw[:MLKEM768_SEED_LENGTH]),
                    x25519.X25519PrivateKey.from_private_bytes(raw[MLKEM768_SEED_LENGTH:])))
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise CryptoError(f"bad private key bytes: {exc}") from None
        raise CryptoError(f"bad private key length for {kind}")


def generate(kind: KeyKind) -> PrivateKey:
    """A fresh random private key of ``kind``."""
    kind = KeyKind(kind)
    if kind is KeyKind.ED25519:
        return PrivateKey(kind=kind, obj=ed25519.Ed25519PrivateKey.generate())
    if kind is KeyKind.X25519:
        return PrivateKey(kind=kind, obj=x25519.X25519PrivateKey.generate())
    return PrivateKey(kind=kind, obj=(mlkem.MLKEM768PrivateKey.generate(),
                                      x25519.X25519PrivateKey.generate()))


def verify_signature(public: PublicKey, signature: bytes, data: bytes) -> None:
    """Verify an Ed25519 ``signature`` of ``data`` under libsodium's rules (module
    docstring); return ``None`` or raise :class:`CryptoError`."""
    if not isinstance(public, PublicKey) or public.kind is not KeyKind.ED25519:
        raise CryptoError("not an ed25519 public key")
    if not isinstance(signature, bytes) or len(signature) != ED25519_SIGNATURE_LENGTH:
        raise CryptoError("bad signature length")
    try:
        # libsodium's strict check (module docstring); the opened message is dropped.
        crypto_sign_open(signature + data, public.raw)
    except BadSignatureError:
        raise CryptoError(f"bad signature ({public.kid})") from None


def check_signing_key(public: PublicKey) -> None:
    """Refuse an Ed25519 public key that no honest signer has: a non-canonical
    encoding, a point of small order, or one outside the prime-order subgroup.

    :func:`verify_signature` refuses every signature under such a key anyway; this
    check names the key as the cause where keys are imported (the roster). Raises
    :class:`CryptoError`.
    """
    if not isinstance(public, PublicKey) or public.kind is not KeyKind.ED25519:
        raise CryptoError("not an ed25519 public key")
    if not crypto_core_ed25519_is_valid_point(public.raw):
        raise CryptoError(f"weak ed25519 public key {public.kid}: small order, "
                          "outside the prime-order subgroup, or not canonical")


# --- files --------------------------------------------------------------------------

def _pkcs8(obj: Any, passphrase: bytes | None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase
        else serialization.NoEncryption())
    pem: bytes = obj.private_bytes(serialization.Encoding.PEM,
                                   serialization.PrivateFormat.PKCS8, encryption)
    return pem


def private_key_pem(key: PrivateKey, passphrase: bytes | None = None) -> bytes:
    """The PEM file contents :func:`save_private` writes."""
    if passphrase is not None and not isinstance(passphrase, bytes):
        raise CryptoError("passphrase must be bytes")
    obj = key._obj
    if isinstance(obj, tuple):
        return (b"fts-share " + key.kind.value.encode() + b" private key " +
                key.kid.encode() + b": ML-KEM-768 then X25519, PKCS#8\n" +
                _pkcs8(obj[0], passphrase) + _pkcs8(obj[1], passphrase))
    return _pkcs8(obj, passphrase)


def save_private(path: Path, key: PrivateKey, passphrase: bytes | None = None) -> None:
    """Write ``key`` to ``path`` (PEM, mode 0600, atomic replace; see the module
    docstring for the format). An empty passphrase means none."""
    path = Path(path)
    data = private_key_pem(key, passphrase or None)
    # mkstemp creates the file with O_EXCL and mode 0600 before anything is written.
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".pem", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _load_block(block: bytes, passphrase: bytes | None) -> Any:
    try:
        return serialization.load_pem_private_key(block, passphrase)
    except TypeError as exc:  # missing passphrase, or one given for a clear key
        raise CryptoError(f"private key: {exc}") from None
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise CryptoError("private key: wrong passphrase or corrupt file") from exc


def load_private_pem(data: bytes, passphrase: bytes | None = None) -> PrivateKey:
    """Parse :func:`private_key_pem` output; :class:`CryptoError` if it cannot."""
    blocks = [m.group(0) for m in _PEM_BLOCK_RE.finditer(data)]
    objs = [_load_block(block, passphrase or None) for block in blocks]
    if len(objs) == 1 and isinstance(objs[0], ed25519.Ed25519PrivateKey):
        return PrivateKey(kind=KeyKind.ED25519, obj=objs[0])
    if len(objs) == 1 and isinstance(objs[0], x25519.X25519PrivateKey):
        return PrivateKey(kind=KeyKind.X25519, obj=objs[0])
    if (len(objs) == 2 and isinstance(objs[0], mlkem.MLKEM768PrivateKey)
            and isinstance(objs[1], x25519.X25519PrivateKey)):
        return PrivateKey(kind=KeyKind.MLKEM768_X25519, obj=(objs[0], objs[1]))
    raise CryptoError("private key: unrecognised key file")


def load_private(path: Path, passphrase: bytes | None = None, *,
                 allow_insecure_mode: bool = False) -> PrivateKey:
    """Read a key written by :func:`save_private`.

    Raises :class:`CryptoError` for a wrong or missing passphrase or a corrupt file,
    and :class:`~fts_share.errors.ConfigError` if the file is missing or (on POSIX)
    readable or writable by group or others, unless ``allow_insecure_mode``.
    """
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            data = handle.read(1 << 16)
    except OSError as exc:
        raise ConfigError(f"cannot read key file {path}: {exc.strerror}") from None
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO) and not allow_insecure_mode:
        raise ConfigError(
            f"key file {path} has mode {stat.S_IMODE(mode):04o}; expected 0600 (chmod 600)")
    return load_private_pem(data, passphrase)
