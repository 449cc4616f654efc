"""What the audit room needs from storage: one store interface, declared here.

The audit room imports no SQLAlchemy and no :mod:`fts_share.storage`. Every function
that reads or writes the log takes an :class:`AuditStore`; the node's adapter
(:func:`fts_share.storage.audit_store.audit_store`) implements it over the caller's
session, so an action and its audit entries commit in one transaction.

The records it returns are read-only views (:class:`EntryRecord`, :class:`HeadRecord`,
:class:`PeerHeadRecord`, :class:`FindingRecord`); raw entry rows (:data:`RawEntry`) are
the columns of ``audit_entries`` in :data:`ENTRY_COLUMNS` order, as the database driver
returns them (the verifier decodes them itself, for speed).

Subtrees are named by ``(level, idx)``: the complete subtree at ``level`` and ``idx``
covers entries ``idx * 2**level`` to ``(idx + 1) * 2**level - 1``; level 0 is a leaf.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from fts_share.audit.frontier import Frontier
from fts_share.audit.heads import SignedTreeHead, Signer

#: The columns of a raw entry row, in order.
ENTRY_COLUMNS = ("seq", "time", "actor", "action", "object_type", "object_id",
                 "object_version", "partner", "purpose", "legal_basis", "outcome", "detail",
                 "leaf_hash")
#: A raw ``audit_entries`` row: the :data:`ENTRY_COLUMNS`, undecoded.
RawEntry = Sequence[Any]
#: ``(level, idx)`` of a complete subtree.
Subtree = tuple[int, int]


@dataclass(frozen=True, slots=True)
class HeadSchedule:
    """Appends sign a tree head whenever they make the log's size a multiple of
    ``every`` (see :meth:`AuditStore.head_schedule`)."""

    every: int
    key: Callable[[], tuple[str, Signer]]
    """The key id and signer to sign a head with, asked at signing time (a node
    switches keys when a roster that lists a rotated key comes into force)."""


class EntryRecord(Protocol):
    """A stored entry (one row of the log)."""

    @property
    def seq(self) -> int: ...
    @property
    def time(self) -> datetime: ...
    @property
    def actor(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def object_type(self) -> str | None: ...
    @property
    def object_id(self) -> str | None: ...
    @property
    def object_version(self) -> int | None: ...
    @property
    def partner(self) -> str | None: ...
    @property
    def purpose(self) -> str | None: ...
    @property
    def legal_basis(self) -> list[str]: ...
    @property
    def outcome(self) -> str: ...
    @property
    def detail(self) -> dict[str, Any]: ...
    @property
    def leaf_hash(self) -> bytes: ...


class HeadRecord(Protocol):
    """A stored signed tree head: root in hex, signature in base64url."""

    @property
    def id(self) -> int: ...
    @property
    def size(self) -> int: ...
    @property
    def root(self) -> str: ...
    @property
    def time(self) -> datetime: ...
    @property
    def key_id(self) -> str: ...
    @property
    def signature(self) -> str: ...


class PeerHeadRecord(HeadRecord, Protocol):
    """A partner's stored signed tree head."""

    @property
    def peer(self) -> str: ...
    @property
    def received_at(self) -> datetime: ...


class PeerEpochRecord(Protocol):
    """A restore epoch a partner announced (:mod:`fts_share.audit.epochs`)."""

    @property
    def epoch(self) -> int: ...
    @property
    def audit_seq(self) -> int: ...
    @property
    def snapshot_size(self) -> int: ...
    @property
    def before_head(self) -> int: ...
    @property
    def checked_at(self) -> datetime | None: ...


class FindingRecord(Protocol):
    """A stored split view or inconsistent history of a partner."""

    @property
    def id(self) -> int: ...
    @property
    def peer(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def detected_at(self) -> datetime: ...
    @property
    def first_head(self) -> dict[str, Any]: ...
    @property
    def second_head(self) -> dict[str, Any]: ...
    @property
    def detail(self) -> str: ...
    @property
    def audit_seq(self) -> int | None: ...


class EntryFilter(Protocol):
    """The filters of a listing (:class:`~fts_share.audit.query.EntryQuery` is one)."""

    @property
    def since(self) -> datetime | None: ...
    @property
    def until(self) -> datetime | None: ...
    @property
    def actor(self) -> str | None: ...
    @property
    def action(self) -> str | None: ...
    @property
    def object_type(self) -> str | None: ...
    @property
    def object_id(self) -> str | None: ...
    @property
    def partner(self) -> str | None: ...
    @property
    def outcome(self) -> str | None: ...
    @property
    def order(self) -> str: ...


class EntryReader(Protocol):
    """Reads raw entries with ``after < seq < end`` in chunks; picklable, so that a
    worker process can open the same database with it."""

    def __call__(self, after: int, end: int, chunk: int) -> Iterator[Sequence[RawEntry]]: ...


class AuditStore(Protocol):
    """The log's storage, inside the caller's transaction (never committed here)."""

    # -- appending (audit.log) ---------------------------------------------------
    def lock_appends(self) -> int:
        """Take the append lock for the rest of the transaction; return the log's size."""
        ...

    def cached_frontier(self) -> Frontier | None:
        """The frontier kept by :meth:`keep_frontier` in this transaction, if any."""
        ...

    def keep_frontier(self, frontier: Frontier) -> None:
        """Keep ``frontier`` for this transaction; forgotten when the transaction ends
        or any savepoint rolls back (what was appended since may be gone)."""
        ...

    def append(self, entry: Mapping[str, Any], nodes: Iterable[tuple[int, int, bytes]]) -> None:
        """Add an entry (the :data:`ENTRY_COLUMNS` by name) and the subtrees
        ``(level, idx, hash)`` it completes; written before anything can observe them."""
        ...

    def size(self) -> int:
        """The number of entries, pending appends included."""
        ...

    def subtree_hashes(self, keys: Iterable[Subtree]) -> dict[Subtree, bytes]:
        """The stored hashes of these complete subtrees (leaves from the entries); a
        missing one is absent from the result."""
        ...

    # -- this node's signed tree heads --------------------------------------------
    def head_schedule(self) -> HeadSchedule | None:
        """When appends sign heads on their own (None: never)."""
        ...

    def add_tree_head(self, head: SignedTreeHead) -> None:
        """Store a signed tree head of this node."""
        ...

    def tree_heads(self, *, limit: int) -> Sequence[HeadRecord]:
        """The stored heads, newest first."""
        ...

    def tree_heads_by_size(self) -> Sequence[HeadRecord]:
        """Every stored head, by size then id."""
        ...

    # -- raw reads for verification (audit.verify) --------------------------------
    def raw_entries(self, after: int, end: int, chunk: int) -> Iterator[Sequence[RawEntry]]:
        """Raw entries with ``after < seq < end`` in ``seq`` order, ``chunk`` at a time."""
        ...

    def raw_entry(self, seq: int) -> RawEntry:
        """The raw entry ``seq``."""
        ...

    def raw_leaves(self, after: int, end: int,
                   chunk: int) -> Iterator[Sequence[tuple[int, Any]]]:
        """``(seq, stored leaf hash)`` with ``after < seq < end``, ``chunk`` at a time."""
        ...

    def last_seq(self) -> int | None:
        """The largest stored ``seq`` (None for an empty log), pending appends written."""
        ...

    def level_nodes(self, level: int, chunk: int) -> Iterator[Sequence[tuple[int, Any]]]:
        """``(idx, hash)`` of the stored subtrees of ``level`` (>= 1) in ``idx`` order."""
        ...

    def worker_reader(self) -> EntryReader | None:
        """A reader another process can use on the same database, or None (e.g. an
        in-memory database)."""
        ...

    # -- partners' heads and findings (audit.crosscheck) --------------------------
    def peer_heads(self, peer: str) -> Sequence[PeerHeadRecord]:
        """The stored heads of ``peer``, by size then id."""
        ...

    def peer_heads_near(self, peer: str, size: int) -> Sequence[PeerHeadRecord]:
        """The stored heads of ``peer`` that a head of ``size`` is compared with, by size
        then id: the last of the nearest size below, every one of ``size``, the first
        of the nearest size above (the rows of :meth:`peer_heads` that
        ``crosscheck.observe_peer_head`` looks at, read without the history)."""
        ...

    def latest_peer_head(self, peer: str) -> PeerHeadRecord | None:
        """The largest stored head of ``peer`` (the last stored among equals)."""
        ...

    def add_peer_head(self, peer: str, head: SignedTreeHead, *, received_at: datetime) -> None:
        """Store a head received from ``peer``."""
        ...

    def peer_heads_sized(self, wanted: Collection[tuple[str, int]]
                         ) -> dict[tuple[str, int], list[PeerHeadRecord]]:
        """The stored heads of each (peer, size) of ``wanted``, by id (one read)."""
        ...

    def latest_peer_heads(self, peers: Collection[str]) -> dict[str, PeerHeadRecord]:
        """For each of ``peers`` with a stored head, its largest (the last stored among
        equals), as :meth:`latest_peer_head` gives one by one (one read)."""
        ...

    def peers_epochs(self, peers: Collection[str]) -> dict[str, list[PeerEpochRecord]]:
        """The restore epochs of each of ``peers`` that announced one, by epoch (one
        read)."""
        ...

    def peer_epochs(self, peer: str) -> Sequence[PeerEpochRecord]:
        """The restore epochs ``peer`` announced, by epoch."""
        ...

    def add_peer_epoch(self, peer: str, *, epoch: int, audit_seq: int, snapshot_size: int,
                       recorded_at: datetime) -> None:
        """Record an epoch of ``peer``: the heads stored so far are from before it."""
        ...

    def check_peer_epoch(self, peer: str, epoch: int, *, at: datetime) -> None:
        """Note that ``peer``'s log of ``epoch`` extends the heads it carried over."""
        ...

    def add_finding(self, *, peer: str, kind: str, detected_at: datetime,
                    first_head: dict[str, Any], second_head: dict[str, Any], detail: str,
                    audit_seq: int | None) -> None:
        """Store a finding about ``peer``."""
        ...

    def findings(self, *, peer: str | None, limit: int) -> list[FindingRecord]:
        """Stored findings, newest first (optionally of one partner)."""
        ...

    # -- the reviewer's reads (audit.query, audit.report) -------------------------
    def entries(self, filters: EntryFilter, *, after: int | None,
                limit: int) -> list[EntryRecord]:
        """At most ``limit`` entries matching ``filters`` in their order, after (or,
        in ``desc`` order, before) ``seq`` ``after``."""
        ...

    def count_by(self, column: str, *, since: datetime | None, until: datetime | None,
                 refused_only: bool = False) -> list[tuple[Any, int]]:
        """``(value, count)`` of the entries in ``[since, until)`` grouped by ``column``;
        with ``refused_only``, only refusals (outcome ``refused`` or action
        ``access_refused``)."""
        ...

    def times_and_bases(self, *, since: datetime | None,
                        until: datetime | None) -> Iterable[tuple[datetime, list[str] | None]]:
        """``(time, legal_basis)`` of every entry in ``[since, until)``, streamed."""
        ...
