"""The audit log API that the rest of the node calls, inside the caller's transaction.

Every function takes the caller's open :class:`~sqlalchemy.orm.Session` and never
commits: an action and its audit entry land together or not at all.

Appends are serialised. On PostgreSQL the first append of a transaction takes a
transaction-level advisory lock (:data:`PG_APPEND_LOCK`), held until commit or
rollback; on SQLite the node's ``Store`` starts every writing transaction with
``BEGIN IMMEDIATE``. Within one transaction the log's right edge (the "frontier" of
complete subtrees) is kept in ``session.info`` so that a batch of appends costs no
extra queries; it is dropped whenever a transaction or savepoint ends.

Appended rows (the entry and the subtree nodes it completes) are buffered in the same
per-transaction state and written with one Core ``executemany`` per table, not through
the ORM unit of work. The buffer is written, in append order, before anything else can
observe the database through the session: before every statement executed through the
session (``do_orm_execute``), before a flush, before a savepoint is opened (on the
enclosing transaction, so that rolling the savepoint back keeps them) and before the
transaction or savepoint commits. Rolling back discards it with the transaction.
Statements run on ``session.connection()`` directly see the buffered entries only after
one of those points, exactly like pending ORM objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping, Sequence

from sqlalchemy import bindparam, event, func, select, text, union_all
from sqlalchemy.engine import Connection
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction

from fts_share.audit import merkle
from fts_share.audit.entry import leaf_data, leaf_data_of, validate_fields
from fts_share.audit.heads import SignedTreeHead, Signer, decode_signature, make_tree_head
from fts_share.audit.models import (NODE_INDEX_BITS, AuditEntry, AuditNode, TreeHead, node_id,
                                   node_position)
from fts_share.clock import to_rfc3339
from fts_share.crypto.canonical import b64u
from fts_share.errors import FtsError, NotFound, ValidationError

#: pg_advisory_xact_lock key serialising appends ("fts-audit" as a 63-bit integer).
PG_APPEND_LOCK = 0x667473_617564_6974
_STATE_KEY = "fts_share.audit.frontier"
#: Buffered rows are written once this many entries are pending (bounds the memory).
MAX_PENDING = 5000

_INSERT_ENTRIES = AuditEntry.__table__.insert()
_INSERT_NODES = AuditNode.__table__.insert()
#: Every hash a proof needs, in one statement: leaves (``id`` = seq = ``node_id(0, seq)``)
#: from the entries, inner nodes from audit_nodes; both are primary-key IN lists.
_FETCH_HASHES = union_all(
    select(AuditEntry.seq.label("id"), AuditEntry.leaf_hash.label("hash"))
    .where(AuditEntry.seq.in_(bindparam("leaves", expanding=True))),
    select(AuditNode.id, AuditNode.hash)
    .where(AuditNode.id.in_(bindparam("inner", expanding=True))))


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


@dataclass
class _Frontier:
    """The log's size, the complete subtrees (level, hash) covering [0, size), and the
    appended rows not written yet."""

    size: int
    nodes: list[tuple[int, bytes]] = field(default_factory=list)
    pending_entries: list[dict[str, Any]] = field(default_factory=list)
    pending_nodes: list[dict[str, Any]] = field(default_factory=list)

    def root(self) -> bytes:
        return merkle.fold_cover([h for _, h in self.nodes])

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf; return the new complete subtrees (level, idx, hash) of height >= 1."""
        index, level, acc = self.size, 0, leaf
        created: list[tuple[int, int, bytes]] = []
        nodes = self.nodes
        while nodes and nodes[-1][0] == level:
            _, left = nodes.pop()
            acc, level = merkle.node_hash(left, acc), level + 1
            created.append((level, index >> level, acc))
        nodes.append((level, acc))
        self.size += 1
        return created

    def write(self, connection: Connection) -> None:
        """Insert the buffered rows with one executemany per table."""
        if self.pending_entries:
            entries, self.pending_entries = self.pending_entries, []
            connection.execute(_INSERT_ENTRIES, entries)
        if self.pending_nodes:
            nodes, self.pending_nodes = self.pending_nodes, []
            connection.execute(_INSERT_NODES, nodes)


def _pending(session: Session) -> _Frontier | None:
    state: _Frontier | None = session.info.get(_STATE_KEY)
    return state if state is not None and state.pending_entries else None


@event.listens_for(Session, "do_orm_execute")
def _write_before_execute(orm_execute_state: ORMExecuteState) -> None:
    state = _pending(orm_execute_state.session)
    if state is not None:
        state.write(orm_execute_state.session.connection())


@event.listens_for(Session, "before_flush")
def _write_before_flush(session: Session, _context: UOWTransaction, _instances: Any) -> None:
    state = _pending(session)
    if state is not None:
        state.write(session.connection())


@event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    state = _pending(session)
    if state is not None:
        state.write(session.connection())


@event.listens_for(Session, "after_transaction_create")
def _write_before_savepoint(session: Session, transaction: SessionTransaction) -> None:
    # The SAVEPOINT is emitted lazily, on the new transaction's first connection; the
    # rows appended before it go in on the enclosing transaction's connection, first.
    if transaction.nested and transaction.parent is not None:
        state = _pending(session)
        if state is not None:
            state.write(transaction.parent.connection(None))


@event.listens_for(Session, "after_transaction_end")
def _forget_frontier(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction ended: the next one reloads the frontier. A released
    # savepoint keeps it (its appends stand); a rolled-back one drops it below.
    if transaction.parent is None:
        session.info.pop(_STATE_KEY, None)


@event.listens_for(Session, "after_rollback")
def _forget_frontier_on_rollback(session: Session) -> None:
    # Any rollback, a savepoint's included: what was appended since may be gone, so the
    # frontier (and any rows still buffered) is reloaded from the database.
    session.info.pop(_STATE_KEY, None)


def flushed_connection(session: Session) -> Connection:
    """The session's connection, with this transaction's buffered appends written."""
    connection = session.connection()
    state = _pending(session)
    if state is not None:
        state.write(connection)
    return connection


def _lock_and_load(session: Session) -> _Frontier:
    state: _Frontier | None = session.info.get(_STATE_KEY)
    if state is not None:
        return state
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_APPEND_LOCK})
    size = log_size(session)
    cover = merkle.subtree_cover(0, size) if size else []
    hashes = _fetch_nodes(session, cover)
    state = _Frontier(size=size, nodes=[(lvl, hashes[(lvl, idx)]) for lvl, idx in cover])
    session.info[_STATE_KEY] = state
    return state


def record(session: Session, *, now: datetime, actor: str, action: str,
           object_type: str | None = None, object_id: str | None = None,
           object_version: int | None = None, partner: str | None = None,
           purpose: str | None = None, legal_basis: Sequence[str] = (),
           outcome: str = "ok", detail: Mapping[str, Any] | None = None) -> RecordedEntry:
    """Append one entry to the log in the caller's transaction and return it.

    ``actor`` is ``"system"``, ``"user:<name>"`` or ``"node:<code>"``; ``action`` one of
    :data:`~fts_share.audit.entry.ACTIONS`; ``outcome`` one of ``ok``, ``refused``,
    ``error``. ``detail`` must never hold a subject's identity in clear. Raises
    :class:`~fts_share.errors.ValidationError` naming each bad field. The row is
    buffered in the transaction (written before the session's next query, flush,
    savepoint or commit; see the module notes), not committed.
    """
    detail_json = validate_fields(
        time=now, actor=actor, action=action, object_type=object_type, object_id=object_id,
        object_version=object_version, partner=partner, purpose=purpose,
        legal_basis=legal_basis, outcome=outcome, detail=detail)
    legal = list(legal_basis)
    details = dict(detail or {})
    state = _lock_and_load(session)
    seq = state.size
    when = now.astimezone(timezone.utc)
    try:  # the validated fields have the expected types: the template path
        data = leaf_data_of(seq, to_rfc3339(when), actor, action, object_type, object_id,
                            object_version, partner, purpose, legal, outcome, details,
                            detail_json=detail_json)
    except (TypeError, ValueError):
        data = leaf_data(seq=seq, time=when, actor=actor, action=action,
                         object_type=object_type, object_id=object_id,
                         object_version=object_version, partner=partner, purpose=purpose,
                         legal_basis=legal, outcome=outcome, detail=details)
    leaf = merkle.leaf_hash(data)
    state.pending_entries.append(dict(
        seq=seq, time=when, actor=actor, action=action, object_type=object_type,
        object_id=object_id, object_version=object_version, partner=partner, purpose=purpose,
        legal_basis=legal, outcome=outcome, detail=details, leaf_hash=leaf))
    state.pending_nodes.extend({"id": node_id(lvl, idx), "hash": h}
                               for lvl, idx, h in state.append(leaf))
    if len(state.pending_entries) >= MAX_PENDING:
        state.write(session.connection())
    return RecordedEntry(seq, when, actor, action, object_type, object_id, object_version,
                         partner, purpose, legal, outcome, details, leaf)


def log_size(session: Session) -> int:
    """The number of entries in the log (its tree size), pending appends included."""
    state: _Frontier | None = session.info.get(_STATE_KEY)
    if state is not None:
        return state.size
    last = session.scalar(select(func.max(AuditEntry.seq)))
    return 0 if last is None else int(last) + 1


def current_root(session: Session) -> tuple[int, bytes]:
    """The log's current (size, root), taking the append lock."""
    state = _lock_and_load(session)
    return state.size, state.root()


def sign_tree_head(session: Session, *, now: datetime, sign: Signer,
                   key_id: str) -> SignedTreeHead:
    """Sign the log's current size, root and ``now`` with ``sign``; store and return it."""
    if not isinstance(key_id, str) or not 0 < len(key_id) <= 200:
        raise ValidationError({"key_id": "must be a key id of 1 to 200 characters"})
    size, root = current_root(session)
    head = make_tree_head(size=size, root=root, time=now.astimezone(timezone.utc),
                          key_id=key_id, sign=sign)
    session.add(TreeHead(size=head.size, root=head.root.hex(), time=head.time,
                         key_id=head.key_id, signature=b64u(head.signature)))
    return head


def head_from_row(row: TreeHead) -> SignedTreeHead:
    """A stored head as a :class:`SignedTreeHead` (the signature is not checked)."""
    return SignedTreeHead(size=row.size, root=bytes.fromhex(row.root), time=row.time,
                          key_id=row.key_id, signature=decode_signature(row.signature))


def latest_tree_head(session: Session) -> SignedTreeHead | None:
    """The most recently stored signed tree head, or None if none was signed yet."""
    row = session.scalar(select(TreeHead).order_by(TreeHead.id.desc()).limit(1))
    return head_from_row(row) if row is not None else None


def tree_heads(session: Session, *, limit: int = 100) -> list[SignedTreeHead]:
    """The stored signed tree heads, newest first."""
    rows = session.scalars(select(TreeHead).order_by(TreeHead.id.desc()).limit(limit))
    return [head_from_row(r) for r in rows]


def inclusion_proof(session: Session, index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) from the node store (RFC 9162 §2.1.3.1).

    Raises ``ValidationError`` (422) for a negative size or ``index >= size`` and
    ``NotFound`` (404) for a size beyond the log.
    """
    _check_size(session, "size", size, minimum=1)
    if not _is_int(index) or not 0 <= index < size:
        raise ValidationError({"index": f"must be an integer with 0 <= index < size ({size})"})
    return _proof(session, merkle.inclusion_ranges(index, size))


def consistency_proof(session: Session, first: int, second: int) -> list[bytes]:
    """PROOF(first, D[second]) from the node store (RFC 9162 §2.1.4.1).

    Raises ``ValidationError`` unless ``0 <= first <= second`` and ``NotFound`` for a
    ``second`` beyond the log.
    """
    _check_size(session, "second", second, minimum=0)
    if not _is_int(first) or not 0 <= first <= second:
        raise ValidationError({"first": f"must be an integer with 0 <= first <= second ({second})"})
    return _proof(session, merkle.consistency_ranges(first, second))


def root_at(session: Session, size: int) -> bytes:
    """MTH of the first ``size`` entries, from the node store."""
    _check_size(session, "size", size, minimum=0)
    return _proof(session, [(0, size)])[0] if size else merkle.EMPTY_ROOT


def _proof(session: Session, ranges: list[tuple[int, int]]) -> list[bytes]:
    covers = [merkle.subtree_cover(s, e) for s, e in ranges]
    nodes = _fetch_nodes(session, [key for cover in covers for key in cover])
    return [merkle.fold_cover([nodes[key] for key in cover]) for cover in covers]


def _fetch_nodes(session: Session, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """Hashes of complete subtrees (level, idx), in one query: leaves from the entries,
    the rest from audit_nodes."""
    wanted = {node_id(lvl, idx) for lvl, idx in keys}
    if not wanted:
        return {}
    leaves = [k for k in wanted if not k >> NODE_INDEX_BITS]
    inner = [k for k in wanted if k >> NODE_INDEX_BITS]
    rows = flushed_connection(session).execute(_FETCH_HASHES, {"leaves": leaves, "inner": inner})
    found = {node_position(int(k)): bytes(h) for k, h in rows}
    if len(found) != len(wanted):
        lvl, idx = min({node_position(k) for k in wanted} - found.keys())
        raise FtsError(f"audit node store is incomplete: expected node (level {lvl}, index {idx}),"
                       f" got none; run 'fts-share audit verify'")
    return found


def _check_size(session: Session, name: str, value: Any, *, minimum: int) -> None:
    if not _is_int(value) or value < minimum:
        raise ValidationError({name: f"must be an integer >= {minimum}"})
    size = log_size(session)
    if value > size:
        raise NotFound(f"no tree of size {value}: the log has {size} entries")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
