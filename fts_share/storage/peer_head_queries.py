"""The statements that read partners' tree heads and restore epochs.

Every feed page reads some of them, on one side or both; each is built once here, and
so is its cache key (building a statement costs 10 times more than running it).
"""

from __future__ import annotations

from sqlalchemy import Integer, Select, bindparam, literal_column, select, union_all
from sqlalchemy.orm import aliased

from fts_share.storage.audit_tables import PeerEpoch, PeerTreeHead

#: The newest stored head of each of ``NEWEST_SLOTS`` partners (``peer0``, ``peer1``,
#: ...): one seek on the (peer, size) index each, as ``NEWEST_HEAD``.
NEWEST_SLOTS = 16
NEWEST_HEADS = select(PeerTreeHead).where(PeerTreeHead.id.in_([
    select(PeerTreeHead.id).where(PeerTreeHead.peer == bindparam(f"peer{i}"))
    .order_by(PeerTreeHead.size.desc(), PeerTreeHead.id.desc()).limit(1).scalar_subquery()
    for i in range(NEWEST_SLOTS)]))
#: The restore epochs of some partners (``peers``), by partner and epoch.
EPOCHS_OF = (select(PeerEpoch).where(PeerEpoch.peer.in_(bindparam("peers", expanding=True)))
             .order_by(PeerEpoch.peer, PeerEpoch.epoch))
#: A partner's newest head.
NEWEST_HEAD = (select(PeerTreeHead).where(PeerTreeHead.peer == bindparam("peer"))
               .order_by(PeerTreeHead.size.desc(), PeerTreeHead.id.desc()).limit(1))
#: The stored heads of some partners and sizes (a few more rows than asked for).
HEADS_SIZED = (select(PeerTreeHead)
               .where(PeerTreeHead.peer.in_(bindparam("peers", expanding=True)),
                      PeerTreeHead.size.in_(bindparam("sizes", expanding=True)))
               .order_by(PeerTreeHead.id))


def _heads_near() -> Select[PeerTreeHead]:
    """A partner's (``peer``) last head of the nearest size below ``size``, its heads of
    ``size`` by id and its first head of the nearest size above, in that order: three
    seeks on the (peer, size) index, in one statement (one round trip, not three)."""
    of_peer = select(PeerTreeHead).where(PeerTreeHead.peer == bindparam("peer"))
    size = bindparam("size", type_=Integer)
    parts = [of_peer.where(PeerTreeHead.size < size)
             .order_by(PeerTreeHead.size.desc(), PeerTreeHead.id.desc()).limit(1),
             of_peer.where(PeerTreeHead.size == size),
             of_peer.where(PeerTreeHead.size > size)
             .order_by(PeerTreeHead.size, PeerTreeHead.id).limit(1)]
    near = union_all(*(
        select(literal_column(str(i), Integer).label("part"), *part.subquery().c)
        for i, part in enumerate(parts))).subquery()
    return select(aliased(PeerTreeHead, near)).order_by(near.c.part, near.c.id)


HEADS_NEAR = _heads_near()
