"""What a node received from its partners: envelopes, peer state, federation events,
and the notice versions a page is about (behind
:class:`fts_share.federation.ingest.HeldNotices`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    Table,
    and_,
    any_,
    bindparam,
    func,
    insert,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import QueryableAttribute, Session

from fts_share.storage.audit_store import flushed_connection
from fts_share.storage.bulk import BulkInsert
from fts_share.storage.models import FederationEvent, Notice, OutboxEnvelope, Peer, ReceivedEnvelope
from fts_share.storage.notices import SealedVersion, insert_versions

_INSERT_RECEIVED = BulkInsert(insert(cast(Table, ReceivedEnvelope.__table__)), tuple(
    c.key for c in cast(Table, ReceivedEnvelope.__table__).columns if c.key != "id"))


def _one_of(column: QueryableAttribute[Any], name: str,
            postgresql: bool) -> ColumnElement[bool]:
    """``column IN (...)`` of the list parameter ``name``: on PostgreSQL one array
    parameter (``= ANY``; the driver adapts the whole list at once), elsewhere an
    expanding IN."""
    if postgresql:
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


@dataclass(frozen=True)
class _HeldQueries:
    """What a page's ingest reads of what is held, once per page (or chunk): built once
    per dialect, with their cache keys, and run as Core statements (through the
    session's ORM machinery they cost 3 times as much for the same rows)."""

    versions_of: Select[str, int]
    shared_among: Select[str]
    held_digests: Select[int, str]
    #: the three above in one statement (one round trip), rows tagged by ``_OF_*``; on
    #: PostgreSQL with ``n`` row ids drawn from the notices' sequence (``_OF_ROW_IDS``)
    of_page: CompoundSelect

    @classmethod
    def build(cls, postgresql: bool) -> _HeldQueries:
        of_notices = _one_of(Notice.notice_id, "ids", postgresql)
        of_shared = _one_of(OutboxEnvelope.notice_id, "ids", postgresql)
        of_received = and_(ReceivedEnvelope.origin == bindparam("origin"),
                           _one_of(ReceivedEnvelope.seq, "seqs", postgresql))
        parts = [
            select(_tag(_OF_VERSIONS), Notice.notice_id, Notice.version.cast(BigInteger))
            .where(of_notices),
            select(_tag(_OF_SHARED), OutboxEnvelope.notice_id, null().cast(BigInteger))
            .distinct().where(of_shared),
            select(_tag(_OF_DIGESTS), ReceivedEnvelope.digest,
                   ReceivedEnvelope.seq.cast(BigInteger)).where(of_received)]
        if postgresql:
            parts.append(select(_tag(_OF_ROW_IDS), null(), _NEXT_NOTICE_ID)
                         .select_from(func.generate_series(1, bindparam("n", type_=Integer))))
        of_page: CompoundSelect = union_all(*parts)
        return cls(
            versions_of=select(Notice.notice_id, Notice.version).where(of_notices),
            shared_among=select(OutboxEnvelope.notice_id).distinct().where(of_shared),
            held_digests=select(ReceivedEnvelope.seq, ReceivedEnvelope.digest)
            .where(of_received),
            of_page=of_page)


_OF_VERSIONS, _OF_SHARED, _OF_DIGESTS, _OF_ROW_IDS = 0, 1, 2, 3
#: PostgreSQL: the next row id of ``notices``, from the table's own sequence (its name
#: looked up once per statement, not once per row)
_NEXT_NOTICE_ID = func.nextval(select(func.pg_get_serial_sequence("notices", "id"))
                               .scalar_subquery(), type_=BigInteger)


def _tag(of: int) -> ColumnElement[int]:
    """A row's tag in :attr:`_HeldQueries.of_page`, written into the statement."""
    return literal_column(str(of), Integer)


@dataclass(frozen=True)
class HeldOfPage:
    """What :meth:`SqlInbox.held_of_page` found: as :meth:`~SqlInbox.versions_of`,
    :meth:`~SqlInbox.shared_among` and :meth:`~SqlInbox.held_digests` answer."""

    versions: list[tuple[str, int]] = field(default_factory=list)
    shared: set[str] = field(default_factory=set)
    digests: dict[int, str] = field(default_factory=dict)
    #: PostgreSQL: row ids drawn for the page's new notice versions (``reserve``)
    row_ids: list[int] = field(default_factory=list)


@cache
def _held(postgresql: bool) -> _HeldQueries:
    """The queries of one dialect, built at its first use (not at import: a poll on
    SQLite does not load PostgreSQL's dialect)."""
    return _HeldQueries.build(postgresql)


class SqlInbox:
    """The received side of the node's database, in the session's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._postgresql = session.get_bind().dialect.name == "postgresql"
        self._held = _held(self._postgresql)

    def _reading(self) -> Connection:
        """The session's connection, its pending changes flushed first (as a query
        through the session would see them)."""
        self.session.flush()
        return self.session.connection()

    def versions_of(self, notice_ids: set[str]) -> Iterable[tuple[str, int]]:
        """``(notice_id, version)`` of every version held of ``notice_ids``."""
        return [(str(i), int(v)) for i, v in self._reading().execute(
            self._held.versions_of, {"ids": list(notice_ids)})]

    def shared_among(self, notice_ids: set[str]) -> set[str]:
        """Which of ``notice_ids`` this node has sent envelopes about."""
        return set(self._reading().scalars(self._held.shared_among, {"ids": list(notice_ids)}))

    def held_of_page(self, notice_ids: set[str], origin: str, seqs: list[int], *,
                     reserve: int = 0) -> HeldOfPage:
        """:meth:`versions_of` and :meth:`shared_among` of ``notice_ids`` and
        :meth:`held_digests` of ``origin``'s ``seqs``, read in one statement; on
        PostgreSQL with ``reserve`` row ids for new notice versions drawn in it too
        (for :meth:`PageRows.write`; ids not used are gaps in the sequence, as a
        rolled-back insert leaves)."""
        out = HeldOfPage()
        reserve = reserve if self._postgresql else 0
        if not notice_ids and not seqs and not reserve:
            return out
        rows = self._reading().execute(self._held.of_page, {
            "ids": list(notice_ids), "origin": origin, "seqs": seqs, "n": reserve})
        for of, text, number in rows:
            if of == _OF_VERSIONS:
                out.versions.append((str(text), int(number)))
            elif of == _OF_SHARED:
                out.shared.add(str(text))
            elif of == _OF_DIGESTS:
                out.digests[int(number)] = str(text)
            else:
                out.row_ids.append(int(number))
        out.row_ids.sort()
        return out

    def peer(self, code: str) -> Peer:
        """The polling state of partner ``code`` (a new one, added, if none)."""
        peer = self.session.get(Peer, code) or Peer(code=code, cursor=0, last_seq=0,
                                                     failures=0)
        self.session.add(peer)
        return peer

    def held_digests(self, origin: str, seqs: list[int]) -> dict[int, str]:
        """The digests held of ``origin``'s envelopes ``seqs``, by sequence number."""
        if not seqs:
            return {}
        return {int(q): str(d) for q, d in self._reading().execute(
            self._held.held_digests, {"origin": origin, "seqs": seqs})}

    def event(self, *, peer: str, kind: str, seq: int | None, detail: str,
              now: datetime) -> None:
        """Note something a reviewer must know about a partner's feed."""
        self.session.add(FederationEvent(at=now, peer=peer, kind=kind, seq=seq,
                                         detail=detail[:2000]))

    def insert_received(self, rows: list[dict[str, Any]]) -> None:
        """Insert accepted envelopes (``received`` columns)."""
        if rows:
            _INSERT_RECEIVED.run(flushed_connection(self.session), rows)

    def versions_from(self, notice_id: str, origin: str) -> list[Notice]:
        """Every version of ``notice_id`` that ``origin`` wrote."""
        return list(self.session.scalars(select(Notice).where(
            Notice.notice_id == notice_id, Notice.origin == origin)).all())

    def copies_via(self, notice_id: str, sharer: str) -> list[Notice]:
        """The versions of ``notice_id`` received in envelopes from ``sharer``."""
        via = select(ReceivedEnvelope.digest).where(ReceivedEnvelope.origin == sharer)
        return list(self.session.scalars(select(Notice).where(
            Notice.notice_id == notice_id, Notice.envelope_digest.in_(via))).all())


@dataclass
class PageRows:
    """Rows of a page staged for one bulk insert per table."""

    received: list[dict[str, Any]] = field(default_factory=list)
    versions: list[SealedVersion] = field(default_factory=list)
    #: row ids drawn for the versions ahead (:meth:`SqlInbox.held_of_page`), in order
    row_ids: list[int] = field(default_factory=list)

    def write(self, inbox: SqlInbox) -> None:
        """Insert what is staged: notice versions with their data keys, then the
        received envelopes."""
        used = min(len(self.versions), len(self.row_ids))
        insert_versions(inbox.session, self.versions, row_ids=self.row_ids[:used])
        inbox.insert_received(self.received)
        self.versions, self.received, self.row_ids = [], [], self.row_ids[used:]
