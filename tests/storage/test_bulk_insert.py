"""Bulk inserts through the driver store exactly what SQLAlchemy's insert stores
(both backends), and fail the way it fails."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from fts_share.storage.audit_tables import AuditEntry
from fts_share.storage.bulk import BulkInsert
from fts_share.storage.models import Notice

T0 = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
PARIS = timezone(timedelta(hours=1))


def _notice(notice_id: str, i: int) -> dict[str, Any]:
    return {
        "notice_id": notice_id, "version": 1 + i, "origin": "FRA", "authored": i % 2 == 0,
        "status": "active", "label": "amber", "caveats": [] if i else ["NOFORN"],
        "legal_basis": ["UNSCR 1267 (1999)", "Art. 6 — é"], "recipients": ["IRQ", "MLI"],
        "named_users": ["ana\u00efs", 'quote " and \\'], "created": T0.astimezone(PARIS),
        "review_date": date(2027, 1, 31), "subject_sex": None if i else "f",
        "subject_minor": bool(i), "movement_kind": None, "officer": "o\tfficer\n",
        "envelope_digest": f"{i:064x}", "nonce": bytes(range(12)),
        "ciphertext": bytes([0, 255, 92, 39]) * 50, "purged_at": None if i else T0}


def _entry(seq: int, i: int) -> dict[str, Any]:
    return {"seq": seq, "time": T0 + timedelta(microseconds=i), "actor": "node:FRA",
            "action": "receive", "object_type": "notice", "object_id": f"n-{i}",
            "object_version": None if i % 2 else i, "partner": "FRA", "purpose": None,
            "legal_basis": ["UNSCR 1267 (1999)"], "outcome": "ok",
            "detail": {"seq": i, "label": "amber", "nested": {"z": [1, "é", None]}},
            "leaf_hash": bytes([i]) * 32}


def _stored(session: Any, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in session.execute(text(sql)).all()]


def test_bulk_insert_stores_what_an_insert_stores(store: Any) -> None:
    """Every column as the database holds it (JSON as its text, times, dates, bytes)."""
    columns = tuple(c.key for c in Notice.__table__.columns if c.key != "id")
    bulk = BulkInsert(insert(Notice.__table__), columns)
    entries = BulkInsert(insert(AuditEntry.__table__),
                         tuple(c.key for c in AuditEntry.__table__.columns))
    with store.transaction() as session:
        session.execute(insert(Notice.__table__), [_notice("core", i) for i in range(3)])
        bulk.run(session.connection(), [_notice("bulk", i) for i in range(3)])
        session.execute(insert(AuditEntry.__table__), [_entry(i, i) for i in range(3)])
        entries.run(session.connection(), [_entry(3 + i, i) for i in range(3)])
    as_text = "::text" if store.dialect == "postgresql" else ""
    cols = ", ".join(f"{c}{as_text}" if c in ("caveats", "legal_basis", "recipients",
                                                "named_users") else c
                     for c in columns if c != "notice_id")
    with store.read() as session:
        core = _stored(session, f"SELECT {cols} FROM notices WHERE notice_id = 'core' ORDER BY id")
        got = _stored(session, f"SELECT {cols} FROM notices WHERE notice_id = 'bulk' ORDER BY id")
        rows = _stored(session, f"SELECT time, actor, object_id, object_version, "
                                f"legal_basis{as_text}, detail{as_text}, leaf_hash "
                                f"FROM audit_entries ORDER BY seq")
        assert session.scalars(select(Notice.id).order_by(Notice.id)).all() == list(range(1, 7))
    assert got == core and len(got) == 3
    assert rows[3:] == rows[:3] and len(rows) == 6


def test_a_refused_bulk_insert_raises_what_an_insert_raises(store: Any) -> None:
    columns = tuple(c.key for c in Notice.__table__.columns if c.key != "id")
    bulk = BulkInsert(insert(Notice.__table__), columns)
    with pytest.raises(IntegrityError), store.transaction() as session:
        bulk.run(session.connection(), [_notice("twice", 0), _notice("twice", 0)])
    with store.read() as session:
        assert session.scalar(select(Notice.id).limit(1)) is None


def test_a_bulk_insert_names_every_column_it_binds() -> None:
    with pytest.raises(ValueError, match="binds"):
        BulkInsert(insert(Notice.__table__), ("notice_id", "version"))._compile(
            __import__("sqlalchemy.dialects.sqlite", fromlist=["dialect"]).dialect())
