"""What an audit entry holds, the controlled vocabularies, and its leaf encoding.

An entry's Merkle leaf data is the RFC 8785 canonical JSON of :func:`leaf_document`:
``{"v": 1, "seq", "time", "actor", "action", "object_type", "object_id",
"object_version", "partner", "purpose", "legal_basis", "outcome", "detail"}`` (absent
values as ``null``, time as RFC 3339 UTC with microseconds and a ``Z``). The sequence
number is inside the leaf, so moving an entry to another position changes its hash.

``detail`` never holds a subject's name, date of birth or document number in clear:
keys that usually carry them are refused (:data:`FORBIDDEN_DETAIL_KEYS`); refer to the
subject through the notice id and version instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from fts_share.clock import to_rfc3339
from fts_share.crypto.canonical import canonical_json
from fts_share.errors import CryptoError, ValidationError

LEAF_VERSION = 1

#: Every action the log knows. One place; add new ones here (and to docs/audit.md).
ACTIONS: tuple[str, ...] = (
    "publish", "update", "withdraw", "deliver", "receive", "reject",
    "open", "screen", "screen_batch", "match_created", "match_decided",
    "export", "share", "purge", "key_change", "roster_change",
    "sign_in", "sign_out", "access_refused",
    "watchlist_import", "audit_verify", "split_view", "user_change", "restore",
)
#: The outcome of the action.
OUTCOMES: tuple[str, ...] = ("ok", "refused", "error")

#: detail keys that would put a subject's identity in clear (compared case-insensitively).
FORBIDDEN_DETAIL_KEYS = frozenset({
    "name", "names", "full_name", "given_name", "family_name", "subject_name",
    "alias", "aliases", "kunya", "date_of_birth", "dob", "birth_date",
    "document_number", "passport_number",
})

ACTOR_RE = re.compile(r"^(system|user:[^\s:][^\s]{0,127}|node:[A-Za-z0-9_.-]{1,32})$")
CODE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
_TEXT_LIMITS = {"object_type": 32, "object_id": 200, "purpose": 64}
_MAX_SAFE_INT = 2**53 - 1


def validate_fields(*, time: datetime, actor: str, action: str, object_type: str | None,
                    object_id: str | None, object_version: int | None, partner: str | None,
                    purpose: str | None, legal_basis: Sequence[str], outcome: str,
                    detail: Mapping[str, Any] | None) -> str:
    """Raise :class:`~fts_share.errors.ValidationError` naming every bad field.

    Returns the canonical JSON text of ``detail`` (``"{}"`` for none), which the check
    computes anyway, for :func:`leaf_data_of`.
    """
    detail_json, detail_error = _detail_json(detail)
    if detail_error is None and type(legal_basis) in _SEQUENCES and _fields_ok(time, actor, action, object_type, object_id,
                                           object_version, partner, purpose, legal_basis,
                                           outcome):
        return detail_json  # (the usual case: nothing to name)
    bad = {
        "now": not (isinstance(time, datetime) and time.tzinfo is not None),
        "actor": not (isinstance(actor, str) and ACTOR_RE.match(actor)),
        "action": action not in ACTIONS,
        "outcome": outcome not in OUTCOMES,
        "object_type": not _optional_text(object_type, _TEXT_LIMITS["object_type"]),
        "object_id": not _optional_text(object_id, _TEXT_LIMITS["object_id"]),
        "purpose": not _optional_text(purpose, _TEXT_LIMITS["purpose"]),
        "partner": partner is not None and not (isinstance(partner, str)
                                                and CODE_RE.match(partner)),
        "object_version": not _optional_version(object_version),
        "legal_basis": not _legal_basis_ok(legal_basis),
    }
    errors = {name: _FIELD_MESSAGES[name] for name, wrong in bad.items() if wrong}
    if detail_error:
        errors["detail"] = detail_error
    if errors:
        raise ValidationError(errors)
    return detail_json


_SEQUENCES = (list, tuple)  # (a legal basis of another type is checked the long way)


def _fields_ok(time: object, actor: object, action: object, object_type: object,
               object_id: object, object_version: object, partner: object,
               purpose: object, legal_basis: object, outcome: object) -> bool:
    """True if every field but ``detail`` passes :func:`validate_fields`' checks (the
    same checks, in one expression, without naming the bad ones)."""
    return bool(
        isinstance(time, datetime) and time.tzinfo is not None
        and isinstance(actor, str) and ACTOR_RE.match(actor)
        and action in ACTIONS and outcome in OUTCOMES
        and _optional_text(object_type, _TEXT_LIMITS["object_type"])
        and _optional_text(object_id, _TEXT_LIMITS["object_id"])
        and _optional_text(purpose, _TEXT_LIMITS["purpose"])
        and (partner is None or (isinstance(partner, str) and CODE_RE.match(partner)))
        and _optional_version(object_version) and _legal_basis_ok(legal_basis))


_FIELD_MESSAGES = {
    "now": "must be an aware datetime",
    "actor": "must be 'system', 'user:<name>' or 'node:<code>'",
    "action": f"must be one of {', '.join(ACTIONS)}",
    "outcome": f"must be one of {', '.join(OUTCOMES)}",
    **{field: f"must be printable text of 1 to {limit} characters"
       for field, limit in _TEXT_LIMITS.items()},
    "partner": "must be a partner code (letters, digits, _ . -; at most 32)",
    "object_version": "must be a non-negative integer",
    "legal_basis": "must be a list of short strings",
}


def _optional_text(value: object, limit: int) -> bool:
    return value is None or (isinstance(value, str) and 0 < len(value) <= limit
                             and value.isprintable())


def _optional_version(value: object) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool)
                             and 0 <= value <= _MAX_SAFE_INT)


def _legal_basis_ok(value: Any) -> bool:
    if isinstance(value, (str, bytes)):
        return False
    for b in value:
        if not (isinstance(b, str) and 0 < len(b) <= 64 and b.isprintable()):
            return False
    return True


def _detail_json(detail: object) -> tuple[str, str | None]:
    """(canonical JSON text of ``detail``, None), or ("{}", what is wrong with it)."""
    if detail is None:
        return "{}", None
    flat = _flat_detail_json(detail)
    if flat is not None:
        return flat, None
    if not isinstance(detail, Mapping):
        return "{}", "must be an object"
    bad = _forbidden_keys(detail)
    if bad:
        return "{}", f"must not hold a subject's identity in clear: {', '.join(bad)}"
    try:
        return canonical_json(dict(detail)).decode("utf-8"), None
    except CryptoError as exc:
        return "{}", f"must be canonical-JSON serialisable: {exc}"


_FLAT_CONSTANTS = {True: "true", False: "false", None: "null"}


def _flat_detail_json(detail: object) -> str | None:
    """The canonical JSON text of a flat ``dict`` detail, written directly: ASCII keys
    none of which is forbidden, and texts, safe integers, booleans or None as values
    (what most entries hold). None for any other detail, which the general path then
    checks and serialises."""
    if type(detail) is not dict:
        return None
    try:
        keys = sorted(detail)
    except TypeError:  # keys of several types
        return None
    parts = []
    for key in keys:
        if type(key) is not str or not key.isascii():
            return None
        value = detail[key]
        kind = type(value)
        if kind is str:
            text = _encode_str(value)
        elif kind is int and -_MAX_SAFE_INT <= value <= _MAX_SAFE_INT:
            text = str(value)
        elif value is None or kind is bool:
            text = _FLAT_CONSTANTS[value]
        else:
            return None
        if key.lower() in FORBIDDEN_DETAIL_KEYS:
            return None
        parts.append(f"{_encode_str(key)}:{text}")
    out = "{" + ",".join(parts) + "}"
    try:
        out.encode("utf-8")  # a lone surrogate: the general path refuses it
    except UnicodeEncodeError:
        return None
    return out


def leaf_document(*, seq: int, time: datetime, actor: str, action: str,
                  object_type: str | None, object_id: str | None, object_version: int | None,
                  partner: str | None, purpose: str | None, legal_basis: Sequence[str],
                  outcome: str, detail: Mapping[str, Any] | None) -> dict[str, Any]:
    """The JSON document whose canonical form is the entry's Merkle leaf data."""
    return {
        "v": LEAF_VERSION, "seq": seq, "time": to_rfc3339(time.astimezone(UTC)),
        "actor": actor, "action": action, "object_type": object_type,
        "object_id": object_id, "object_version": object_version, "partner": partner,
        "purpose": purpose, "legal_basis": list(legal_basis), "outcome": outcome,
        "detail": dict(detail) if detail is not None else {},
    }


#: The leaf document's members in RFC 8785 order (ASCII keys: code point order).
_LEAF_TEMPLATE = ('{"action":%s,"actor":%s,"detail":%s,"legal_basis":%s,"object_id":%s,'
                  '"object_type":%s,"object_version":%s,"outcome":%s,"partner":%s,'
                  '"purpose":%s,"seq":%d,"time":"%s","v":' + str(LEAF_VERSION) + '}')
_encode_str = json.encoder.encode_basestring  # json.dumps(ensure_ascii=False)'s escaping


def leaf_data(*, seq: int, time: datetime, actor: str, action: str, object_type: str | None,
              object_id: str | None, object_version: int | None, partner: str | None,
              purpose: str | None, legal_basis: Sequence[str], outcome: str,
              detail: Mapping[str, Any] | None) -> bytes:
    """``canonical_json(leaf_document(...))``: the entry's Merkle leaf data.

    The document's shape is fixed, so when every member has its expected type its
    canonical form is written by :func:`leaf_data_of` straight from a template; anything
    else (e.g. a value read from a tampered row) takes the general path. A property test
    checks that both agree with ``rfc8785.dumps(leaf_document(...))``. Raises
    ``ValueError`` for an entry that RFC 8785 cannot represent.
    """
    try:
        return leaf_data_of(seq, to_rfc3339(time), actor, action, object_type, object_id,
                            object_version, partner, purpose, legal_basis, outcome, detail)
    except (TypeError, ValueError):
        return _canonical(leaf_document(
            seq=seq, time=time, actor=actor, action=action, object_type=object_type,
            object_id=object_id, object_version=object_version, partner=partner,
            purpose=purpose, legal_basis=legal_basis, outcome=outcome, detail=detail))


def leaf_data_of(seq: int, time: str, actor: str, action: str, object_type: str | None,
                 object_id: str | None, object_version: int | None, partner: str | None,
                 purpose: str | None, legal_basis: Sequence[str], outcome: str,
                 detail: Mapping[str, Any] | None, detail_json: str | None = None) -> bytes:
    """The leaf data of an entry whose members all have their expected types, else raise.

    ``time`` is already RFC 3339 text (:func:`~fts_share.clock.to_rfc3339`). The template
    holds the members in RFC 8785 order (ASCII keys sort by code point); texts are
    escaped exactly as :func:`canonical_json` escapes them; only ``detail`` goes through
    :func:`canonical_json` (unless ``detail_json``, its canonical text, is given by a
    caller that has it already, e.g. from :func:`validate_fields`). Raises ``TypeError`` or ``ValueError`` for a value of another
    type (a text that is not a ``str``, a bool, an unsafe integer, a non-list legal
    basis), which :func:`leaf_data` then serialises the general way.
    """
    _check_leaf_types(seq, time, object_version, legal_basis)
    detail_text = detail_json if detail_json is not None else _detail_text(detail)
    enc = _encode_str  # raises TypeError for anything but a str
    return (_LEAF_TEMPLATE % (
        enc(action), enc(actor), detail_text, "[" + ",".join(map(enc, legal_basis)) + "]",
        "null" if object_id is None else enc(object_id),
        "null" if object_type is None else enc(object_type),
        "null" if object_version is None else object_version,
        enc(outcome), "null" if partner is None else enc(partner),
        "null" if purpose is None else enc(purpose), seq, time)).encode("utf-8")


def _check_leaf_types(seq: object, time: object, object_version: object,
                      legal_basis: object) -> None:
    """Raise ``TypeError`` unless the non-text members have their expected types."""
    if type(seq) is not int or not 0 <= seq <= _MAX_SAFE_INT or type(time) is not str:
        raise TypeError("seq or time")
    if object_version is not None and (type(object_version) is not int
                                       or not -_MAX_SAFE_INT <= object_version <= _MAX_SAFE_INT):
        raise TypeError("object_version")
    if type(legal_basis) is not list and type(legal_basis) is not tuple:
        raise TypeError("legal_basis")


def _detail_text(detail: Mapping[str, Any] | None) -> str:
    """The canonical JSON text of a ``dict`` detail (``{}`` for none), else TypeError."""
    if detail is None or detail == {}:
        return "{}"
    if type(detail) is not dict:
        raise TypeError("detail")
    return _canonical(detail).decode("utf-8")


def _canonical(value: Any) -> bytes:
    """:func:`~fts_share.crypto.canonical.canonical_json`, raising ``ValueError`` for a
    value JCS cannot represent (a leaf is then unreadable, not a crypto failure)."""
    try:
        return canonical_json(value)
    except CryptoError as exc:
        raise ValueError(str(exc)) from None


#: Values that hold no member names: skipped without the (slower) ``Mapping`` check.
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _forbidden_keys(detail: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    stack: list[Any] = [detail]
    while stack:
        item = stack.pop()
        if type(item) in _SCALARS:
            continue
        if isinstance(item, Mapping):
            for key, value in item.items():
                if isinstance(key, str) and key.lower() in FORBIDDEN_DETAIL_KEYS:
                    found.append(key)
                stack.append(value)
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return sorted(set(found))
