"""Full verification: a clean log verifies; every edit behind the log's back is named."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, text

from fts_share.audit import log, merkle, verify
from fts_share.audit.entry import leaf_document
from fts_share.audit.verify import verify_log
from fts_share.crypto.canonical import canonical_json
from fts_share.storage.audit_reads import SharedEntryReader
from fts_share.storage.audit_store import SqlAuditStore, audit_store
from fts_share.storage.audit_tables import AuditEntry, AuditNode, node_id

N = 20


@pytest.fixture
def filled(store, key, clock):
    """A log of 20 entries with signed heads at sizes 8 and 20."""
    with store.transaction() as s:
        for i in range(N):
            log.record(audit_store(s), now=clock(i), actor=f"user:u{i % 3}", action="open",
                       object_type="notice", object_id=f"n-{i}", object_version=1,
                       partner="IRQ", purpose="investigation", legal_basis=["2178", "2396"],
                       detail={"i": i})
            if i == 7:
                log.sign_tree_head(audit_store(s), now=clock(i), sign=key.sign, key_id="node-key-1")
        log.sign_tree_head(audit_store(s), now=clock(N), sign=key.sign, key_id="node-key-1")
    return store


@pytest.fixture
def lookup(verifier):
    return lambda key_id: verifier if key_id == "node-key-1" else None


def run(store, lookup, sql=None, **params):
    if sql is not None:
        with store.transaction() as s:
            for stmt in ([sql] if isinstance(sql, str) else sql):
                s.execute(text(stmt), params)
    with store.read() as s:
        return verify_log(audit_store(s), lookup_key=lookup, chunk=7)


def test_clean_log_verifies(filled, lookup):
    report = run(filled, lookup)
    assert report.ok, report.problems
    assert (report.entries, report.tree_size, report.heads_checked, report.signed_size) == (N, N, 2, N)
    assert report.first_bad_index is None
    with filled.read() as s:
        assert report.root == log.latest_tree_head(audit_store(s)).root.hex()
    assert report.to_json()["ok"] is True


def test_empty_log_verifies(store, lookup):
    with store.read() as s:
        report = verify_log(audit_store(s), lookup_key=lookup)
    assert report.ok and report.entries == 0 and report.root == merkle.EMPTY_ROOT.hex()


def test_changed_field(filled, lookup):
    report = run(filled, lookup, "UPDATE audit_entries SET actor = 'user:mallory' WHERE seq = 5")
    assert not report.ok
    assert report.first_bad_index == 5
    assert report.problems[0].startswith("entry 5: its fields do not match its leaf hash")


def test_deleted_entry(filled, lookup):
    report = run(filled, lookup, "DELETE FROM audit_entries WHERE seq = 5")
    assert not report.ok and report.first_bad_index == 5
    assert "entry 5 is missing: expected seq 5, got 6" in report.problems[0]


def test_deleted_last_entries(filled, lookup):
    report = run(filled, lookup, "DELETE FROM audit_entries WHERE seq >= 18")
    assert not report.ok and report.first_bad_index == 18
    assert any("entries 18..19 are missing" in p for p in report.problems)


def test_reordered_entries(filled, lookup):
    report = run(filled, lookup, ["UPDATE audit_entries SET seq = -1 WHERE seq = 3",
                                  "UPDATE audit_entries SET seq = 3 WHERE seq = 7",
                                  "UPDATE audit_entries SET seq = 7 WHERE seq = -1"])
    assert not report.ok and report.first_bad_index == 3
    assert report.problems[0].startswith("entry 3: its fields do not match")
    assert report.problems[1].startswith("entry 7: its fields do not match")


def test_inserted_entry(filled, lookup, clock):
    with filled.transaction() as s:
        s.execute(text("UPDATE audit_entries SET seq = seq + 1000 WHERE seq >= 5"))
        s.execute(text("UPDATE audit_entries SET seq = seq - 999 WHERE seq >= 1000"))
        fields = {"time": clock(4), "actor": "user:mallory", "action": "open", "object_type": "notice",
                      "object_id": "forged", "object_version": 1, "partner": "IRQ", "purpose": "x",
                      "legal_basis": ["2178"], "outcome": "ok", "detail": {}}
        leaf = merkle.leaf_hash(canonical_json(leaf_document(seq=5, **fields)))
        s.execute(insert(AuditEntry.__table__).values(seq=5, leaf_hash=leaf, **fields))
    report = run(filled, lookup)
    assert not report.ok and report.first_bad_index == 5
    assert report.problems[0].startswith("entry 6 holds what was entry 5: an entry was inserted at 5")


def test_consistent_rewrite_caught_by_nodes_and_heads(filled, lookup):
    with filled.transaction() as s:
        row = s.get(AuditEntry, 5)
        row.actor = "user:mallory"
        doc = leaf_document(seq=5, time=row.time, actor=row.actor, action=row.action,
                            object_type=row.object_type, object_id=row.object_id,
                            object_version=row.object_version, partner=row.partner,
                            purpose=row.purpose, legal_basis=row.legal_basis,
                            outcome=row.outcome, detail=row.detail)
        row.leaf_hash = merkle.leaf_hash(canonical_json(doc))
    report = run(filled, lookup)
    assert not report.ok and report.first_bad_index == 4
    assert "stored node (level 1, index 2) over entries 4..5" in report.problems[0]
    assert any("signed tree head" in p and "entries 0..7 changed" in p for p in report.problems)


def test_altered_tree_head(filled, lookup):
    report = run(filled, lookup, "UPDATE tree_heads SET root = :r WHERE size = 8", r="ab" * 32)
    assert not report.ok and report.first_bad_index is None
    assert len(report.problems) == 1
    assert "(size 8," in report.problems[0] and "altered or forged" in report.problems[0]


def test_unknown_key(filled):
    with filled.read() as s:
        report = verify_log(audit_store(s), lookup_key=lambda key_id: None)
    assert not report.ok
    assert "unknown key id node-key-1" in report.problems[0]


def test_altered_node_reported(filled, lookup):
    report = run(filled, lookup, "UPDATE audit_nodes SET hash = :h WHERE id = :id",
                 h=b"\x00" * 32, id=node_id(2, 1))
    assert not report.ok and report.first_bad_index == 4
    assert "stored node (level 2, index 1) over entries 4..7" in report.problems[0]


def test_two_processes_report_what_one_does(filled, lookup, monkeypatch):
    """The second process (forced on this small log) changes the speed, not the report:
    chunks it recomputed and chunks with problems (named by the first) alike."""
    run(filled, lookup, ["UPDATE audit_entries SET actor = 'user:mallory' WHERE seq = 15",
                         "DELETE FROM audit_entries WHERE seq = 3"])
    with filled.read() as s:
        alone = verify_log(audit_store(s), lookup_key=lookup, chunk=4, workers=1)
    monkeypatch.setattr(verify, "PARALLEL_MIN", 1)
    with filled.read() as s:
        shared = verify_log(audit_store(s), lookup_key=lookup, chunk=4, workers=2)
    assert shared == alone and not alone.ok
    assert alone.first_bad_index == 3 and "entry 15: its fields do not match" in alone.problems[1]
    # A worker that cannot run (here: it cannot open the database) costs time, not truth.
    monkeypatch.setattr(SqlAuditStore, "worker_reader",
                        lambda _store: SharedEntryReader("sqlite:////nonexistent/x/db"))
    with filled.read() as s:
        assert verify_log(audit_store(s), lookup_key=lookup, chunk=4, workers=2) == alone


def test_unreadable_entry_is_reported(filled, lookup):
    report = run(filled, lookup, "UPDATE audit_entries SET detail = '[1, 2]' WHERE seq = 6")
    assert not report.ok and report.first_bad_index == 6
    assert report.problems[0].startswith("entry 6: unreadable")


def test_extra_node_beyond_the_log(filled, lookup):
    with filled.transaction() as s:
        s.execute(insert(AuditNode.__table__).values(id=node_id(1, 10), hash=b"\x01" * 32))
    report = run(filled, lookup)
    assert not report.ok
    assert "stored node (level 1, index 10) lies beyond the 20 entries" in report.problems[0]
