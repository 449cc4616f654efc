"""The audit log API that the rest of the node calls, inside the caller's transaction.

Every function takes the caller's open :class:`~sqlalchemy.orm.Session` and never
commits: an action and its audit entry land together or not at all.

Appends are serialised. On PostgreSQL the first append of a transaction takes a
transaction-level advisory lock (:data:`PG_APPEND_LOCK`), held until commit or
rollback; on SQLite the node's ``Store`` starts every writing transaction with
``BEGIN IMMEDIATE``. Within one transaction the log's right edge (the "frontier" of
complete subtrees) is kept in ``session.info`` so that a batch of appends costs no
extra queries; it is dropped whenever a transaction or savepoint ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping, Sequence

from sqlalchemy import and_, event, func, or_, select, text
from sqlalchemy.orm import Session, SessionTransaction

from fts_share.audit import merkle
from fts_share.audit.entry import canonical_json, leaf_document, validate_fields
from fts_share.audit.heads import SignedTreeHead, Signer, b64url, b64url_decode, make_tree_head
from fts_share.audit.models import AuditEntry, AuditNode, TreeHead
from fts_share.errors import FtsError, NotFound, ValidationError

#: pg_advisory_xact_lock key serialising appends ("fts-audit" as a 63-bit integer).
PG_APPEND_LOCK = 0x667473_617564_6974
_STATE_KEY = "fts_share.audit.frontier"


@dataclass
class _Frontier:
    """The log's size and the complete subtrees (level, hash) covering [0, size)."""

    size: int
    nodes: list[tuple[int, bytes]] = field(default_factory=list)

    def root(self) -> bytes:
        return merkle.fold_cover([h for _, h in self.nodes])

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf; return the new complete subtrees (level, idx, hash) of height >= 1."""
        index, level, acc = self.size, 0, leaf
        created: list[tuple[int, int, bytes]] = []
        while self.nodes and self.nodes[-1][0] == level:
            _, left = self.nodes.pop()
            acc, level = merkle.node_hash(left, acc), level + 1
            created.append((level, index >> level, acc))
        self.nodes.append((level, acc))
        self.size += 1
        return created


@event.listens_for(Session, "after_transaction_end")
def _forget_frontier(session: Session, _transaction: SessionTransaction) -> None:
    session.info.pop(_STATE_KEY, None)


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
           outcome: str = "ok", detail: Mapping[str, Any] | None = None) -> AuditEntry:
    """Append one entry to the log in the caller's transaction and return it.

    ``actor`` is ``"system"``, ``"user:<name>"`` or ``"node:<code>"``; ``action`` one of
    :data:`~fts_share.audit.entry.ACTIONS`; ``outcome`` one of ``ok``, ``refused``,
    ``error``. ``detail`` must never hold a subject's identity in clear. Raises
    :class:`~fts_share.errors.ValidationError` naming each bad field. The entry is added
    to the session (flushed with the caller's next query or commit), not committed.
    """
    validate_fields(time=now, actor=actor, action=action, object_type=object_type,
                    object_id=object_id, object_version=object_version, partner=partner,
                    purpose=purpose, legal_basis=legal_basis, outcome=outcome, detail=detail)
    legal = list(legal_basis)
    state = _lock_and_load(session)
    when = now.astimezone(timezone.utc)
    fields: dict[str, Any] = dict(
        time=when, actor=actor, action=action, object_type=object_type, object_id=object_id,
        object_version=object_version, partner=partner, purpose=purpose, legal_basis=legal,
        outcome=outcome, detail=dict(detail or {}))
    leaf = merkle.leaf_hash(canonical_json(leaf_document(seq=state.size, **fields)))
    entry = AuditEntry(seq=state.size, leaf_hash=leaf, **fields)
    created = state.append(leaf)
    session.add(entry)
    session.add_all(AuditNode(level=lvl, idx=idx, hash=h) for lvl, idx, h in created)
    return entry


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
                         key_id=head.key_id, signature=b64url(head.signature)))
    return head


def head_from_row(row: TreeHead) -> SignedTreeHead:
    """A stored head as a :class:`SignedTreeHead` (the signature is not checked)."""
    return SignedTreeHead(size=row.size, root=bytes.fromhex(row.root), time=row.time,
                          key_id=row.key_id, signature=b64url_decode(row.signature))


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
    """Hashes of complete subtrees: leaves from the entries, the rest from audit_nodes."""
    wanted = set(keys)
    found: dict[tuple[int, int], bytes] = {}
    leaves = [idx for lvl, idx in wanted if lvl == 0]
    inner = [(lvl, idx) for lvl, idx in wanted if lvl > 0]
    if leaves:
        rows = session.execute(select(AuditEntry.seq, AuditEntry.leaf_hash)
                               .where(AuditEntry.seq.in_(leaves)))
        found.update(((0, int(seq)), bytes(h)) for seq, h in rows)
    if inner:
        by_level: dict[int, list[int]] = {}
        for lvl, idx in inner:
            by_level.setdefault(lvl, []).append(idx)
        # One (level = l AND idx IN ...) per level: both backends use the primary key.
        rows = session.execute(select(AuditNode.level, AuditNode.idx, AuditNode.hash).where(
            or_(*(and_(AuditNode.level == lvl, AuditNode.idx.in_(idxs))
                  for lvl, idxs in by_level.items()))))
        found.update(((int(lvl), int(idx)), bytes(h)) for lvl, idx, h in rows)
    missing = wanted - found.keys()
    if missing:
        lvl, idx = min(missing)
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
