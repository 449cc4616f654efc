"""Signed tree heads on a schedule, and the verifier against stored and witnessed heads:
every way of editing the log behind the node's back is caught, on both stores."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from fts_share.audit import log
from fts_share.audit.store import HeadSchedule
from fts_share.audit.verify import verify_log
from fts_share.storage.audit_store import audit_store, schedule_heads
from fts_share.storage.audit_tables import AuditNode, node_position

EVERY = 5
N = 12


def append(store, clock, count, *, start=0, who="u"):
    with store.transaction() as s:
        for i in range(start, start + count):
            log.record(audit_store(s), now=clock(i), actor=f"user:{who}{i % 3}", action="open",
                       object_type="notice", object_id=f"n-{i}", detail={"i": i})


@pytest.fixture
def scheduled(store, key, clock):
    """A log of 12 entries whose appends signed heads at 5 and 10."""
    schedule_heads(store.sessions, HeadSchedule(EVERY, lambda: ("node-key-1", key.sign)))
    append(store, clock, 7)
    append(store, clock, N - 7, start=7)
    return store


@pytest.fixture
def lookup(verifier):
    return lambda key_id: verifier if key_id == "node-key-1" else None


def heads_of(store):
    with store.read() as s:
        return sorted((h.size, h) for h in log.tree_heads(audit_store(s)))


def check(store, lookup, witnessed=(), sql=()):
    with store.transaction() as s:
        for stmt in sql:
            s.execute(text(stmt))
    with store.read() as s:
        return verify_log(audit_store(s), lookup_key=lookup, chunk=4, witnessed=witnessed,
                          head_every=EVERY)


def cut(store, keep):
    """Delete the entries from ``keep`` on and every stored node above them."""
    with store.transaction() as s:
        s.execute(text("DELETE FROM audit_entries WHERE seq >= :k"), {"k": keep})
        ids = [i for i in s.scalars(select(AuditNode.id))
               if (node_position(i)[1] + 1) << node_position(i)[0] > keep]
        for i in ids:
            s.execute(text("DELETE FROM audit_nodes WHERE id = :i"), {"i": i})


def test_appends_sign_a_head_at_every_n_entries(scheduled, lookup, key):
    heads = heads_of(scheduled)
    assert [size for size, _ in heads] == [5, 10]
    with scheduled.read() as s:
        for size, head in heads:
            assert head.root == log.root_at(audit_store(s), size)
    report = check(scheduled, lookup)
    assert report.ok, report.problems
    assert (report.heads_checked, report.signed_size) == (2, 10)
    schedule_heads(scheduled.sessions, None)
    append(scheduled, lambda i: heads[0][1].time, 10, start=N)
    assert len(heads_of(scheduled)) == 2  # no schedule, no heads


@pytest.mark.parametrize(("sql", "first"), [
    (["UPDATE audit_entries SET actor = 'user:mallory' WHERE seq = 6"], 6),
    (["DELETE FROM audit_entries WHERE seq = 6"], 6),
    (["UPDATE audit_entries SET seq = -1 WHERE seq = 2",
      "UPDATE audit_entries SET seq = 2 WHERE seq = 8",
      "UPDATE audit_entries SET seq = 8 WHERE seq = -1"], 2),
], ids=["changed", "deleted", "reordered"])
def test_edited_entries_are_caught(scheduled, lookup, sql, first):
    report = check(scheduled, lookup, sql=sql)
    assert not report.ok and report.first_bad_index == first


def test_an_inserted_entry_is_caught(scheduled, lookup):
    with scheduled.transaction() as s:
        s.execute(text("UPDATE audit_entries SET seq = seq + 1000 WHERE seq >= 4"))
        s.execute(text("UPDATE audit_entries SET seq = seq - 999 WHERE seq >= 1000"))
        s.execute(text("INSERT INTO audit_entries (seq, time, actor, action, legal_basis, outcome,"
                       " detail, leaf_hash) SELECT 4, time, 'user:mallory', action, legal_basis,"
                       " outcome, detail, leaf_hash FROM audit_entries WHERE seq = 3"))
    report = check(scheduled, lookup)
    assert not report.ok and report.first_bad_index == 4


def test_deleted_heads_are_caught_by_the_schedule(scheduled, lookup):
    report = check(scheduled, lookup, sql=["DELETE FROM tree_heads WHERE size = 10"])
    assert not report.ok
    assert any("expected one of size 10 or more" in p and "heads were deleted" in p
               for p in report.problems)


def test_a_truncated_log_is_caught_by_its_heads(scheduled, lookup):
    cut(scheduled, 7)
    report = check(scheduled, lookup)
    assert not report.ok and report.first_bad_index == 7
    assert any("expected at least 10 entries, got 7" in p for p in report.problems)


def test_truncated_and_rebuilt_is_caught_by_its_heads(scheduled, lookup, clock):
    cut(scheduled, 7)
    schedule_heads(scheduled.sessions, None)  # the attacker has no key
    append(scheduled, clock, N - 7, start=7, who="x")
    report = check(scheduled, lookup)
    assert report.entries == N and not report.ok
    assert any("signed tree head" in p and "size 10" in p and "expected root" in p
               for p in report.problems)


def test_cut_short_with_heads_deleted_is_caught_by_a_witness(scheduled, lookup, key, clock):
    with scheduled.transaction() as s:
        witnessed = [("IRQ", log.sign_tree_head(audit_store(s), now=clock(N), sign=key.sign,
                                                key_id="node-key-1"))]
    assert witnessed[0][1].size == N
    cut(scheduled, 8)
    offline = check(scheduled, lookup, sql=["DELETE FROM tree_heads WHERE size > 5"])
    assert offline.ok, offline.problems  # the head at 5 still holds: nothing to see offline
    report = check(scheduled, lookup, witnessed)
    assert not report.ok and report.witnessed_checked == 1
    assert any("witnessed by IRQ" in p and "expected at least 12 entries, got 8" in p
               for p in report.problems)


def test_rebuilt_with_heads_deleted_is_caught_by_a_witness(scheduled, lookup, key, clock):
    heads = heads_of(scheduled)
    witnessed = [("IRQ", heads[-1][1])]
    cut(scheduled, 7)
    schedule_heads(scheduled.sessions, None)
    append(scheduled, clock, N - 7, start=7, who="x")
    report = check(scheduled, lookup, witnessed, sql=["DELETE FROM tree_heads WHERE size > 5"])
    assert not report.ok
    assert any("witnessed by IRQ" in p and "were rewritten" in p for p in report.problems)


def test_a_witnessed_head_missing_here_means_deleted_heads(scheduled, lookup):
    witnessed = [("IRQ", heads_of(scheduled)[0][1])]
    report = check(scheduled, lookup, witnessed, sql=["DELETE FROM tree_heads WHERE size = 5"])
    assert not report.ok
    assert any("witnessed by IRQ: missing from this node's signed heads" in p
               for p in report.problems)


def test_a_forged_witnessed_head_is_a_warning_not_tampering(scheduled, lookup, clock):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from fts_share.audit.heads import make_tree_head

    forged = make_tree_head(size=N + 5, root=bytes(32), time=clock(0), key_id="node-key-1",
                            sign=Ed25519PrivateKey.generate().sign)
    report = check(scheduled, lookup, [("MLI", forged)])
    assert report.ok and report.witnessed_checked == 0
    assert len(report.warnings) == 1 and "witnessed by MLI" in report.warnings[0]


def test_an_upgraded_log_without_heads_is_a_warning_until_its_first_head(store, lookup, key,
                                                                          clock):
    """A node upgraded from a version that signed heads only on request holds more
    than ``head_every`` entries and no head: intact, with a warning; once it signs its
    first head, the schedule is required again."""
    append(store, clock, N)  # no schedule installed: the old version
    report = check(store, lookup)
    assert report.ok, report.problems
    assert any("none stored for 12 entries" in w for w in report.warnings)
    with store.transaction() as s:
        log.sign_tree_head(audit_store(s), now=clock(N), sign=key.sign, key_id="node-key-1")
    schedule_heads(store.sessions, HeadSchedule(EVERY, lambda: ("node-key-1", key.sign)))
    append(store, clock, 8, start=N)  # 20 entries: the appends at 15 and 20 signed heads
    report = check(store, lookup)
    assert report.ok and not report.warnings, report.problems
    report = check(store, lookup, sql=["DELETE FROM tree_heads WHERE size > 12"])
    assert not report.ok and any("expected one of size 20 or more" in p
                                 for p in report.problems), report.problems
