"""``fts-share backup`` and ``restore`` on real coalition nodes, on SQLite and PostgreSQL:
a round trip, refused snapshots (tampered, wrong key, expired), purges that stay purged,
and a drill in which a restored node resumes polling with nothing lost or doubled."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from coalition import Coalition, Member, notice
from helpers import audit, count, events, notice_ids, publish, received_seqs, report_of
from sqlalchemy import select

from fts_share.cli import cli
from fts_share.clock import utcnow
from fts_share.errors import ConfigError, Conflict, CryptoError, Gone
from fts_share.services import backup as backups
from fts_share.services import purgelog
from fts_share.services.node import Node
from fts_share.services.restore import restore
from fts_share.storage.account_tables import User
from fts_share.storage.models import Notice, NoticeKey, ReceivedEnvelope
from fts_share.storage.notices import read_content

PURPOSE = "?purpose=investigation&legal_basis=UNSCR-2178"


@pytest.fixture
def fresh_url(backend: str, store_urls: Callable[[], str], tmp_path: Path) -> Callable[[str], str]:
    """A database to restore into: a new SQLite file, or a new PostgreSQL database."""
    return lambda name: store_urls() if backend == "postgresql" else f"sqlite:///{tmp_path / name}.db"


def _key(member: Member) -> bytes:
    return backups.read_key(member.home / "keys" / "backup.key")


def _snapshot(member: Member, dest: Path, now: datetime | None = None) -> Path:
    return backups.backup(member.home, dest, now=now or utcnow()).path


def _verify(home: Path) -> dict[str, object]:
    res = CliRunner().invoke(cli, ["audit", "verify", str(home), "--json"])
    assert res.exit_code == 0, res.output
    return dict(json.loads(res.output))


def _restart(member: Member) -> None:
    """Stop ``member``, so that its home can be restored in place."""
    member.stop()
    member.node.close()


def test_backup_then_restore_round_trips(coalition: Coalition, tmp_path: Path,
                                         fresh_url: Callable[[str], str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    fra, irq = coalition["FRA"], coalition["IRQ"]
    ids = [publish(fra, ["IRQ"]), publish(fra, ["IRQ"], nationalities=["IRQ"])]
    assert report_of(irq.poll(), "FRA").result.received == 2
    res = CliRunner().invoke(cli, ["backup", str(irq.home), str(tmp_path / "snaps")])
    assert res.exit_code == 0, res.output
    [snap] = (tmp_path / "snaps").glob("IRQ-*.ftssnap")
    assert b"Karim" not in snap.read_bytes()  # the content is encrypted

    target = tmp_path / "restored"
    monkeypatch.setenv("FTS_SHARE_BACKUP_KEY", _key(irq).hex())
    res = CliRunner().invoke(cli, ["restore", str(snap), str(target),
                                   "--database-url", fresh_url("restored")])
    assert res.exit_code == 0, res.output
    assert "restore epoch 1" in res.output and "announced to the partners" in res.output
    node = Node.open(target)
    try:
        assert node.code == "IRQ" and node.signing.kid == irq.node.signing.kid
        assert node.storage_key == irq.node.storage_key
        with node.store.read() as s, irq.node.store.read() as orig:
            assert sorted(s.scalars(select(Notice.notice_id))) == sorted(ids)
            assert sorted(s.scalars(select(User.name))) == sorted(orig.scalars(select(User.name)))
            row = s.scalars(select(Notice).where(Notice.notice_id == ids[0])).one()
            held = orig.scalars(select(Notice).where(Notice.notice_id == ids[0])).one()
            content = read_content(s, node.storage_key, row)  # decrypts with restored keys
            assert content and content == read_content(orig, irq.node.storage_key, held)
        assert node.roster.version == irq.node.roster.version
    finally:
        node.close()
    report = _verify(target)
    assert report["ok"] is True
    assert (target / "keys" / "backup.key").read_text().strip() == _key(irq).hex()


@pytest.mark.parametrize("where", ["header", "body", "end"])
def test_a_tampered_snapshot_is_refused_and_nothing_written(
        coalition: Coalition, tmp_path: Path, fresh_url: Callable[[str], str], where: str) -> None:
    irq = coalition["IRQ"]
    snap = _snapshot(irq, tmp_path / "snaps")
    data = bytearray(snap.read_bytes())
    if where == "header":  # the node code in the (authenticated) header
        at = data.index(b'"IRQ"') + 1
        data[at:at + 3] = b"FRA"
    elif where == "body":
        data[len(data) // 2] ^= 0x01
    else:
        del data[-20:]  # truncated
    snap.write_bytes(bytes(data))
    target = tmp_path / "restored"
    with pytest.raises(CryptoError, match="fails authentication"):
        restore(snap, target, key=_key(irq), now=utcnow(), database_url=fresh_url("r"))
    assert not target.exists() or not any(target.iterdir())


def test_a_wrong_key_is_refused(coalition: Coalition, tmp_path: Path,
                                fresh_url: Callable[[str], str]) -> None:
    irq, fra = coalition["IRQ"], coalition["FRA"]
    snap = _snapshot(irq, tmp_path / "snaps")
    with pytest.raises(CryptoError, match="wrong backup key"):
        restore(snap, tmp_path / "restored", key=_key(fra), now=utcnow(),
                database_url=fresh_url("r"))
    assert not (tmp_path / "restored").exists()
    res = CliRunner().invoke(cli, ["restore", str(snap), str(tmp_path / "restored")],
                             env={"FTS_SHARE_BACKUP_KEY": ""})
    assert res.exit_code == 2 and "needs the backup key" in res.output


def test_an_expired_snapshot_is_refused_unless_allowed_and_pruned(
        coalition: Coalition, tmp_path: Path, fresh_url: Callable[[str], str]) -> None:
    irq = coalition["IRQ"]
    then = utcnow() - timedelta(days=31)  # retention_days = 30 by default
    old = _snapshot(irq, tmp_path / "snaps", now=then)
    with pytest.raises(Gone, match="expired"):
        restore(old, tmp_path / "restored", key=_key(irq), now=utcnow(),
                database_url=fresh_url("r"))
    assert not (tmp_path / "restored").exists()
    report = restore(old, tmp_path / "restored", key=_key(irq), now=utcnow(),
                     allow_expired=True, database_url=fresh_url("r2"))
    assert report.node == "IRQ" and report.created == then
    kept = backups.backup(irq.home, tmp_path / "snaps", now=utcnow(), prune=True)
    assert kept.pruned == (old,)
    assert sorted((tmp_path / "snaps").iterdir()) == [kept.path]


def test_restore_refuses_a_home_or_a_store_that_is_not_empty(coalition: Coalition,
                                                             tmp_path: Path) -> None:
    irq = coalition["IRQ"]
    snap = _snapshot(irq, tmp_path / "snaps")
    with pytest.raises(Conflict, match="--force"):
        restore(snap, irq.home, key=_key(irq), now=utcnow())
    # A new home whose configuration names the running node's database: refused too.
    with pytest.raises(Conflict, match="--force"):
        restore(snap, tmp_path / "elsewhere", key=_key(irq), now=utcnow())
    assert not (tmp_path / "elsewhere").exists()
    assert count(irq, Notice) == 0 and len(audit(irq, "restore")) == 0
    # A store of the other kind than the snapshot's is refused, naming both.
    other = ("postgresql://fts@127.0.0.1:1/none" if irq.node.store.dialect == "sqlite"
             else f"sqlite:///{tmp_path / 'other.db'}")
    with pytest.raises(ConfigError, match="--database-url"):
        restore(snap, tmp_path / "elsewhere", key=_key(irq), now=utcnow(), database_url=other)
    assert not (tmp_path / "elsewhere").exists()


def test_a_notice_purged_after_the_snapshot_stays_purged(coalition: Coalition,
                                                         tmp_path: Path) -> None:
    fra, irq = coalition["FRA"], coalition["IRQ"]
    gone, kept = publish(fra, ["IRQ"]), publish(fra, ["IRQ"])
    irq.poll()
    snap = _snapshot(irq, tmp_path / "snaps")
    status, body, _ = fra.api("POST", f"/api/v1/notices/{gone}/withdraw", token="officer",
                              body={"reason": "identity error"})
    assert status == 200, body
    irq.poll()
    [line] = purgelog.read([irq.home / purgelog.LEDGER_FILE])
    assert (line.origin, line.notice_id, line.status) == ("FRA", gone, "withdrawn")

    _restart(irq)  # the node is lost; its home (with the ledger) is restored in place
    report = restore(snap, irq.home, key=_key(irq), now=utcnow(), force=True)
    assert (report.purged_again, report.purges_not_held) == (1, 0)
    irq.node = Node.open(irq.home)
    irq.start()
    with irq.node.store.read() as s:
        row = s.scalars(select(Notice).where(Notice.notice_id == gone)).one()
        assert row.ciphertext is None and row.purged_at is not None and row.status == "withdrawn"
        assert s.get(NoticeKey, row.id) is None  # the content key is destroyed
        other = s.scalars(select(Notice).where(Notice.notice_id == kept)).one()
        assert other.ciphertext is not None
    assert irq.api("GET", f"/api/v1/notices/{gone}{PURPOSE}", token="officer")[0] == 410
    assert irq.api("GET", f"/api/v1/notices/{kept}{PURPOSE}", token="officer")[0] == 200
    [again] = [e for e in audit(irq, "purge") if e.object_id == gone]
    assert again.detail["reason"].startswith("purged again after a restore")
    [marker] = audit(irq, "restore")
    assert marker.detail["purged_again"] == 1 and marker.object_id == "IRQ"
    assert _verify(irq.home)["ok"] is True
    # Polling again brings the tombstone's sequence back, but not the content.
    irq.poll()
    assert count(irq, NoticeKey) == 1


def test_drill_restored_node_resumes_polling_nothing_lost_nothing_twice(
        coalition: Coalition, tmp_path: Path) -> None:
    fra, irq = coalition["FRA"], coalition["IRQ"]
    first = publish(fra, ["IRQ"])
    irq.poll()
    snap = _snapshot(irq, tmp_path / "snaps")
    later = [publish(fra, ["IRQ"]), publish(fra, ["IRQ"])]
    assert report_of(irq.poll(), "FRA").result.received == 2  # received after the snapshot

    _restart(irq)
    restore(snap, irq.home, key=_key(irq), now=utcnow(), force=True)
    irq.node = Node.open(irq.home)
    irq.start()
    assert notice_ids(irq, "FRA") == [first]  # back to the snapshot
    last = publish(fra, ["IRQ"])
    report = report_of(irq.poll(), "FRA")
    assert report.ok and (report.result.received, report.result.duplicates) == (3, 0)
    assert notice_ids(irq, "FRA") == [first, *later, last]
    seqs = received_seqs(irq, "FRA")
    assert seqs == sorted(set(seqs)) and len(seqs) == 4
    again = report_of(irq.poll(), "FRA")
    assert again.ok and again.result.received == 0
    for nid in [first, *later, last]:
        assert irq.api("GET", f"/api/v1/notices/{nid}{PURPOSE}", token="officer")[0] == 200
    # The partners still poll the restored node.
    assert report_of(fra.poll(), "IRQ").ok
    assert _verify(irq.home)["ok"] is True


def test_restored_node_continues_its_sequence_past_what_partners_hold(
        coalition: Coalition, tmp_path: Path) -> None:
    fra, irq = coalition["FRA"], coalition["IRQ"]
    first = publish(irq, ["FRA"])
    fra.poll()
    snap = _snapshot(irq, tmp_path / "snaps")
    lost = publish(irq, ["FRA"])  # sent after the snapshot: FRA holds it, IRQ will not
    assert report_of(fra.poll(), "IRQ").result.received == 1
    held = received_seqs(fra, "IRQ")

    _restart(irq)
    restore(snap, irq.home, key=_key(irq), now=utcnow(), force=True)
    irq.node = Node.open(irq.home)
    irq.start()
    [marker] = audit(irq, "restore")
    assert marker.detail["epoch"] == 1 and marker.detail["awaiting"] == ["FRA", "MLI"]
    # Until FRA has polled, IRQ cannot know where FRA's link goes on: nothing is sent.
    status, problem, _ = irq.api("POST", "/api/v1/notices", token="officer",
                                 body=notice(recipients=["FRA"]))
    assert status == 503 and "Recovery after a restore" in problem["detail"]
    report = report_of(fra.poll(), "IRQ")  # its cursor is past IRQ's restored link
    assert report.ok and report.result.received == 0, report.error
    after = publish(irq, ["FRA"])
    report = report_of(fra.poll(), "IRQ")
    assert report.ok and (report.result.received, report.result.rejected) == (1, 0)
    assert notice_ids(fra, "IRQ") == [first, lost, after]  # nothing lost, nothing twice
    seqs = received_seqs(fra, "IRQ")
    assert seqs[:2] == held and seqs[2] > held[-1] + 1  # never reused: the epoch's gap
    # Not a fork, not a reorder: the one event is the restore IRQ announced.
    assert [e.kind for e in events(fra, "IRQ")] == ["restore"]
    assert fra.api("GET", f"/api/v1/notices/{after}{PURPOSE}", token="officer")[0] == 200


def test_a_backup_taken_while_the_node_writes_is_consistent(
        coalition: Coalition, tmp_path: Path, fresh_url: Callable[[str], str]) -> None:
    import threading

    fra, irq = coalition["FRA"], coalition["IRQ"]
    for _ in range(6):
        publish(fra, ["IRQ"])
    irq.poll()
    done = threading.Event()

    def keep_receiving() -> None:
        while not done.is_set():
            publish(fra, ["IRQ"])
            irq.poll()

    worker = threading.Thread(target=keep_receiving)
    worker.start()
    try:
        snaps = [_snapshot(irq, tmp_path / "snaps", now=utcnow() + timedelta(seconds=i))
                 for i in range(3)]
    finally:
        done.set()
        worker.join()
    for i, snap in enumerate(snaps):
        target = tmp_path / f"restored{i}"
        restore(snap, target, key=_key(irq), now=utcnow(), database_url=fresh_url(f"r{i}"))
        assert _verify(target)["ok"] is True
        node = Node.open(target)
        try:
            with node.store.read() as s:  # every received notice with its envelope
                notices = s.scalars(select(Notice.envelope_digest)).all()
                digests = set(s.scalars(select(ReceivedEnvelope.digest)))
            assert notices and set(notices) <= digests
        finally:
            node.close()
