"""Canonical JSON (RFC 8785), base64url and hashing helpers.

Every signature and every hash in fts-share is computed over the RFC 8785 (JSON
Canonicalization Scheme, "JCS") serialisation of a JSON value, produced by the
``rfc8785`` package. Values that JCS cannot represent are refused with
:class:`~fts_share.errors.CryptoError`:

- floats that are NaN or infinite, and integers outside the I-JSON safe range
  ``[-(2**53 - 1), 2**53 - 1]``;
- object keys that are not strings, strings with lone surrogates;
- anything that is not ``dict``/``list``/``tuple``/``str``/``int``/``float``/
  ``bool``/``None``.

Finite floats *are* accepted and serialised as ECMAScript does (``1.0`` -> ``1``,
``1e21`` -> ``1e+21``); wire formats of fts-share avoid them, but a notice payload may
carry one (for instance a score). Because JCS numbers are doubles, an integral double
beyond 2**53 is written as a long integer literal; :func:`strict_loads` reads such
literals back as floats, so ``canonical_json(strict_loads(canonical_json(x)))`` is
stable. Python ``int`` values beyond the safe range are refused rather than rounded.
"""

from __future__ import annotations

import binascii
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
import pybase64
import rfc8785

from fts_share import jsontext
from fts_share.errors import CryptoError

#: Nesting depth accepted by :func:`strict_loads` (objects and arrays together).
MAX_JSON_DEPTH = 64

_PADDING = {2: "==", 3: "="}
#: Each base64url character's value (by code point), and the unused low bits of the
#: last character of a partial group of 2 or 3 characters.
_B64U_VALUE = bytes(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".find(chr(c)) & 63
    for c in range(128))
_UNUSED_BITS = {2: 0b1111, 3: 0b11}


#: Integers JCS accepts (I-JSON, RFC 7493 section 2.2).
MAX_SAFE_INTEGER = 2**53 - 1
_BMP_MAX = "\uffff"
_fast_encoder = json.JSONEncoder(ensure_ascii=False, allow_nan=False, sort_keys=True,
                                 separators=(",", ":"))
#: orjson's options for the fast path: member names sorted (by code point, the UTF-16
#: order for names of the Basic Multilingual Plane), integers beyond +-(2**53 - 1)
#: refused (a value of the fast path holds none; a text read holding one is declined).
_ORJSON_SORTED = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER


def _fast_path_ok(obj: Any) -> bool:
    """True if the standard library's encoder (and orjson's, with sorted names) yields
    exactly the JCS form of ``obj``.

    That holds when there are no floats (JCS formats numbers as ECMAScript does),
    every integer is in the safe range, and every object key is a string of Basic
    Multilingual Plane characters (then code-point order equals the UTF-16 order
    JCS sorts by). String escaping is the same in both (only ``"``, ``\\`` and
    U+0000..U+001F, with the short forms for ``\b \t \n \f \r``).
    """
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, str) or item is None or item is True or item is False:
            continue
        if type(item) is int:
            if -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                continue
            return False
        if type(item) is dict:
            for key in item:
                if type(key) is not str or not (key.isascii() or max(key) <= _BMP_MAX):
                    return False
            stack.extend(item.values())
        elif type(item) is list or type(item) is tuple:
            stack.extend(item)
        else:
            return False
    return True


def canonical_json(obj: Any, *, plain: bool = False) -> bytes:
    """Serialise ``obj`` as RFC 8785 canonical JSON (UTF-8 bytes).

    Raises :class:`CryptoError` for values JCS cannot represent (see the module
    docstring). Values without floats take a fast path through orjson (or, where
    orjson declines, the standard library's C encoder), which is byte-for-byte
    identical there (property tests compare both with ``rfc8785``); everything else
    goes through ``rfc8785``. ``plain``: :func:`strict_loads_plain` found that ``obj``
    may take the fast path (it is not walked to find out).
    """
    try:
        if plain or _fast_path_ok(obj):
            try:
                return orjson.dumps(obj, option=_ORJSON_SORTED)
            except orjson.JSONEncodeError:
                pass  # lone surrogates, or nested deeper than orjson goes
            try:
                return _fast_encoder.encode(obj).encode("utf-8")
            except (UnicodeEncodeError, RecursionError):
                pass  # lone surrogates or deep nesting: let rfc8785 refuse it
        return rfc8785.dumps(obj)
    except (rfc8785.CanonicalizationError, TypeError, ValueError, RecursionError) as exc:
        raise CryptoError(f"cannot canonicalise value: {exc}") from None


def canonical_members(obj: Mapping[str, Any], names: Iterable[str]) -> dict[str, bytes]:
    """:func:`canonical_json` of each member ``names`` of ``obj``, the object walked once
    to find whether all of them take the fast path."""
    plain = _fast_path_ok(obj)
    return {name: canonical_json(obj[name], plain=plain) for name in names}


def b64u(data: bytes) -> str:
    """Base64url (RFC 4648 section 5) without padding."""
    return pybase64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64u(text: str) -> bytes:
    """Decode unpadded base64url strictly.

    Refuses padding, characters outside the base64url alphabet, impossible lengths
    and non-canonical encodings (unused trailing bits set), so that every byte
    string has exactly one textual form. Raises :class:`CryptoError`.
    """
    if not isinstance(text, str) or not text.isascii():
        raise CryptoError("not unpadded base64url")
    tail = len(text) % 4
    # "+" and "/" (which a decoder given the url-safe alphabet still takes) and "="
    # are refused first; then pybase64 (SIMD, several times binascii's speed) refuses
    # anything else outside the alphabet, as binascii's strict mode does.
    if tail == 1 or "+" in text or "/" in text or "=" in text:
        raise CryptoError("not unpadded base64url")
    try:
        data = pybase64.b64decode(text + _PADDING[tail] if tail else text, altchars=b"-_",
                                  validate=True)
    except (binascii.Error, ValueError):
        raise CryptoError("not unpadded base64url") from None
    # Only a partial last group (2 or 3 characters) can carry unused bits: the low 4
    # (2 characters) or 2 (3 characters) bits of its last character's value.
    if tail and _B64U_VALUE[ord(text[-1])] & _UNUSED_BITS[tail]:
        raise CryptoError("non-canonical base64url")
    return data


def sha256_hex(data: bytes) -> str:
    """Lower-case hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256(data: bytes) -> bytes:
    """Raw SHA-256 of ``data``."""
    return hashlib.sha256(data).digest()


def _parse_int(text: str) -> int | float:
    # JCS numbers are IEEE doubles: an integer literal beyond the safe range (which
    # JCS writes for a large integral double, e.g. 1e+18 -> 1000000000000000000) is
    # read back as the double it denotes, so that re-canonicalising gives the same bytes.
    value = int(text)
    return value if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER else float(text)


def strict_loads(data: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse JSON strictly: UTF-8 only, no duplicate keys, no NaN/Infinity, bounded
    nesting; integer literals outside +-(2**53 - 1) become floats (JCS numbers are
    doubles). Every failure raises :class:`CryptoError`.

    Used for JSON that arrives inside a decrypted envelope; the HTTP layers may use
    it for wire documents too.
    """
    return jsontext.loads(data, error=CryptoError, max_depth=max_depth,
                          parse_int=_parse_int)


#: A character beyond the Basic Multilingual Plane.
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def strict_loads_plain(data: bytes) -> tuple[Any, bool]:
    """:func:`strict_loads`, and whether the value may take :func:`canonical_json`'s
    fast path without being walked: no number was read as a float (a fraction, an
    exponent, or an integer beyond the safe range), and no member name can hold a
    character beyond the Basic Multilingual Plane (the text holds none, and no
    ``\\u`` escape). False only means "walk it"."""
    floats: list[None] = []

    def parse_int(text: str) -> int | float:
        value = _parse_int(text)
        if type(value) is float:
            floats.append(None)
        return value

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return strict_loads(data), False  # refused, as strict_loads words it
    value = jsontext.loads(text, error=CryptoError, max_depth=MAX_JSON_DEPTH,
                           parse_int=parse_int, on_float=lambda: floats.append(None))
    plain = not floats and "\\u" not in text and (text.isascii() or not _ASTRAL.search(text))
    return value, plain


def _holds_astral(data: bytes) -> bool:
    """Whether UTF-8 ``data`` holds a character beyond the Basic Multilingual Plane:
    the first byte of one, searched for as five bytes (faster than a regular
    expression's character class)."""
    return (b"\xf0" in data or b"\xf1" in data or b"\xf2" in data or b"\xf3" in data
            or b"\xf4" in data)


def _holds_float(value: Any) -> bool:
    """Whether a value read from JSON holds a float anywhere."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
        elif kind is float:
            return True
    return False


def loads_canonical(data: bytes) -> tuple[bool, Any]:
    """``(True, value)`` when ``data`` is exactly ``canonical_json(value)`` for a value
    that takes :func:`canonical_json`'s fast path; then ``value`` is also what
    :func:`strict_loads` reads. ``(False, None)`` otherwise (then read it with
    :func:`strict_loads_plain`, which says why it is refused, if it is).

    Read by orjson, which refuses invalid UTF-8, lone surrogates (escaped or not),
    ``NaN`` and ``Infinity``, and then proven canonical by orjson's serialisation of
    the value read (names sorted) being ``data`` itself. That also proves what the
    strict reader's own checks would: no member name repeats (a serialisation writes
    each member of each object once; orjson keeps the last of a repeated name, whose
    serialisation is then shorter), every integer is in the safe range (orjson
    refuses to write others; an integer beyond 64 bits is read as a float, written
    otherwise), and every escape is the one JCS writes. Declined besides: a float
    (orjson does not write numbers as ECMAScript does), a character beyond the Basic
    Multilingual Plane (orjson sorts names by code point, JCS by UTF-16 unit), and
    nesting beyond :data:`MAX_JSON_DEPTH`.
    """
    try:
        value = orjson.loads(data)
        if orjson.dumps(value, option=_ORJSON_SORTED) != data:
            return False, None
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return False, None
    if (not data.isascii() and _holds_astral(data)) or _holds_float(value) or (
            data.count(b"{") + data.count(b"[") > MAX_JSON_DEPTH
            and jsontext.nested_deeper(value, MAX_JSON_DEPTH)):
        return False, None
    return True, value
