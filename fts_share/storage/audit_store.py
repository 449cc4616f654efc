"""The audit room's store over the node database, inside the caller's session.

``audit_store(session)`` is the one way to reach the audit log from code that holds a
session: it returns a :class:`SqlAuditStore`, which implements
:class:`~fts_share.audit.store.AuditStore` over the tables of
:mod:`fts_share.storage.audit_tables` and never commits, so an action and its audit
entries land together or not at all::

    from fts_share.audit.log import record
    from fts_share.storage.audit_store import audit_store

    record(audit_store(session), now=now, actor="system", action="open")

Appends are serialised. On PostgreSQL the first append of a transaction takes a
transaction-level advisory lock (:mod:`fts_share.storage.audit_lock`: with the log's size
and frontier, in one round trip), held until commit or rollback; on SQLite the node's ``Store`` starts every writing transaction with
``BEGIN IMMEDIATE``. The log's frontier is kept in ``session.info`` for the rest of the
transaction; it is dropped whenever a transaction ends or any savepoint rolls back.

Appended rows (the entry and the subtree nodes it completes) are buffered in the same
per-transaction state and written with one Core ``executemany`` per table, not through
the ORM unit of work. The buffer is written, in append order, before anything else can
observe the database through the session: before every statement executed through the
session (``do_orm_execute``), before a flush, before a savepoint is opened (on the
enclosing transaction, so that rolling the savepoint back keeps them) and before the
transaction or savepoint commits. Rolling back discards it with the transaction.
Statements run on ``session.connection()`` directly see the buffered entries only after
one of those points, exactly like pending ORM objects (:func:`flushed_connection`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, event, func, select, union_all
from sqlalchemy.engine import Connection
from sqlalchemy.orm import (
    ORMExecuteState,
    Session,
    SessionTransaction,
    UOWTransaction,
    sessionmaker,
)

from fts_share.audit.frontier import Frontier
from fts_share.audit.heads import SignedTreeHead
from fts_share.audit.store import (
    AuditStore,
    FindingRecord,
    HeadRecord,
    HeadSchedule,
    PeerEpochRecord,
    PeerHeadRecord,
    Subtree,
)
from fts_share.crypto.canonical import b64u
from fts_share.storage import observe
from fts_share.storage.audit_lock import lock_appends as pg_lock_appends
from fts_share.storage.audit_reads import AuditReads
from fts_share.storage.audit_tables import (
    NODE_INDEX_BITS,
    AuditEntry,
    AuditFinding,
    AuditNode,
    PeerEpoch,
    PeerTreeHead,
    TreeHead,
    node_id,
    node_position,
)
from fts_share.storage.bulk import BulkInsert
from fts_share.storage.peer_head_queries import (
    EPOCHS_OF,
    HEADS_NEAR,
    HEADS_SIZED,
    NEWEST_HEAD,
    NEWEST_HEADS,
    NEWEST_SLOTS,
)

_STATE_KEY = "fts_share.audit.frontier"
_SCHEDULE_KEY = "fts_share.audit.head_schedule"
_FRONTIER_KEY = "fts_share.audit.frontier_hashes"  # read with the append lock
_EPOCHS_KEY = "fts_share.audit.peer_epochs"  # partners' epochs read in this transaction
#: Buffered rows are written once this many entries are pending (bounds the memory).
MAX_PENDING = 5000

_INSERT_ENTRIES = BulkInsert(AuditEntry.__table__.insert(), (  # type: ignore[attr-defined]
    "seq", "time", "actor", "action", "object_type", "object_id", "object_version",
    "partner", "purpose", "legal_basis", "outcome", "detail", "leaf_hash"))
_INSERT_NODES = BulkInsert(AuditNode.__table__.insert(), ("id", "hash"))  # type: ignore[attr-defined]
#: Every hash a proof needs, in one statement: leaves (``id`` = seq = ``node_id(0, seq)``)
#: from the entries, inner nodes from audit_nodes; both are primary-key IN lists.
_FETCH_HASHES = union_all(
    select(AuditEntry.seq.label("id"), AuditEntry.leaf_hash.label("hash"))
    .where(AuditEntry.seq.in_(bindparam("leaves", expanding=True))),
    select(AuditNode.id, AuditNode.hash)
    .where(AuditNode.id.in_(bindparam("inner", expanding=True))))

#: Read for every page, on one side or both, so built once (with their cache keys): the
#: log's size, the newest findings about a partner.
_LAST_SEQ = select(func.max(AuditEntry.seq))
_FINDINGS_OF = (select(AuditFinding).where(AuditFinding.peer == bindparam("peer"))
                .order_by(AuditFinding.id.desc()).limit(bindparam("limit")))


@dataclass
class _AppendState:
    """A transaction's frontier and the appended rows not written yet."""

    frontier: Frontier
    pending_entries: list[Mapping[str, Any]] = field(default_factory=list)
    pending_nodes: list[dict[str, Any]] = field(default_factory=list)

    def write(self, connection: Connection) -> None:
        """Insert the buffered rows with one executemany per table."""
        if self.pending_entries:
            entries, self.pending_entries = self.pending_entries, []
            _INSERT_ENTRIES.run(connection, entries)
        if self.pending_nodes:
            nodes, self.pending_nodes = self.pending_nodes, []
            _INSERT_NODES.run(connection, nodes)


def _pending(session: Session) -> _AppendState | None:
    state: _AppendState | None = session.info.get(_STATE_KEY)
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
        for key in (_STATE_KEY, _EPOCHS_KEY, _FRONTIER_KEY):
            session.info.pop(key, None)


@event.listens_for(Session, "after_rollback")
def _forget_frontier_on_rollback(session: Session) -> None:
    # Any rollback, a savepoint's included: what was appended since may be gone, so the
    # frontier (and any rows still buffered) is reloaded from the database.
    for key in (_STATE_KEY, _EPOCHS_KEY, _FRONTIER_KEY):
        session.info.pop(key, None)


def flushed_connection(session: Session) -> Connection:
    """The session's connection, with this transaction's buffered appends written."""
    connection = session.connection()
    state = _pending(session)
    if state is not None:
        state.write(connection)
    return connection


def schedule_heads(sessions: sessionmaker[Session], schedule: HeadSchedule | None) -> None:
    """Have the appends of every session ``sessions`` makes (a ``Store``'s writing
    sessions) sign heads on ``schedule`` (None: appends never sign)."""
    sessions.configure(info={_SCHEDULE_KEY: schedule} if schedule else {})


def audit_store(session: Session) -> SqlAuditStore:
    """The audit store bound to ``session`` (its transaction is the caller's)."""
    return SqlAuditStore(session)


class SqlAuditStore(AuditReads):
    """:class:`~fts_share.audit.store.AuditStore` over the node database."""

    def __init__(self, session: Session) -> None:
        super().__init__(session, lambda: flushed_connection(session))

    # -- appending -------------------------------------------------------------
    def lock_appends(self) -> int:
        """Take the append lock (PostgreSQL: an advisory lock); return the log's size."""
        session = self.session
        session.flush()
        if session.get_bind().dialect.name == "postgresql":  # with the frontier, read after it
            size, session.info[_FRONTIER_KEY] = pg_lock_appends(session.connection())
            return size
        return self._stored_size()

    def cached_frontier(self) -> Frontier | None:
        """The frontier kept in this transaction, if any."""
        state: _AppendState | None = self.session.info.get(_STATE_KEY)
        return state.frontier if state is not None else None

    def keep_frontier(self, frontier: Frontier) -> None:
        """Keep ``frontier`` (and a new append buffer) for this transaction."""
        self.session.info[_STATE_KEY] = _AppendState(frontier)

    def append(self, entry: Mapping[str, Any], nodes: Iterable[tuple[int, int, bytes]]) -> None:
        """Buffer an entry and the subtrees it completes (written before they are seen)."""
        state: _AppendState = self.session.info[_STATE_KEY]
        observe.note(self.session, "audit_appends", str(entry.get("action", "")))
        state.pending_entries.append(entry)
        state.pending_nodes.extend({"id": node_id(lvl, idx), "hash": h} for lvl, idx, h in nodes)
        if len(state.pending_entries) >= MAX_PENDING:
            state.write(self.session.connection())

    def size(self) -> int:
        """The number of entries, pending appends included."""
        state: _AppendState | None = self.session.info.get(_STATE_KEY)
        return state.frontier.size if state is not None else self._stored_size()

    def _stored_size(self) -> int:
        last = self.session.scalar(_LAST_SEQ)
        return 0 if last is None else int(last) + 1

    def subtree_hashes(self, keys: Iterable[Subtree]) -> dict[Subtree, bytes]:
        """Stored hashes of complete subtrees, in one query (leaves from the entries)."""
        keys = set(keys)
        read: dict[Subtree, bytes] = self.session.info.pop(_FRONTIER_KEY, {})
        if keys and keys <= read.keys():  # the frontier, read with the append lock
            return {key: read[key] for key in keys}
        wanted = {node_id(lvl, idx) for lvl, idx in keys}
        leaves = [k for k in wanted if not k >> NODE_INDEX_BITS]
        inner = [k for k in wanted if k >> NODE_INDEX_BITS]
        rows = self.connection().execute(_FETCH_HASHES, {"leaves": leaves, "inner": inner})
        return {node_position(int(k)): bytes(h) for k, h in rows}

    # -- signed tree heads -----------------------------------------------------
    def head_schedule(self) -> HeadSchedule | None:
        """The schedule :func:`schedule_heads` gave this session's store, if any."""
        schedule: HeadSchedule | None = self.session.info.get(_SCHEDULE_KEY)
        return schedule

    def add_tree_head(self, head: SignedTreeHead) -> None:
        """Store a signed tree head of this node."""
        self.session.add(TreeHead(size=head.size, root=head.root.hex(), time=head.time,
                                  key_id=head.key_id, signature=b64u(head.signature)))

    def tree_heads(self, *, limit: int) -> Sequence[HeadRecord]:
        """The stored heads, newest first."""
        return self.session.scalars(select(TreeHead).order_by(TreeHead.id.desc())
                                    .limit(limit)).all()

    def tree_heads_by_size(self) -> Sequence[HeadRecord]:
        """Every stored head, by size then id."""
        return self.session.scalars(select(TreeHead).order_by(TreeHead.size, TreeHead.id)).all()

    # -- partners' heads and findings ------------------------------------------
    def peer_heads(self, peer: str) -> Sequence[PeerHeadRecord]:
        """The stored heads of ``peer``, by size then id."""
        return self.session.scalars(select(PeerTreeHead).where(PeerTreeHead.peer == peer)
                                    .order_by(PeerTreeHead.size, PeerTreeHead.id)).all()

    def peer_heads_near(self, peer: str, size: int) -> Sequence[PeerHeadRecord]:
        """The last stored head of ``peer`` of the nearest size below ``size``, those of
        ``size`` and the first of the nearest size above, by size then id (one statement
        of three seeks on the (peer, size) index, however many heads are stored)."""
        return self.session.scalars(HEADS_NEAR, {"peer": peer, "size": size}).all()

    def latest_peer_head(self, peer: str) -> PeerHeadRecord | None:
        """The largest stored head of ``peer``."""
        return self.session.scalar(NEWEST_HEAD, {"peer": peer})

    def add_peer_head(self, peer: str, head: SignedTreeHead, *, received_at: datetime) -> None:
        """Store a head received from ``peer``."""
        self.session.add(PeerTreeHead(peer=peer, size=head.size, root=head.root.hex(),
                                      time=head.time, key_id=head.key_id,
                                      signature=b64u(head.signature), received_at=received_at))

    def peer_heads_sized(self, wanted: Collection[tuple[str, int]]
                         ) -> dict[tuple[str, int], list[PeerHeadRecord]]:
        """The stored heads of each (peer, size) of ``wanted``, by id (one read)."""
        out: dict[tuple[str, int], list[PeerHeadRecord]] = {}
        if not wanted:
            return out
        # Two IN lists (one cached statement) read a few rows more than asked for.
        rows = self.session.scalars(HEADS_SIZED, {"peers": list({p for p, _ in wanted}),
                                                   "sizes": list({n for _, n in wanted})})
        for row in rows:
            if (row.peer, row.size) in wanted:
                out.setdefault((row.peer, row.size), []).append(row)
        return out

    def latest_peer_heads(self, peers: Collection[str]) -> dict[str, PeerHeadRecord]:
        """For each of ``peers`` with a stored head, its largest (the last stored among
        equals), as :meth:`latest_peer_head` gives one by one (one read per 16)."""
        wanted, out = sorted(set(peers)), dict[str, PeerHeadRecord]()
        for start in range(0, len(wanted), NEWEST_SLOTS):
            chunk = wanted[start:start + NEWEST_SLOTS]
            chunk += chunk[-1:] * (NEWEST_SLOTS - len(chunk))  # a peer twice: read once
            out.update({row.peer: row for row in self.session.scalars(
                NEWEST_HEADS, {f"peer{i}": peer for i, peer in enumerate(chunk)})})
        return out

    def peers_epochs(self, peers: Collection[str]) -> dict[str, list[PeerEpochRecord]]:
        """The restore epochs of each of ``peers`` that announced one, by epoch (one
        read of those not read before in this transaction: a feed page asks for the
        same partner's epochs several times; :meth:`add_peer_epoch` and any rollback
        forget what was read)."""
        known: dict[str, list[PeerEpochRecord]] = self.session.info.setdefault(_EPOCHS_KEY, {})
        missing = [peer for peer in peers if peer not in known]
        if missing:
            known.update({peer: [] for peer in missing})
            for row in self.session.scalars(EPOCHS_OF, {"peers": missing}):
                known[row.peer].append(row)
        return {peer: list(known[peer]) for peer in peers if known[peer]}

    def peer_epochs(self, peer: str) -> Sequence[PeerEpochRecord]:
        """The restore epochs ``peer`` announced, by epoch."""
        return self.peers_epochs((peer,)).get(peer, [])

    def add_peer_epoch(self, peer: str, *, epoch: int, audit_seq: int, snapshot_size: int,
                       recorded_at: datetime) -> None:
        """Record an epoch of ``peer``: the heads stored so far are from before it."""
        before = self.session.scalar(select(func.max(PeerTreeHead.id))
                                     .where(PeerTreeHead.peer == peer))
        self.session.info.pop(_EPOCHS_KEY, None)
        self.session.add(PeerEpoch(peer=peer, epoch=epoch, audit_seq=audit_seq,
                                   snapshot_size=snapshot_size, before_head=before or 0,
                                   recorded_at=recorded_at))
        self.session.flush()

    def check_peer_epoch(self, peer: str, epoch: int, *, at: datetime) -> None:
        """Note that ``peer``'s log of ``epoch`` extends the heads it carried over."""
        row = self.session.scalar(select(PeerEpoch).where(PeerEpoch.peer == peer,
                                                          PeerEpoch.epoch == epoch))
        if row is not None and row.checked_at is None:
            row.checked_at = at

    def add_finding(self, *, peer: str, kind: str, detected_at: datetime,
                    first_head: dict[str, Any], second_head: dict[str, Any], detail: str,
                    audit_seq: int | None) -> None:
        """Store a finding about ``peer``."""
        self.session.add(AuditFinding(peer=peer, kind=kind, detected_at=detected_at,
                                      first_head=first_head, second_head=second_head,
                                      detail=detail, audit_seq=audit_seq))

    def findings(self, *, peer: str | None, limit: int) -> list[FindingRecord]:
        """Stored findings, newest first (optionally of one partner)."""
        if peer is not None:
            return list(self.session.scalars(_FINDINGS_OF, {"peer": peer, "limit": limit}))
        stmt = select(AuditFinding).order_by(AuditFinding.id.desc()).limit(limit)
        return list(self.session.scalars(stmt))


#: mypy checks here that the adapter implements the audit room's whole interface.
_IMPLEMENTS: Callable[[Session], AuditStore] = SqlAuditStore
