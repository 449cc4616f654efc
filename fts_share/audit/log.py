"""The audit log API that the rest of the node calls, inside the caller's transaction.

Every function takes an :class:`~fts_share.audit.store.AuditStore` bound to the caller's
open transaction (``fts_share.storage.audit_store.audit_store(session)``) and never
commits: an action and its audit entry land together or not at all.

Appends are serialised: the first append of a transaction takes the store's append
lock, and the log's right edge (the :class:`~fts_share.audit.frontier.Frontier` of
complete subtrees) is kept by the store for the rest of the transaction, so that a
batch of appends costs no extra reads. The store buffers appended rows and writes them
before anything can observe them (see :mod:`fts_share.storage.audit_store`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fts_share.audit import merkle
from fts_share.audit.entry import leaf_data, leaf_data_of, validate_fields
from fts_share.audit.frontier import Frontier, cover
from fts_share.audit.heads import SignedTreeHead, Signer, decode_signature, make_tree_head
from fts_share.audit.store import AuditStore, HeadRecord, Subtree
from fts_share.clock import to_rfc3339
from fts_share.errors import FtsError, NotFound, ValidationError


@dataclass(frozen=True, slots=True)
class RecordedEntry:
    """An appended entry, as :func:`record` wrote it (the row's columns)."""

    seq: int
    time: datetime
    actor: str
    action: str
    object_type: str | None
    object_id: str | None
    object_version: int | None
    partner: str | None
    purpose: str | None
    legal_basis: list[str]
    outcome: str
    detail: dict[str, Any]
    leaf_hash: bytes


def _frontier(store: AuditStore) -> Frontier:
    """The transaction's frontier, taking the append lock and loading it on first use."""
    state = store.cached_frontier()
    if state is None:
        size = store.lock_appends()
        state = Frontier.load(size, subtree_hashes(store, cover(size)))
        store.keep_frontier(state)
    return state


_last_time: tuple[datetime, datetime, str] | None = None
"""the last ``now`` :func:`_utc` was given, in UTC and as RFC 3339 text"""


def _utc(now: datetime) -> tuple[datetime, str]:
    """``now`` in UTC and as RFC 3339 text; the entries of one unit of work share their
    ``now`` (the very object), which is converted once."""
    global _last_time
    last = _last_time
    if last is not None and last[0] is now:
        return last[1], last[2]
    when = now.astimezone(UTC)
    text = to_rfc3339(when)
    _last_time = (now, when, text)
    return when, text


def record(store: AuditStore, *, now: datetime, actor: str, action: str,
           object_type: str | None = None, object_id: str | None = None,
           object_version: int | None = None, partner: str | None = None,
           purpose: str | None = None, legal_basis: Sequence[str] = (),
           outcome: str = "ok", detail: Mapping[str, Any] | None = None) -> RecordedEntry:
    """Append one entry to the log in the caller's transaction and return it.

    ``actor`` is ``"system"``, ``"user:<name>"`` or ``"node:<code>"``; ``action`` one of
    :data:`~fts_share.audit.entry.ACTIONS`; ``outcome`` one of ``ok``, ``refused``,
    ``error``. ``detail`` must never hold a subject's identity in clear. Raises
    :class:`~fts_share.errors.ValidationError` naming each bad field. The row is
    buffered by the store (written before the session's next query, flush,
    savepoint or commit), not committed.
    """
    detail_json = validate_fields(
        time=now, actor=actor, action=action, object_type=object_type, object_id=object_id,
        object_version=object_version, partner=partner, purpose=purpose,
        legal_basis=legal_basis, outcome=outcome, detail=detail)
    legal = list(legal_basis)
    details = dict(detail or {})
    state = _frontier(store)
    seq = state.size
    when, when_text = _utc(now)
    try:  # the validated fields have the expected types: the template path
        data = leaf_data_of(seq, when_text, actor, action, object_type, object_id,
                            object_version, partner, purpose, legal, outcome, details,
                            detail_json=detail_json)
    except (TypeError, ValueError):
        data = leaf_data(seq=seq, time=when, actor=actor, action=action,
                         object_type=object_type, object_id=object_id,
                         object_version=object_version, partner=partner, purpose=purpose,
                         legal_basis=legal, outcome=outcome, detail=details)
    leaf = merkle.leaf_hash(data)
    store.append({"seq": seq, "time": when, "actor": actor, "action": action,
                  "object_type": object_type, "object_id": object_id,
                  "object_version": object_version, "partner": partner, "purpose": purpose,
                  "legal_basis": legal, "outcome": outcome, "detail": details,
                  "leaf_hash": leaf}, state.append(leaf))
    schedule = store.head_schedule()
    if schedule is not None and schedule.every > 0 and state.size % schedule.every == 0:
        key_id, sign = schedule.key()
        store.add_tree_head(make_tree_head(size=state.size, root=state.root(), time=when,
                                           key_id=key_id, sign=sign))
    return RecordedEntry(seq, when, actor, action, object_type, object_id, object_version,
                         partner, purpose, legal, outcome, details, leaf)


def record_many(store: AuditStore, entries: Sequence[Mapping[str, Any]]
                ) -> list[RecordedEntry]:
    """Append several entries in order (each mapping holds :func:`record`'s keyword
    arguments): the append lock and the frontier are taken once, and the store writes
    the entries and the subtree nodes they complete with one statement per table when
    they are next observed. An invalid entry raises ``ValidationError``; the caller's
    transaction then holds none of them once it rolls back."""
    return [record(store, **fields) for fields in entries]


def log_size(store: AuditStore) -> int:
    """The number of entries in the log (its tree size), pending appends included."""
    return store.size()


def current_root(store: AuditStore) -> tuple[int, bytes]:
    """The log's current (size, root), taking the append lock."""
    state = _frontier(store)
    return state.size, state.root()


def sign_tree_head(store: AuditStore, *, now: datetime, sign: Signer,
                   key_id: str) -> SignedTreeHead:
    """Sign the log's current size, root and ``now`` with ``sign``; store and return it."""
    if not isinstance(key_id, str) or not 0 < len(key_id) <= 200:
        raise ValidationError({"key_id": "must be a key id of 1 to 200 characters"})
    size, root = current_root(store)
    head = make_tree_head(size=size, root=root, time=now.astimezone(UTC),
                          key_id=key_id, sign=sign)
    store.add_tree_head(head)
    return head


def head_from_record(row: HeadRecord) -> SignedTreeHead:
    """A stored head as a :class:`SignedTreeHead` (the signature is not checked)."""
    return SignedTreeHead(size=row.size, root=bytes.fromhex(row.root), time=row.time,
                          key_id=row.key_id, signature=decode_signature(row.signature))


def latest_tree_head(store: AuditStore) -> SignedTreeHead | None:
    """The most recently stored signed tree head, or None if none was signed yet."""
    rows = store.tree_heads(limit=1)
    return head_from_record(rows[0]) if rows else None


def tree_heads(store: AuditStore, *, limit: int = 100) -> list[SignedTreeHead]:
    """The stored signed tree heads, newest first."""
    return [head_from_record(r) for r in store.tree_heads(limit=limit)]


def inclusion_proof(store: AuditStore, index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) from the node store (RFC 9162 §2.1.3.1).

    Raises ``ValidationError`` (422) for a negative size or ``index >= size`` and
    ``NotFound`` (404) for a size beyond the log.
    """
    _check_size(store, "size", size, minimum=1)
    if not _is_int(index) or not 0 <= index < size:
        raise ValidationError({"index": f"must be an integer with 0 <= index < size ({size})"})
    return _proof(store, merkle.inclusion_ranges(index, size))


def consistency_proof(store: AuditStore, first: int, second: int) -> list[bytes]:
    """PROOF(first, D[second]) from the node store (RFC 9162 §2.1.4.1).

    Raises ``ValidationError`` unless ``0 <= first <= second`` and ``NotFound`` for a
    ``second`` beyond the log.
    """
    _check_size(store, "second", second, minimum=0)
    if not _is_int(first) or not 0 <= first <= second:
        raise ValidationError({"first": f"must be an integer with 0 <= first <= second ({second})"})
    return _proof(store, merkle.consistency_ranges(first, second))


def root_at(store: AuditStore, size: int) -> bytes:
    """MTH of the first ``size`` entries, from the node store."""
    _check_size(store, "size", size, minimum=0)
    return _proof(store, [(0, size)])[0] if size else merkle.EMPTY_ROOT


def _proof(store: AuditStore, ranges: list[tuple[int, int]]) -> list[bytes]:
    covers = [merkle.subtree_cover(s, e) for s, e in ranges]
    nodes = subtree_hashes(store, [key for c in covers for key in c])
    return [merkle.fold_cover([nodes[key] for key in c]) for c in covers]


def subtree_hashes(store: AuditStore, keys: Iterable[Subtree]) -> dict[Subtree, bytes]:
    """The stored hashes of complete subtrees ``(level, idx)``, in one read; raises
    :class:`~fts_share.errors.FtsError` if the node store lacks one."""
    wanted = set(keys)
    if not wanted:
        return {}
    found = store.subtree_hashes(wanted)
    if len(found) != len(wanted):
        lvl, idx = min(wanted - found.keys())
        raise FtsError(f"audit node store is incomplete: expected node (level {lvl}, index {idx}),"
                       f" got none; run 'fts-share audit verify'")
    return found


def _check_size(store: AuditStore, name: str, value: Any, *, minimum: int) -> None:
    if not _is_int(value) or value < minimum:
        raise ValidationError({name: f"must be an integer >= {minimum}"})
    size = log_size(store)
    if value > size:
        raise NotFound(f"no tree of size {value}: the log has {size} entries")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
