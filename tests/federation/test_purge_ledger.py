"""The purge ledger (``HOME/purges.jsonl``): a line for each purge that commits, and
none for a purge rolled back, in a savepoint or in the whole transaction."""

from __future__ import annotations

import pytest
from coalition import Coalition, Member
from helpers import publish
from sqlalchemy import select

from fts_share.clock import utcnow
from fts_share.services import purgelog
from fts_share.services.receiving import purge_version
from fts_share.services.unit import Work
from fts_share.storage.models import Notice


def _ledger(member: Member) -> list[purgelog.PurgeRecord]:
    return purgelog.read([member.home / purgelog.LEDGER_FILE])


def _received(coalition: Coalition) -> tuple[Member, str]:
    fra, irq = coalition["FRA"], coalition["IRQ"]
    nid = publish(fra, ["IRQ"])
    irq.poll()
    return irq, nid


def test_a_committed_purge_is_written_once(coalition: Coalition) -> None:
    irq, nid = _received(coalition)
    with irq.node.store.transaction() as s:
        row = s.scalars(select(Notice).where(Notice.notice_id == nid)).one()
        purge_version(Work(s, utcnow(), irq.node), row, reason="test", actor="system")
        assert _ledger(irq) == []  # not before the commit
    [line] = _ledger(irq)
    assert (line.origin, line.notice_id, line.version, line.reason) == ("FRA", nid, 1, "test")
    assert "Karim" not in (irq.home / purgelog.LEDGER_FILE).read_text()


def test_a_purge_rolled_back_leaves_no_line(coalition: Coalition) -> None:
    irq, nid = _received(coalition)
    with pytest.raises(RuntimeError), irq.node.store.transaction() as s:
        row = s.scalars(select(Notice).where(Notice.notice_id == nid)).one()
        purge_version(Work(s, utcnow(), irq.node), row, reason="test", actor="system")
        raise RuntimeError("abandoned")
    with irq.node.store.transaction() as s:  # the next transaction does not inherit it
        s.scalars(select(Notice)).all()
    assert _ledger(irq) == []


def test_a_purge_in_a_savepoint_rolled_back_leaves_no_line(coalition: Coalition) -> None:
    irq, nid = _received(coalition)
    with irq.node.store.transaction() as s:
        row = s.scalars(select(Notice).where(Notice.notice_id == nid)).one()
        nested = s.begin_nested()
        purge_version(Work(s, utcnow(), irq.node), row, reason="test", actor="system")
        nested.rollback()
    assert _ledger(irq) == []
    with irq.node.store.read() as s:
        assert s.scalars(select(Notice)).one().ciphertext is not None
