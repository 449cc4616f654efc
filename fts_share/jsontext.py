"""The one strict JSON reader of fts-share (docs/protocol.md, *Canonical JSON*, rule 4).

Every JSON text that arrives from outside (API bodies, envelopes and statements, feed
and index pages, roster files, partners' answers) is read with :func:`loads`, which
refuses what Python's ``json`` lets through:

- duplicate member names (``json`` keeps the last one; a proxy or a partner's parser
  may keep the first, and then two readers see two different documents);
- ``NaN``, ``Infinity``, ``-Infinity`` and number literals that overflow a double;
- invalid UTF-8 and lone surrogates (``"\\ud800"``), in strings and in member names;
- nesting deeper than ``max_depth`` and texts longer than ``max_bytes``.

A compact text (no space between tokens, as servers and sealers write JSON) is read by
orjson and proven to be its serialisation of the value read, which implies every check
above but the nesting depth, checked then as for any text; any other text, and a text
orjson refuses, is read by Python's ``json`` with the checks above (so a refusal
always reads the same).

Each refusal raises the error type the caller names (``error``), one of the product's
hierarchy (:mod:`fts_share.errors`): a malformed API body is a
:class:`~fts_share.errors.MalformedRequest`, a bad envelope a
:class:`~fts_share.errors.CryptoError`, a partner's bad page a
:class:`~fts_share.errors.ProtocolError`. Integers are read exactly; their ranges are
the schemas' business (``parse_int`` may change that, as JCS reading does).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

import orjson

from fts_share.errors import FtsError, MalformedRequest

#: The largest integer a JSON number carries exactly (I-JSON, RFC 7493): the bound of
#: every integer the API takes that is not a row id.
MAX_SAFE_INTEGER = 2**53 - 1
#: The bound of row ids and link positions the API takes (``after``, alert ids,
#: versions): every store holds them in a 32-bit signed column.
MAX_ROW_ID = 2**31 - 1
#: Nesting depth accepted by default (objects and arrays together).
MAX_DEPTH = 64
#: Longest number literal read (digits, sign, exponent); longer ones are refused
#: rather than parsed (a 4,000-digit integer is never a legitimate value here).
MAX_NUMBER_CHARS = 40
_SURROGATE = re.compile("[\ud800-\udfff]")


class _Refused(Exception):
    """Raised inside the parser's hooks; turned into the caller's error type."""


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) < len(pairs):  # a member name repeats: name the first one that does
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise _Refused(f"duplicate member name {key[:40]!r}")
            seen.add(key)
    return obj


def _constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")


def _float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Refused("number literal too long")
    value = float(text)
    if not math.isfinite(value):
        raise _Refused("number out of range")
    return value


def _noting(on_float: Callable[[], object]) -> Callable[[str], float]:
    def parse_float(text: str) -> float:
        on_float()
        return _float(text)
    return parse_float


def _int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Refused("number literal too long")
    return int(text)


#: A ``\\uD800``-``\\uDFFF`` escape (or a text that looks like one, ``\\\\uD8..``).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _may_hold_surrogates(text: str, decoded: bool = False) -> bool:
    """False when no string of ``text``'s value can hold a surrogate: none is in the
    text, and no escape of one. The text is not searched for surrogates themselves
    when it cannot hold any: ``decoded`` from UTF-8 (which never yields one) or ASCII
    (``str.isascii`` reads a flag; a page of envelopes is ASCII); nor for escapes when
    it holds no backslash (found as fast as a byte: a page holds none)."""
    return bool((not (decoded or text.isascii()) and _SURROGATE.search(text))
                or ("\\" in text and _SURROGATE_ESCAPE.search(text)))


def _openers_over(text: str, most: int) -> bool:
    """Whether ``text`` holds more than ``most`` ``{`` and ``[`` (the second is not
    counted when the first are more already: a page holds hundreds)."""
    braces = text.count("{")
    return braces > most or braces + text.count("[") > most


_CONTAINERS = (dict, list)


def nested_deeper(value: Any, max_depth: int) -> bool:
    """Whether ``value``, read from JSON, nests objects and arrays ``max_depth`` deep or
    more (what :func:`loads` refuses as "nested too deeply"). Walked a level at a time,
    each level's objects and arrays gathered in one comprehension."""
    if type(value) not in _CONTAINERS:
        return False
    level = [value]  # the objects and arrays at one depth, from 0
    for _depth in range(max_depth):
        level = [child for item in level
                 for child in (item.values() if type(item) is dict else item)
                 if type(child) in _CONTAINERS]
        if not level:
            return False
    return True


def _check_depth(value: Any, max_depth: int) -> None:
    """Depth only (objects and arrays), as :func:`_check_tree` counts it."""
    if nested_deeper(value, max_depth):
        raise _Refused("nested too deeply")


def _check_tree(value: Any, max_depth: int) -> None:
    """Depth, and lone surrogates in strings and member names."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise _Refused("lone surrogate in a string")
            continue
        if not isinstance(item, (dict, list)):
            continue
        if depth >= max_depth:
            raise _Refused("nested too deeply")
        if isinstance(item, dict):
            stack.extend((key, depth) for key in item)
            stack.extend((child, depth + 1) for child in item.values())
        else:
            stack.extend((child, depth + 1) for child in item)


#: What :func:`_compact` returns for a text it does not vouch for.
_UNPROVEN = object()


def _compact(data: bytes | bytearray, max_depth: int) -> Any:
    """The value of ``data`` when ``data`` is exactly orjson's serialisation of the value
    orjson reads from it; else :data:`_UNPROVEN`. Raises :class:`_Refused` when the
    value nests ``max_depth`` deep or more.

    orjson refuses invalid UTF-8, lone surrogates (escaped or not), ``NaN`` and
    ``Infinity`` and number literals beyond a double. Its serialisation being the text
    itself proves what this reader's other checks would: no member name repeats
    (orjson keeps the last of them, and the value's serialisation is then shorter than
    the text), no number literal is long (orjson writes at most 20 digits of an
    integer, beyond 64 bits it reads a float, written otherwise; a float in at most 24
    characters). Nesting is checked as for any text."""
    try:
        value = orjson.loads(data)
        if orjson.dumps(value) != data:
            return _UNPROVEN
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return _UNPROVEN
    if data.count(b"{") + data.count(b"[") > max_depth:  # else it cannot be too deep
        _check_depth(value, max_depth)
    return value


def _read_json(data: bytes | bytearray | str, max_depth: int,
               parse_int: Callable[[str], Any] | None,
               on_float: Callable[[], object] | None) -> Any:
    """Any text, by Python's ``json`` with the checks of the module docstring."""
    decoded = not isinstance(data, str)  # then from UTF-8: it holds no surrogate
    text = data if isinstance(data, str) else bytes(data).decode("utf-8")
    value = json.loads(text, object_pairs_hook=_unique, parse_constant=_constant,
                       parse_float=_float if on_float is None else _noting(on_float),
                       parse_int=parse_int or _int)
    if _may_hold_surrogates(text, decoded):
        _check_tree(value, max_depth)
    elif _openers_over(text, max_depth):  # fewer: cannot be too deep
        _check_depth(value, max_depth)
    return value


def loads(data: bytes | bytearray | str, *, error: type[FtsError] = MalformedRequest,
          max_depth: int = MAX_DEPTH, max_bytes: int | None = None,
          parse_int: Callable[[str], Any] | None = None,
          on_float: Callable[[], object] | None = None) -> Any:
    """Parse one JSON text strictly (see the module docstring); every refusal raises
    ``error`` with a short reason (never the text itself). ``on_float`` is called for
    each number literal read as a float (with a fraction or an exponent)."""
    try:
        if max_bytes is not None and len(data) > max_bytes:
            raise _Refused(f"longer than {max_bytes} bytes")
        value = _UNPROVEN
        if parse_int is None and on_float is None and not isinstance(data, str):
            value = _compact(data, max_depth)
        if value is _UNPROVEN:
            value = _read_json(data, max_depth, parse_int, on_float)
    except FtsError:
        raise
    except _Refused as exc:
        raise error(f"invalid JSON: {exc}") from None
    except UnicodeDecodeError:
        raise error("invalid JSON: not UTF-8") from None
    except RecursionError:
        raise error("invalid JSON: nested too deeply") from None
    except (ValueError, TypeError) as exc:
        raise error(f"invalid JSON: {str(exc)[:120]}") from None
    return value
