"""Wire-format constants, the checks of the envelope's shape and header, and the byte
derivations both sides share (the content key's HPKE ``info``, JCS of an envelope from
its members' JCS).

Private to :mod:`fts_share.crypto.envelope` (verifying, opening) and
:mod:`fts_share.crypto._envelope_seal` (sealing); see ``docs/protocol.md``
("Envelope") for the format these functions enforce. Every check raises
:class:`~fts_share.errors.CryptoError`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import hpke

from fts_share.clock import parse_rfc3339
from fts_share.crypto.canonical import canonical_json, sha256, unb64u
from fts_share.crypto.keys import MAX_KID_LENGTH, KeyKind, is_kid
from fts_share.errors import CryptoError

ENVELOPE_VERSION = 1
#: Most recipients one envelope may name.
MAX_RECIPIENTS = 256
#: Default bound on the canonical size of a whole envelope (1 MiB).
MAX_ENVELOPE_BYTES = 1 << 20

#: Domain-separation prefixes (see docs/protocol.md).
ENVELOPE_SIGNATURE_CONTEXT = b"fts-share/v1 envelope\n"
STATEMENT_SIGNATURE_CONTEXT = b"fts-share/v1 statement\n"
CEK_INFO_CONTEXT = b"fts-share/v1 cek "

#: HPKE suite names as written in ``header.recipients[].suite``.
SUITE_X25519 = "hpke-x25519-sha256-aes256gcm"
SUITE_MLKEM768_X25519 = "hpke-mlkem768x25519-sha256-aes256gcm"
HPKE_SUITES: Mapping[str, hpke.Suite] = {
    SUITE_X25519: hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM),
    SUITE_MLKEM768_X25519: hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256,
                                      hpke.AEAD.AES_256_GCM),
}
#: The recipient key kind each suite needs, and back.
SUITE_KEY_KIND: Mapping[str, KeyKind] = {
    SUITE_X25519: KeyKind.X25519,
    SUITE_MLKEM768_X25519: KeyKind.MLKEM768_X25519,
}
KIND_SUITE: Mapping[KeyKind, str] = {kind: suite for suite, kind in SUITE_KEY_KIND.items()}
#: What a key id of each kind starts with (:func:`~fts_share.crypto.keys.kid_kind` of a
#: well-formed key id is the kind whose prefix it has).
_KID_PREFIX: Mapping[KeyKind, str] = {kind: f"{kind.value}:" for kind in KeyKind}

CEK_LENGTH = 32
NONCE_LENGTH = 12
TAG_LENGTH = 16
#: HPKE output length per suite: enc || AES-256-GCM(CEK) (32 + 16 bytes).
WRAPPED_KEY_LENGTHS: Mapping[str, int] = {
    SUITE_X25519: 32 + CEK_LENGTH + TAG_LENGTH,
    SUITE_MLKEM768_X25519: 1088 + 32 + CEK_LENGTH + TAG_LENGTH,
}

TLP_LABELS = ("RED", "AMBER+STRICT", "AMBER", "GREEN", "CLEAR")
#: ``hit`` is protocol version 2 (hit feedback): sent only to partners that accept it.
ENVELOPE_KINDS = ("notice", "tombstone", "hit")
MAX_SEQ = 2**53 - 1

ENVELOPE_FIELDS = frozenset({"v", "header", "keys", "nonce", "ciphertext", "signature"})
HEADER_FIELDS = frozenset({"v", "origin", "seq", "prev", "created", "label", "kind",
                           "signer", "recipients"})
RECIPIENT_FIELDS = frozenset({"node", "kid", "suite"})
STATEMENT_FIELDS = frozenset({"v", "origin", "kind", "created", "label", "payload"})

NODE_RE = re.compile(r"[A-Z][A-Z0-9_-]{1,31}")
PREV_RE = re.compile(r"[0-9a-f]{64}")
CREATED_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")
_MAX_SHORT = 64
_MAX_WRAPPED_B64 = 4 * max(WRAPPED_KEY_LENGTHS.values()) // 3 + 4


def fail(detail: str) -> CryptoError:
    """The one error of this module, with a local detail for the logs."""
    return CryptoError(f"envelope: {detail}")


#: The envelope's member names as JCS strings.
_FIELD_JSON = {name: canonical_json(name) for name in ENVELOPE_FIELDS}


def cek_info(header_bytes: bytes) -> bytes:
    """HPKE ``info`` of the content key: ``CEK_INFO_CONTEXT || SHA-256(JCS(header))``."""
    return CEK_INFO_CONTEXT + sha256(header_bytes)


def join_members(members: Mapping[str, bytes], names: Sequence[str]) -> bytes:
    """JCS of an envelope (or of its members ``names``) from each member's JCS."""
    return b"{" + b",".join(_FIELD_JSON[n] + b":" + members[n] for n in sorted(names)) + b"}"


#: The envelope's members in JCS order without "signature" (what the signature covers);
#: in JCS of the whole envelope "signature" follows "nonce" and "v" comes last.
SIGNED_FIELDS = sorted(ENVELOPE_FIELDS - {"signature"})
assert sorted(ENVELOPE_FIELDS) == ["ciphertext", "header", "keys", "nonce", "signature", "v"]
#: What comes between the members' JCS in JCS of an envelope (the order above).
_OPENING, _AFTER_CIPHERTEXT, _AFTER_HEADER, _AFTER_KEYS, _BEFORE_SIGNATURE, _BEFORE_V = (
    b"{" + _FIELD_JSON["ciphertext"] + b":", b"," + _FIELD_JSON["header"] + b":",
    b"," + _FIELD_JSON["keys"] + b":", b"," + _FIELD_JSON["nonce"] + b":",
    b"," + _FIELD_JSON["signature"] + b":", b"," + _FIELD_JSON["v"] + b":")


def unsigned_and_digest(members: Mapping[str, bytes]) -> tuple[bytes, str]:
    """From each member's JCS: JCS of the envelope without its signature (what the
    signature covers), and the hex SHA-256 of JCS of the whole envelope, hashed as the
    first with the signature member spliced in before the last member, ``v`` (the
    whole is not joined)."""
    head = b"".join((_OPENING, members["ciphertext"], _AFTER_CIPHERTEXT, members["header"],
                     _AFTER_HEADER, members["keys"], _AFTER_KEYS, members["nonce"]))
    tail = _BEFORE_V + members["v"] + b"}"
    digest = hashlib.sha256(head)
    digest.update(_BEFORE_SIGNATURE + members["signature"] + tail)
    return head + tail, digest.hexdigest()


def _is_int(value: Any) -> bool:
    return type(value) is int


def _short_str(value: Any, limit: int = _MAX_SHORT) -> bool:
    return isinstance(value, str) and len(value) <= limit


def check_structure(envelope: Any, *, max_bytes: int) -> dict[str, Any]:
    """Step 1: types and sizes only, nothing trusted. Returns a shallow ``dict`` copy."""
    if not isinstance(envelope, Mapping):
        raise fail("not an object")
    env = dict(envelope)
    if env.keys() != ENVELOPE_FIELDS:
        raise fail("expected fields " + ", ".join(sorted(ENVELOPE_FIELDS)))
    if not _is_int(env["v"]) or env["v"] != ENVELOPE_VERSION:
        raise fail(f"expected version {ENVELOPE_VERSION}, got {env['v']!r:.20}")
    _check_header_structure(env["header"])
    _check_body_structure(env, max_bytes)
    return env


def _check_header_structure(header: Any) -> None:
    if not isinstance(header, dict) or header.keys() != HEADER_FIELDS:
        raise fail("header: expected fields " + ", ".join(sorted(HEADER_FIELDS)))
    prev, signer = header["prev"], header["signer"]
    if not (_is_int(header["v"]) and _is_int(header["seq"])
            and (prev is None or _short_str(prev)) and _short_str(header["origin"])
            and _short_str(header["created"]) and _short_str(header["label"])
            and _short_str(header["kind"])):
        raise fail("header: wrong field types")
    if not is_kid(signer) or not signer.startswith(_KID_PREFIX[KeyKind.ED25519]):
        raise fail("header: signer is not an ed25519 key id")
    if not NODE_RE.fullmatch(header["origin"]):
        raise fail("header: malformed origin")
    _check_recipient_structure(header["recipients"])


def _check_recipient_structure(recipients: Any) -> None:
    if not isinstance(recipients, list) or not 1 <= len(recipients) <= MAX_RECIPIENTS:
        raise fail(f"header: recipients must be a list of 1 to {MAX_RECIPIENTS}")
    for entry in recipients:
        if (not isinstance(entry, dict) or entry.keys() != RECIPIENT_FIELDS
                or not (_short_str(entry["node"]) and _short_str(entry["kid"])
                        and _short_str(entry["suite"]))):
            raise fail("header: malformed recipient")


def _check_body_structure(env: dict[str, Any], max_bytes: int) -> None:
    keys = env["keys"]
    if not isinstance(keys, dict) or len(keys) > MAX_RECIPIENTS:
        raise fail("keys: expected an object of at most one entry per recipient")
    for kid, wrapped in keys.items():
        if not _short_str(kid, MAX_KID_LENGTH) or not _short_str(wrapped, _MAX_WRAPPED_B64):
            raise fail("keys: malformed entry")
    if not _short_str(env["nonce"]) or not _short_str(env["signature"], 128):
        raise fail("nonce or signature: wrong type or size")
    if not isinstance(env["ciphertext"], str) or len(env["ciphertext"]) > max_bytes:
        raise fail("ciphertext: wrong type or too large")


def parse_header(header: dict[str, Any]) -> tuple[datetime, tuple[tuple[str, str, str], ...]]:
    """Step 3 (after the signature): the header's values. Returns the parsed
    ``created`` and the recipients as ``(node, kid, suite)`` tuples."""
    created = _parse_header_values(header)
    return created, _parse_recipients(header["recipients"])


def _parse_header_values(header: dict[str, Any]) -> datetime:
    if header["v"] != ENVELOPE_VERSION:
        raise fail("header: wrong version")
    if not 0 <= header["seq"] <= MAX_SEQ:
        raise fail("header: seq out of range")
    if header["prev"] is not None and not PREV_RE.fullmatch(header["prev"]):
        raise fail("header: prev is not a lower-case hex SHA-256")
    if not CREATED_RE.fullmatch(header["created"]):
        raise fail("header: created is not RFC 3339 UTC (Z)")
    try:
        created = parse_rfc3339(header["created"])
    except ValueError:
        raise fail("header: created is not a valid time") from None
    if header["label"] not in TLP_LABELS:
        raise fail("header: label is not a TLP 2.0 label")
    if header["kind"] not in ENVELOPE_KINDS:
        raise fail("header: unknown kind")
    return created


def _parse_recipients(entries: list[dict[str, str]]) -> tuple[tuple[str, str, str], ...]:
    recipients = tuple((r["node"], r["kid"], r["suite"]) for r in entries)
    for node, kid, suite in recipients:
        if not NODE_RE.fullmatch(node) or suite not in SUITE_KEY_KIND:
            raise fail("header: recipient with a malformed node or unknown suite")
        if not is_kid(kid) or not kid.startswith(_KID_PREFIX[SUITE_KEY_KIND[suite]]):
            raise fail("header: recipient kid does not fit its suite")
    pairs = [(node, kid) for node, kid, _ in recipients]
    if pairs != sorted(set(pairs)) or len({kid for _, kid in pairs}) != len(pairs):
        raise fail("header: recipients not sorted by (node, kid) or not unique")
    return recipients


def check_body(env: dict[str, Any], recipients: tuple[tuple[str, str, str], ...]
               ) -> dict[str, bytes]:
    """Step 3, continued: wrapped keys, nonce and ciphertext fit the header. Returns
    what it decoded: each base64url text (wrapped keys, nonce, ciphertext) -> its bytes,
    so that opening the envelope does not decode them again."""
    suites = {kid: suite for _, kid, suite in recipients}
    if set(env["keys"]) != set(suites):
        raise fail("keys: not exactly one wrapped key per recipient kid")
    decoded: dict[str, bytes] = {}
    for kid, wrapped in env["keys"].items():
        decoded[wrapped] = unb64u(wrapped)
        if len(decoded[wrapped]) != WRAPPED_KEY_LENGTHS[suites[kid]]:
            raise fail("keys: wrapped key of the wrong length")
    decoded[env["nonce"]] = unb64u(env["nonce"])
    if len(decoded[env["nonce"]]) != NONCE_LENGTH:
        raise fail("nonce: wrong length")
    decoded[env["ciphertext"]] = unb64u(env["ciphertext"])
    if len(decoded[env["ciphertext"]]) < TAG_LENGTH:
        raise fail("ciphertext: too short")
    return decoded


def body_bytes(decoded: Mapping[str, bytes] | None, text: str) -> bytes:
    """``text`` (a wrapped key, nonce or ciphertext) as :func:`check_body` decoded it,
    or decoded now when it is not that very text."""
    known = decoded.get(text) if decoded else None
    return known if known is not None else unb64u(text)
