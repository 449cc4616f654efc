"""The reviewer's view of the log: filtered listing with keyset paging.

:func:`parse_query` turns query-string arguments into an :class:`EntryQuery`, refusing
unknown or malformed ones with a :class:`~fts_share.errors.ValidationError` naming each
field. :func:`list_entries` returns one :class:`Page`; ``next_cursor`` is None on the last
page. Cursors are opaque, bound to the filters and order they were issued for, and a
cursor beyond the end of the log (or issued for other filters) is refused with a
ValidationError (422) on the ``cursor`` field. A valid cursor never yields an empty
page unless matching entries were never there (the log is append-only).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from fts_share import jsontext
from fts_share.audit.entry import ACTIONS, ACTOR_RE, CODE_RE, OUTCOMES
from fts_share.audit.log import log_size
from fts_share.audit.store import AuditStore, EntryRecord
from fts_share.clock import parse_rfc3339, to_rfc3339
from fts_share.crypto.canonical import b64u, unb64u
from fts_share.errors import FtsError, ValidationError

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
_FILTERS = ("since", "until", "actor", "action", "object_type", "object_id", "partner",
            "outcome")
_ARGS = set(_FILTERS) | {"notice", "order", "cursor", "limit"}


@dataclass(frozen=True, kw_only=True)
class EntryQuery:
    """Filters (all optional, combined with AND), order, paging.

    ``since`` is inclusive and ``until`` exclusive; ``order`` is ``asc`` (oldest first)
    or ``desc``.
    """

    since: datetime | None = None
    until: datetime | None = None
    actor: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    partner: str | None = None
    outcome: str | None = None
    order: str = "asc"
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT


@dataclass
class Page:
    """One page of entries and the cursor of the next page (None on the last)."""

    entries: list[EntryRecord] = field(default_factory=list)
    next_cursor: str | None = None


def parse_query(args: Mapping[str, Any]) -> EntryQuery:
    """Parse string arguments (e.g. a query string); ``notice`` is ``object_id``."""
    errors: dict[str, str] = {}
    unknown = sorted(set(args) - _ARGS)
    for name in unknown:
        errors[name] = "unknown filter"
    values: dict[str, Any] = {}
    for name in ("since", "until"):
        if args.get(name) not in (None, ""):
            try:
                values[name] = parse_rfc3339(str(args[name]))
            except ValueError:
                errors[name] = "must be an RFC 3339 time with a time zone"
    for name in ("actor", "action", "object_type", "object_id", "partner", "outcome", "order",
                 "cursor"):
        if args.get(name) not in (None, ""):
            values[name] = str(args[name])
    if args.get("notice") not in (None, ""):
        values["object_id"] = str(args["notice"])
    if args.get("limit") not in (None, ""):
        try:
            values["limit"] = int(str(args["limit"]))
        except ValueError:
            errors["limit"] = f"must be an integer from 1 to {MAX_LIMIT}"
    query = EntryQuery(**values)
    try:
        validate_query(query)
    except ValidationError as exc:
        errors.update({k: "; ".join(v) for k, v in exc.errors.items()})
    if errors:
        raise ValidationError(errors)
    return query


def validate_query(query: EntryQuery) -> None:
    """Raise ValidationError naming every bad field of ``query``."""
    errors = {**_time_errors(query), **_filter_errors(query), **_paging_errors(query)}
    if errors:
        raise ValidationError(errors)


def _time_errors(query: EntryQuery) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name in ("since", "until"):
        value = getattr(query, name)
        if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
            errors[name] = "must be an aware datetime"
    if not errors and query.since and query.until and query.since >= query.until:
        errors["until"] = "must be after since"
    return errors


def _filter_errors(query: EntryQuery) -> dict[str, str]:
    errors: dict[str, str] = {}
    if query.actor is not None and not ACTOR_RE.match(query.actor):
        errors["actor"] = "must be 'system', 'user:<name>' or 'node:<code>'"
    if query.action is not None and query.action not in ACTIONS:
        errors["action"] = f"must be one of {', '.join(ACTIONS)}"
    if query.outcome is not None and query.outcome not in OUTCOMES:
        errors["outcome"] = f"must be one of {', '.join(OUTCOMES)}"
    if query.partner is not None and not CODE_RE.match(query.partner):
        errors["partner"] = "must be a partner code"
    for name, limit in (("object_type", 32), ("object_id", 200)):
        value = getattr(query, name)
        if value is not None and not 0 < len(value) <= limit:
            errors[name] = f"must be 1 to {limit} characters"
    return errors


def _paging_errors(query: EntryQuery) -> dict[str, str]:
    errors: dict[str, str] = {}
    if query.order not in ("asc", "desc"):
        errors["order"] = "must be asc or desc"
    if isinstance(query.limit, bool) or not isinstance(query.limit, int) \
            or not 1 <= query.limit <= MAX_LIMIT:
        errors["limit"] = f"must be an integer from 1 to {MAX_LIMIT}"
    return errors


def list_entries(store: AuditStore, query: EntryQuery | None = None) -> Page:
    """One page of entries matching ``query``, in ``seq`` order."""
    query = query or EntryQuery()
    validate_query(query)
    after = None
    if query.cursor is not None:
        after = _decode_cursor(query)
        if after >= log_size(store):
            raise ValidationError({"cursor": "beyond the end of the log"})
    rows = store.entries(query, after=after, limit=query.limit + 1)
    if len(rows) <= query.limit:
        return Page(entries=rows)
    rows = rows[:query.limit]
    return Page(entries=rows, next_cursor=_encode_cursor(query, rows[-1].seq))


def entry_to_json(entry: EntryRecord) -> dict[str, Any]:
    """An entry as JSON (what the API and the JSON Lines export show)."""
    return {"seq": entry.seq, "time": to_rfc3339(entry.time), "actor": entry.actor,
            "action": entry.action, "object_type": entry.object_type,
            "object_id": entry.object_id, "object_version": entry.object_version,
            "partner": entry.partner, "purpose": entry.purpose,
            "legal_basis": list(entry.legal_basis or []), "outcome": entry.outcome,
            "detail": entry.detail or {}, "leaf_hash": bytes(entry.leaf_hash).hex()}


def _fingerprint(query: EntryQuery) -> str:
    doc = {k: v for k, v in asdict(replace(query, cursor=None, limit=0)).items()}
    doc = {k: to_rfc3339(v) if isinstance(v, datetime) else v for k, v in doc.items()}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:16]


def _encode_cursor(query: EntryQuery, seq: int) -> str:
    return b64u(json.dumps({"s": seq, "f": _fingerprint(query)}).encode())


def _decode_cursor(query: EntryQuery) -> int:
    try:
        doc = jsontext.loads(unb64u(query.cursor or ""))
        seq, fp = doc["s"], doc["f"]
        if not isinstance(seq, int) or isinstance(seq, bool) \
                or not 0 <= seq <= jsontext.MAX_SAFE_INTEGER:
            raise ValueError
    except (FtsError, ValueError, KeyError, TypeError):
        raise ValidationError({"cursor": "malformed cursor"}) from None
    if fp != _fingerprint(query):
        raise ValidationError({"cursor": "issued for other filters or order"})
    return int(seq)
