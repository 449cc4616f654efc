"""What a page's ingest reads of what is held, in one statement, is what the three
separate reads give (both backends)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import insert

from fts_share.storage.inbox import SqlInbox
from fts_share.storage.models import Notice, OutboxEnvelope, ReceivedEnvelope

T0 = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def _notice(notice_id: str, version: int) -> dict[str, Any]:
    return {"notice_id": notice_id, "version": version, "origin": "FRA", "authored": False,
            "status": "active", "label": "amber", "caveats": [], "legal_basis": ["x"],
            "recipients": ["IRQ"], "named_users": [], "created": T0,
            "review_date": date(2027, 1, 31), "subject_sex": None, "subject_minor": False,
            "movement_kind": None, "officer": None, "envelope_digest": None,
            "nonce": b"n" * 12, "ciphertext": b"c", "purged_at": None}


def _sent(seq: int, notice_id: str) -> dict[str, Any]:
    return {"seq": seq, "digest": f"o{seq:063d}", "prev": None, "created": T0,
            "kind": "notice", "label": "amber", "notice_id": notice_id, "notice_version": 1,
            "envelope": "{}"}


def _received(origin: str, seq: int) -> dict[str, Any]:
    return {"origin": origin, "seq": seq, "link_n": seq, "digest": f"{origin}{seq:061d}",
            "prev": None, "kind": "notice", "label": "amber", "created": T0,
            "received_at": T0, "decrypted": True, "envelope": None}


@pytest.mark.parametrize(("ids", "seqs"), [
    ({"a", "b", "c", "zz"}, [1, 2, 5, 9]), ({"a"}, []), (set(), [2, 3]), (set(), []),
    ({"nothing"}, [40])])
def test_one_read_gives_the_three_reads(store: Any, ids: set[str], seqs: list[int]) -> None:
    with store.transaction() as session:
        session.execute(insert(Notice), [_notice("a", 1), _notice("a", 2), _notice("b", 1),
                                         _notice("d", 1)])
        session.execute(insert(OutboxEnvelope), [_sent(1, "a"), _sent(2, "a"), _sent(3, "c"),
                                                 _sent(4, "d")])
        session.execute(insert(ReceivedEnvelope), [_received("FRA", q) for q in (1, 2, 3)]
                        + [_received("MLI", q) for q in (5, 9)])
        inbox = SqlInbox(session)
        held = inbox.held_of_page(ids, "FRA", seqs)
        assert sorted(held.versions) == sorted(inbox.versions_of(ids) if ids else [])
        assert held.shared == (inbox.shared_among(ids) if ids else set())
        assert held.digests == inbox.held_digests("FRA", seqs)
        if ids == {"a", "b", "c", "zz"}:  # what the three reads give, spelled out
            assert sorted(held.versions) == [("a", 1), ("a", 2), ("b", 1)]
            assert held.shared == {"a", "c"}
            assert held.digests == {1: f"FRA{1:061d}", 2: f"FRA{2:061d}"}


def test_row_ids_drawn_with_the_read_are_the_new_versions_ids(store: Any, backend: str) -> None:
    """On PostgreSQL the read draws the row ids of the page's new versions from the
    notices' sequence; the versions staged are stored under them (fewer drawn than
    staged: the rest drawn when written), each with its data key; what is left over
    is kept for the next write. Elsewhere nothing is drawn."""
    from fts_share.storage.inbox import PageRows
    from fts_share.storage.models import NoticeKey
    from fts_share.storage.notices import SealedVersion

    with store.transaction() as session:
        inbox = SqlInbox(session)
        held = inbox.held_of_page(set(), "FRA", [], reserve=3)
        assert len(held.row_ids) == (3 if backend == "postgresql" else 0)
        assert held.row_ids == sorted(held.row_ids)
        rows = PageRows(row_ids=list(held.row_ids))
        rows.versions = [SealedVersion(values=_notice(f"n{i}", 1), wrapped=b"k%d" % i)
                         for i in range(2)]
        rows.write(inbox)
        rows.versions = [SealedVersion(values=_notice(f"n{i}", 1), wrapped=b"k%d" % i)
                         for i in range(2, 4)]
        rows.write(inbox)
        stored = {n.notice_id: n.id for n in session.query(Notice)}
        keys = {k.notice_row: bytes(k.wrapped) for k in session.query(NoticeKey)}
    assert {keys[stored[f"n{i}"]] for i in range(4)} == {b"k0", b"k1", b"k2", b"k3"}
    if backend == "postgresql":
        assert [stored[f"n{i}"] for i in range(3)] == held.row_ids
        assert stored["n3"] > held.row_ids[-1]
