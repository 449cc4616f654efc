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
from datetime import datetime, timezone
from collections.abc import Mapping, Sequence
from typing import Any

import rfc8785

from fts_share.clock import to_rfc3339
from fts_share.errors import ValidationError

LEAF_VERSION = 1

#: Every action the log knows. One place; add new ones here (and to docs/audit.md).
ACTIONS: tuple[str, ...] = (
    "publish", "update", "withdraw", "deliver", "receive", "reject",
    "open", "screen", "screen_batch", "match_created", "match_decided",
    "export", "share", "purge", "key_change", "roster_change",
    "sign_in", "sign_out", "access_refused",
    "watchlist_import", "audit_verify", "split_view", "user_change",
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
    errors: dict[str, str] = {}
    detail_json = "{}"
    if not isinstance(time, datetime) or time.tzinfo is None:
        errors["now"] = "must be an aware datetime"
    if not isinstance(actor, str) or not ACTOR_RE.match(actor):
        errors["actor"] = "must be 'system', 'user:<name>' or 'node:<code>'"
    if action not in ACTIONS:
        errors["action"] = f"must be one of {', '.join(ACTIONS)}"
    if outcome not in OUTCOMES:
        errors["outcome"] = f"must be one of {', '.join(OUTCOMES)}"
    texts = {"object_type": object_type, "object_id": object_id, "purpose": purpose}
    for field, value in texts.items():
        if value is not None and (not isinstance(value, str) or not value
                                  or len(value) > _TEXT_LIMITS[field] or not value.isprintable()):
            errors[field] = f"must be printable text of 1 to {_TEXT_LIMITS[field]} characters"
    if partner is not None and (not isinstance(partner, str) or not CODE_RE.match(partner)):
        errors["partner"] = "must be a partner code (letters, digits, _ . -; at most 32)"
    if object_version is not None and (not isinstance(object_version, int)
                                       or isinstance(object_version, bool)
                                       or not 0 <= object_version <= _MAX_SAFE_INT):
        errors["object_version"] = "must be a non-negative integer"
    if isinstance(legal_basis, (str, bytes)) or not all(
            isinstance(b, str) and 0 < len(b) <= 64 and b.isprintable() for b in legal_basis):
        errors["legal_basis"] = "must be a list of short strings"
    if detail is not None:
        if not isinstance(detail, Mapping):
            errors["detail"] = "must be an object"
        else:
            bad = _forbidden_keys(detail)
            if bad:
                errors["detail"] = f"must not hold a subject's identity in clear: {', '.join(bad)}"
            else:
                try:
                    detail_json = canonical_json(dict(detail)).decode("utf-8")
                except (ValueError, TypeError) as exc:
                    errors["detail"] = f"must be canonical-JSON serialisable: {exc}"
    if errors:
        raise ValidationError(errors)
    return detail_json


def leaf_document(*, seq: int, time: datetime, actor: str, action: str,
                  object_type: str | None, object_id: str | None, object_version: int | None,
                  partner: str | None, purpose: str | None, legal_basis: Sequence[str],
                  outcome: str, detail: Mapping[str, Any] | None) -> dict[str, Any]:
    """The JSON document whose canonical form is the entry's Merkle leaf data."""
    return {
        "v": LEAF_VERSION, "seq": seq, "time": to_rfc3339(time.astimezone(timezone.utc)),
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
    checks that both agree with ``rfc8785.dumps(leaf_document(...))``.
    """
    try:
        return leaf_data_of(seq, to_rfc3339(time), actor, action, object_type, object_id,
                            object_version, partner, purpose, legal_basis, outcome, detail)
    except (TypeError, ValueError):
        return canonical_json(leaf_document(
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
    if type(seq) is not int or not 0 <= seq <= _MAX_SAFE_INT or type(time) is not str:
        raise TypeError("seq or time")
    if object_version is not None and (type(object_version) is not int
                                       or not -_MAX_SAFE_INT <= object_version <= _MAX_SAFE_INT):
        raise TypeError("object_version")
    if type(legal_basis) is not list and type(legal_basis) is not tuple:
        raise TypeError("legal_basis")
    if detail_json is not None:
        detail_text = detail_json
    elif detail is None or detail == {}:
        detail_text = "{}"
    elif type(detail) is dict:
        detail_text = canonical_json(detail).decode("utf-8")
    else:
        raise TypeError("detail")
    enc = _encode_str  # raises TypeError for anything but a str
    return (_LEAF_TEMPLATE % (
        enc(action), enc(actor), detail_text, "[" + ",".join(map(enc, legal_basis)) + "]",
        "null" if object_id is None else enc(object_id),
        "null" if object_type is None else enc(object_type),
        "null" if object_version is None else object_version,
        enc(outcome), "null" if partner is None else enc(partner),
        "null" if purpose is None else enc(purpose), seq, time)).encode("utf-8")


def canonical_json(value: Any) -> bytes:
    """RFC 8785 canonical JSON of ``value``.

    Values made only of objects with ASCII keys, arrays, strings, safe integers,
    booleans and null are serialised by the standard library with sorted keys and no
    whitespace, which is byte-identical to RFC 8785 for them (its string escaping is
    the same; ASCII keys sort the same by code point and by UTF-16 unit). Anything else
    (floats, non-ASCII keys, subclasses of the JSON types) goes through
    ``rfc8785.dumps``. A property test checks the two paths agree.
    """
    if _simple(value):
        return _CANONICAL_ENCODER.encode(value).encode("utf-8")
    return rfc8785.dumps(value)


_CANONICAL_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _simple(value: Any) -> bool:
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return True
    if kind is int:
        return -_MAX_SAFE_INT <= value <= _MAX_SAFE_INT
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or not key.isascii() or not _simple(item):
                return False
        return True
    if kind is list or kind is tuple:
        for item in value:
            if not _simple(item):
                return False
        return True
    return False


def _forbidden_keys(detail: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    stack: list[Any] = [detail]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            for key, value in item.items():
                if isinstance(key, str) and key.lower() in FORBIDDEN_DETAIL_KEYS:
                    found.append(key)
                stack.append(value)
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return sorted(set(found))
