"""The audit tables (SQLAlchemy 2.0 typed models on the node's one ``Base``).

The audit room (:mod:`fts_share.audit`) never sees them: it reads and writes through
:class:`~fts_share.audit.store.AuditStore`, which :mod:`fts_share.storage.audit_store`
implements over these tables.

- ``audit_entries``: the log itself, append-only; ``seq`` is the Merkle leaf index.
- ``audit_nodes``: the hash of every complete subtree of height >= 1, written as entries
  are appended, so that proofs need O(log n) lookups (leaf hashes live on the entries).
  A node is keyed by one integer, :func:`node_id` = ``level << 48 | index``, so that all
  the nodes of a proof are one ``IN`` list on the primary key (on SQLite the rowid) and
  one level is one contiguous key range.
- ``tree_heads``: the node's own signed tree heads.
- ``peer_tree_heads``: signed tree heads received from partner nodes.
- ``audit_findings``: split views and inconsistent histories detected at partners.
- ``peer_epochs``: the restore epochs partners announced (``docs/protocol.md``,
  "Recovery after a restore").

Nothing here is ever updated or deleted by the application, except ``checked_at`` of
a peer epoch, set once when the restored log is found consistent with the heads it
carried over.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from fts_share.storage.base import Base, UTCDateTime

#: BIGINT on PostgreSQL, INTEGER (the rowid alias, fastest) on SQLite.
SeqInt = BigInteger().with_variant(Integer(), "sqlite")


class AuditEntry(Base):
    """One action, as it happened; leaf ``seq`` of the node's Merkle tree."""

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(SeqInt, primary_key=True, autoincrement=False)
    time: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(200), index=True)
    action: Mapped[str] = mapped_column(String(32), index=True)
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(200), index=True)
    object_version: Mapped[int | None] = mapped_column(BigInteger)
    partner: Mapped[str | None] = mapped_column(String(32), index=True)
    purpose: Mapped[str | None] = mapped_column(String(64))
    legal_basis: Mapped[list[str]] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


#: Bits of a node id that hold the index within its level (logs of up to 2**48 entries).
NODE_INDEX_BITS = 48
_INDEX_MASK = (1 << NODE_INDEX_BITS) - 1


def node_id(level: int, idx: int) -> int:
    """The ``audit_nodes.id`` of the complete subtree at ``level`` and ``idx``."""
    return level << NODE_INDEX_BITS | idx


def node_position(node: int) -> tuple[int, int]:
    """(level, idx) of an ``audit_nodes.id`` (the inverse of :func:`node_id`)."""
    return node >> NODE_INDEX_BITS, node & _INDEX_MASK


class AuditNode(Base):
    """MTH of the complete subtree at level ``id >> 48`` (>= 1) and index ``id & (2**48 - 1)``.

    The subtree at ``level`` and ``idx`` covers entries ``idx * 2**level`` to
    ``(idx + 1) * 2**level - 1``; see :func:`node_id`.
    """

    __tablename__ = "audit_nodes"

    id: Mapped[int] = mapped_column(SeqInt, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class TreeHead(Base):
    """A signed tree head of this node's log (see ``SignedTreeHead``)."""

    __tablename__ = "tree_heads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, index=True)
    root: Mapped[str] = mapped_column(String(64))
    time: Mapped[datetime] = mapped_column(UTCDateTime())
    key_id: Mapped[str] = mapped_column(String(200))
    signature: Mapped[str] = mapped_column(Text)


class PeerTreeHead(Base):
    """A signed tree head received from a partner node, kept to check its next ones."""

    __tablename__ = "peer_tree_heads"
    __table_args__ = (Index("ix_peer_tree_heads_peer_size", "peer", "size"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    peer: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(BigInteger)
    root: Mapped[str] = mapped_column(String(64))
    time: Mapped[datetime] = mapped_column(UTCDateTime())
    key_id: Mapped[str] = mapped_column(String(200))
    signature: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditFinding(Base):
    """A split view or inconsistent history detected in a partner's signed heads."""

    __tablename__ = "audit_findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    peer: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime())
    first_head: Mapped[dict[str, Any]] = mapped_column(JSON)
    second_head: Mapped[dict[str, Any]] = mapped_column(JSON)
    detail: Mapped[str] = mapped_column(Text)
    audit_seq: Mapped[int | None] = mapped_column(BigInteger)


class PeerEpoch(Base):
    """A restore epoch a partner announced: the heads of its ``peer`` stored before it
    (ids up to ``before_head``) and larger than ``snapshot_size`` are history."""

    __tablename__ = "peer_epochs"
    __table_args__ = (UniqueConstraint("peer", "epoch", name="uq_peer_epochs_peer_epoch"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    peer: Mapped[str] = mapped_column(String(32), index=True)
    epoch: Mapped[int] = mapped_column(Integer)
    audit_seq: Mapped[int] = mapped_column(BigInteger)
    snapshot_size: Mapped[int] = mapped_column(BigInteger)
    before_head: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
