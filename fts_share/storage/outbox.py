"""The outbox tables behind :class:`fts_share.federation.outbox.OutboxStore` and
:class:`fts_share.federation.feed.FeedLinks`."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import bindparam, func, insert, select, text
from sqlalchemy.orm import Session

from fts_share.errors import Unavailable
from fts_share.federation.feed import LinkedEnvelope
from fts_share.federation.outbox import OutboxEntry
from fts_share.storage.models import OutboxEnvelope, OutboxFloor, OutboxLink

OUTBOX_LOCK_ID = 0x0F75_0001
GLOBAL = "*"
"""The :class:`OutboxFloor` row of the global sequence."""

#: Read for every feed page, so built once (with their cache keys): a link's highest
#: ``n``, some floors, a page of a link.
_LINK_TOP = (select(func.coalesce(func.max(OutboxLink.n), 0))
             .where(OutboxLink.recipient == bindparam("partner")))
_FLOORS = select(OutboxFloor).where(OutboxFloor.recipient.in_(bindparam("codes", expanding=True)))
_LINK_PAGE = (select(OutboxLink.n, OutboxEnvelope.seq, OutboxEnvelope.digest,
                     OutboxEnvelope.envelope)
              .join(OutboxEnvelope, OutboxEnvelope.seq == OutboxLink.seq)
              .where(OutboxLink.recipient == bindparam("partner"),
                     OutboxLink.n > bindparam("after"))
              .order_by(OutboxLink.n).limit(bindparam("limit")))


class SqlOutbox:
    """The outbox of the node, in the session's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session
        #: the link heads (floors included) that :meth:`learn` read, for
        #: :meth:`link_page` in the same transaction not to read them again
        self._heads: dict[str, int] = {}

    def lock(self) -> None:
        """Serialise sequence allocation (PostgreSQL advisory lock; SQLite already holds
        the write lock from ``BEGIN IMMEDIATE``)."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text("SELECT pg_advisory_xact_lock(:k)"),
                                 {"k": OUTBOX_LOCK_ID})

    def last(self) -> tuple[int, str | None] | None:
        """The ``(seq, digest)`` of the newest envelope, if any; after a restore the
        sequence is raised to its floor (the digest stays that of the newest envelope
        held, so the chain goes on from it)."""
        row = self.session.execute(select(OutboxEnvelope.seq, OutboxEnvelope.digest)
                                   .order_by(OutboxEnvelope.seq.desc()).limit(1)).first()
        floor = self.session.get(OutboxFloor, GLOBAL)
        if row is None:
            return None if floor is None or not floor.floor else (floor.floor, None)
        return max(int(row[0]), floor.floor if floor else 0), str(row[1])

    def _floors(self, recipients: Sequence[str]) -> dict[str, OutboxFloor]:
        return {f.recipient: f for f in self.session.scalars(
            _FLOORS, {"codes": list(recipients)})}

    def start_recovery(self, partners: Sequence[str], *, seq_floor: int) -> None:
        """After a restore: no partner's link takes an envelope until that partner has
        polled once (its cursor and its highest sequence held tell where to go on),
        and the global sequence continues after ``seq_floor`` at least."""
        floors = self._floors([*partners, GLOBAL])
        for code in partners:
            row = floors.get(code) or OutboxFloor(recipient=code, floor=0)
            row.pending = True
            self.session.add(row)
        top = floors.get(GLOBAL) or OutboxFloor(recipient=GLOBAL, floor=0, pending=False)
        top.floor = max(top.floor or 0, seq_floor)
        self.session.add(top)
        self.session.flush()

    def learn(self, partner: str, *, after: int, held_seq: int | None) -> None:
        """What a partner's feed request tells a restored node: the partner holds its
        link up to ``after`` and this node's sequence up to ``held_seq``. Link
        positions and sequence numbers continue after them, never reusing one."""
        head = int(self.session.scalar(_LINK_TOP, {"partner": partner}) or 0)
        floors = self._floors([partner, GLOBAL])
        row = floors.get(partner)
        if row is None and after <= head:
            self._heads[partner] = head
            return
        self.lock()
        if row is None:
            row = OutboxFloor(recipient=partner, floor=0, pending=False)
            self.session.add(row)
        if row.pending and held_seq is not None:
            top = floors.get(GLOBAL) or OutboxFloor(recipient=GLOBAL, floor=0, pending=False)
            # one past what the partner holds: the next envelope is not its held_seq + 1,
            # whose ``prev`` it would compare with an envelope this node lost
            top.floor = max(top.floor or 0, held_seq + 1)
            self.session.add(top)
            row.pending = False
        row.floor = max(row.floor or 0, after)
        self.session.flush()
        self._heads[partner] = max(head, row.floor)

    def add(self, entry: OutboxEntry, recipients: Sequence[str]) -> None:
        """Store ``entry`` and append it to the links of ``recipients``."""
        self.session.add(OutboxEnvelope(
            seq=entry.seq, digest=entry.digest, prev=entry.prev, created=entry.created,
            kind=entry.kind, label=entry.label, notice_id=entry.notice_id,
            notice_version=entry.notice_version,
            envelope=json.dumps(entry.envelope, separators=(",", ":"))))
        self.session.flush()
        heads = dict(self.session.execute(
            select(OutboxLink.recipient, func.max(OutboxLink.n))
            .where(OutboxLink.recipient.in_(recipients))
            .group_by(OutboxLink.recipient)).all())
        for code, floor in self._floors(recipients).items():
            if floor.pending:
                raise Unavailable(f"this node was restored and {code} has not polled it "
                                  "since: nothing can be sent to it until it has "
                                  "(docs/protocol.md, 'Recovery after a restore')")
            heads[code] = max(int(heads.get(code) or 0), floor.floor)
        self.session.execute(insert(OutboxLink), [
            {"recipient": code, "n": int(heads.get(code) or 0) + 1, "seq": entry.seq}
            for code in recipients])

    def link_page(self, partner: str, *, after: int,
                  limit: int) -> tuple[list[LinkedEnvelope], int]:
        """The envelopes of ``partner``'s link after ``after`` (at most ``limit``), and
        the link's head (its highest ``n``; after :meth:`learn` of ``partner``, the head
        it read, or the last row's if a link grew since)."""
        rows = self.session.execute(_LINK_PAGE, {"partner": partner, "after": after,
                                                  "limit": limit}).all()
        head = self._heads.get(partner)
        if head is None:
            head = self._head(partner)
        elif rows:
            head = max(head, int(rows[-1][0]))
        return [LinkedEnvelope(n=int(n), seq=int(seq), digest=str(digest), envelope=str(env))
                for n, seq, digest, env in rows], int(head)

    def _head(self, partner: str) -> int:
        """The head of ``partner``'s link: its highest ``n``, or its floor if higher."""
        head = int(self.session.scalar(_LINK_TOP, {"partner": partner}) or 0)
        floor = self.session.get(OutboxFloor, partner)
        return max(head, floor.floor) if floor is not None else head

    def shares_of(self, notice_id: str) -> list[tuple[str, str]]:
        """``(label, recipient)`` of every notice envelope about ``notice_id`` this node
        sent (its own versions, or copies it re-shared)."""
        return [(str(label), str(recipient)) for label, recipient in self.session.execute(
            select(OutboxEnvelope.label, OutboxLink.recipient)
            .join(OutboxLink, OutboxLink.seq == OutboxEnvelope.seq)
            .where(OutboxEnvelope.notice_id == notice_id, OutboxEnvelope.kind == "notice"))]
