"""record(), signed tree heads and proofs from the node store, on both backends."""

from __future__ import annotations

import threading
from datetime import UTC

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from fts_share.audit import log, merkle
from fts_share.audit.entry import ACTIONS, leaf_data, leaf_document
from fts_share.audit.errors import VerificationError
from fts_share.audit.heads import TREE_HEAD_CONTEXT, SignedTreeHead, verify_tree_head
from fts_share.audit.verify import verify_log
from fts_share.crypto.canonical import canonical_json
from fts_share.errors import NotFound, ValidationError
from fts_share.storage import audit_store as audit_store_module
from fts_share.storage.audit_store import audit_store, flushed_connection
from fts_share.storage.audit_tables import AuditEntry


def test_record_validates_every_field(store, clock):
    with store.transaction() as s:
        with pytest.raises(ValidationError) as exc:
            log.record(audit_store(s), now=clock(), actor="alice", action="fly", outcome="maybe",
                       partner="bad code!", object_version=-1, legal_basis="2178",
                       detail={"names": ["Abu Bakr"]})
        assert set(exc.value.errors) == {"actor", "action", "outcome", "partner",
                                         "object_version", "legal_basis", "detail"}
        with pytest.raises(ValidationError, match="detail"):
            log.record(audit_store(s), now=clock(), actor="system", action="open", detail={"n": 2**60})
        assert log.log_size(audit_store(s)) == 0
    assert "screen_batch" in ACTIONS and "access_refused" in ACTIONS


def test_record_in_callers_transaction_rolls_back(store, clock):
    with pytest.raises(RuntimeError), store.transaction() as s:
        log.record(audit_store(s), now=clock(), actor="node:IRQ", action="receive", partner="IRQ")
        raise RuntimeError("the action failed")
    with store.transaction() as s:
        entry = log.record(audit_store(s), now=clock(), actor="node:IRQ", action="receive", partner="IRQ")
        assert entry.seq == 0


def test_savepoint_rollback_keeps_the_log_contiguous(store, clock, key, verifier):
    with store.transaction() as s:
        log.record(audit_store(s), now=clock(), actor="system", action="open")
        nested = s.begin_nested()
        log.record(audit_store(s), now=clock(), actor="system", action="open")
        nested.rollback()
        assert log.record(audit_store(s), now=clock(), actor="system", action="open").seq == 1
        log.sign_tree_head(audit_store(s), now=clock(1), sign=key.sign, key_id="k")
    with store.read() as s:
        assert verify_log(audit_store(s), lookup_key=lambda _k: verifier).ok


def test_tree_head_round_trip_and_signature(store, clock, key, verifier):
    with store.transaction() as s:
        empty = log.sign_tree_head(audit_store(s), now=clock(), sign=key.sign, key_id="k")
        assert (empty.size, empty.root) == (0, merkle.EMPTY_ROOT)
        for i in range(5):
            log.record(audit_store(s), now=clock(i), actor="user:bob", action="screen", purpose="border")
        head = log.sign_tree_head(audit_store(s), now=clock(9), sign=key.sign, key_id="k")
    doc = head.to_json()
    assert set(doc) == {"v", "size", "root", "time", "key_id", "signature"}
    assert doc["time"].endswith("Z") and "=" not in doc["signature"]
    again = SignedTreeHead.from_json(rfc8785.dumps(doc))
    assert again == head
    verify_tree_head(again, verifier)
    assert head.signed_bytes().startswith(TREE_HEAD_CONTEXT)
    forged = SignedTreeHead.from_json({**doc, "size": 6})
    with pytest.raises(VerificationError, match="expected a valid signature by key k"):
        verify_tree_head(forged, verifier)
    for bad in ({**doc, "extra": 1}, {**doc, "root": "AB" * 32}, {**doc, "size": -1},
                {**doc, "signature": "a+b/"}, {**doc, "time": "yesterday"}, {**doc, "v": 2}, "[1]"):
        with pytest.raises(VerificationError, match="tree head: expected"):
            SignedTreeHead.from_json(bad)
    with store.read() as s:
        assert log.latest_tree_head(audit_store(s)) == head
        assert [h.size for h in log.tree_heads(audit_store(s))] == [5, 0]


def test_proof_requests_out_of_range(store, clock):
    with store.transaction() as s:
        for i in range(3):
            log.record(audit_store(s), now=clock(i), actor="system", action="purge")
    with store.read() as s:
        with pytest.raises(ValidationError, match="index"):
            log.inclusion_proof(audit_store(s), 3, 3)
        with pytest.raises(ValidationError, match="size"):
            log.inclusion_proof(audit_store(s), 0, 0)
        with pytest.raises(NotFound, match="no tree of size 4: the log has 3 entries"):
            log.inclusion_proof(audit_store(s), 0, 4)
        with pytest.raises(ValidationError, match="first"):
            log.consistency_proof(audit_store(s), 3, 2)
        with pytest.raises(NotFound):
            log.consistency_proof(audit_store(s), 1, 9)
        assert log.consistency_proof(audit_store(s), 0, 3) == [] and log.consistency_proof(audit_store(s), 3, 3) == []
        assert log.root_at(audit_store(s), 0) == merkle.EMPTY_ROOT


def test_concurrent_appends_get_distinct_indexes(store, clock, verifier):
    def worker(n: int) -> None:
        for _ in range(8):
            with store.transaction() as s:
                for _ in range(3):
                    log.record(audit_store(s), now=clock(n), actor=f"user:w{n}", action="open")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == 96
        assert log.log_size(audit_store(s)) == 96
        report = verify_log(audit_store(s), lookup_key=lambda _k: verifier)
    assert report.ok, report.problems


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                  max_size=4),
    max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(value=json_values)
def test_canonical_json_fast_path_is_rfc8785(value):
    try:
        expected = rfc8785.dumps(value)
    except (ValueError, TypeError):
        with pytest.raises((ValueError, TypeError)):
            canonical_json(value)
        return
    assert canonical_json(value) == expected


def test_buffered_appends_are_visible_through_the_session(store, clock, monkeypatch):
    """Appends are written with one executemany, before anything can observe the log."""
    with store.transaction() as s:
        first = log.record(audit_store(s), now=clock(), actor="system", action="open", detail={"k": 1})
        assert isinstance(first, log.RecordedEntry) and first.seq == 0
        assert s.get(AuditEntry, 0).detail == {"k": 1}  # a query writes the buffer first
        log.record(audit_store(s), now=clock(), actor="system", action="open")
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == 2
        log.record(audit_store(s), now=clock(), actor="system", action="open")
        log.record(audit_store(s), now=clock(), actor="system", action="open")
        raw = flushed_connection(s)  # a raw connection, buffer written
        assert raw.execute(text("SELECT count(*) FROM audit_entries")).scalar() == 4
        assert raw.execute(text("SELECT count(*) FROM audit_nodes")).scalar() == 3
    monkeypatch.setattr(audit_store_module, "MAX_PENDING", 4)
    with store.transaction() as s:
        for i in range(10):
            log.record(audit_store(s), now=clock(i), actor="system", action="open")
        # 8 were written when the buffer filled, the last 2 at commit
    with store.read() as s:
        leaves = [e.leaf_hash for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
        assert len(leaves) == 14 == log.log_size(audit_store(s))
        assert log.root_at(audit_store(s), 14) == merkle.root(leaves)


def test_buffered_appends_survive_a_rolled_back_savepoint(store, clock):
    with store.transaction() as s:
        log.record(audit_store(s), now=clock(), actor="system", action="open")
        log.record(audit_store(s), now=clock(), actor="system", action="open")
        with pytest.raises(RuntimeError), s.begin_nested():
            log.record(audit_store(s), now=clock(), actor="system", action="screen")
            raise RuntimeError("inner action failed")
        with s.begin_nested():
            log.record(audit_store(s), now=clock(), actor="system", action="deliver")
        assert log.record(audit_store(s), now=clock(), actor="system", action="receive").seq == 3
    with store.read() as s:
        actions = list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))
        leaves = [e.leaf_hash for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
        assert actions == ["open", "open", "deliver", "receive"]
        assert log.root_at(audit_store(s), 4) == merkle.root(leaves)


leaf_texts = st.none() | st.text(max_size=12)


@settings(max_examples=200, deadline=None)
@given(seq=st.integers(0, 2**53 - 1), actor=st.text(max_size=12), object_id=leaf_texts,
       object_type=leaf_texts, partner=leaf_texts, purpose=leaf_texts,
       object_version=st.none() | st.integers(-(2**60), 2**60) | st.booleans(),
       legal_basis=st.lists(st.text(max_size=6), max_size=3), detail=st.none() | json_values,
       micro=st.integers(0, 999_999))
def test_leaf_data_is_canonical_leaf_document(seq, actor, object_id, object_type, partner,
                                             purpose, object_version, legal_basis, detail,
                                             micro):
    from datetime import datetime

    fields = {"time": datetime(2025, 8, 2, 9, 0, 0, micro, tzinfo=UTC), "actor": actor,
                  "action": "open", "object_type": object_type, "object_id": object_id,
                  "object_version": object_version, "partner": partner, "purpose": purpose,
                  "legal_basis": legal_basis, "outcome": "ok",
                  "detail": detail if isinstance(detail, dict) or detail is None else {"d": detail}}
    try:
        expected = rfc8785.dumps(leaf_document(seq=seq, **fields))
    except (ValueError, TypeError):
        with pytest.raises((ValueError, TypeError)):
            leaf_data(seq=seq, **fields)
        return
    assert leaf_data(seq=seq, **fields) == expected


def test_record_many_writes_what_record_writes_one_at_a_time(store, clock, key, verifier):
    """A page's deliveries appended in bulk: the same entries and leaves as one by one,
    each object id checked on its own, and the log verifies."""
    rows = [{"now": clock(), "actor": "node:IRQ", "action": "deliver", "object_type": "envelope",
             "object_id": str(seq), "partner": "IRQ"} for seq in range(5)]
    rows.append({"now": clock(), "actor": "system", "action": "open", "detail": {"n": 1}})
    with store.transaction() as s:
        bulk = log.record_many(audit_store(s), rows)
        log.sign_tree_head(audit_store(s), now=clock(1), sign=key.sign, key_id="k")
    with store.transaction() as s:
        single = [log.record(audit_store(s), **row) for row in rows]
    assert [e.seq for e in bulk] == list(range(len(rows)))
    assert [{**_columns(e), "seq": 0} for e in bulk] == [{**_columns(e), "seq": 0} for e in single]
    assert [e.leaf_hash for e in bulk] == [merkle.leaf_hash(leaf_data(**_columns(e)))
                                           for e in bulk]
    assert [e.object_id for e in bulk] == ["0", "1", "2", "3", "4", None]
    with pytest.raises(ValidationError) as exc, store.transaction() as s:
        log.record_many(audit_store(s), rows[:2] + [{**rows[0], "object_id": ""}])
    assert set(exc.value.errors) == {"object_id"}
    with store.read() as s:
        assert log.log_size(audit_store(s)) == 2 * len(rows)
        assert verify_log(audit_store(s), lookup_key=lambda _k: verifier).ok


def _columns(entry: log.RecordedEntry) -> dict[str, object]:
    return {"seq": entry.seq, "time": entry.time, "actor": entry.actor, "action": entry.action,
            "object_type": entry.object_type, "object_id": entry.object_id,
            "object_version": entry.object_version, "partner": entry.partner,
            "purpose": entry.purpose, "legal_basis": entry.legal_basis,
            "outcome": entry.outcome, "detail": entry.detail}
