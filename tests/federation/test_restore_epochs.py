"""Recovery after a restore, steps 5 and 6 (docs/protocol.md): a restored node
announces its restore epoch, its partners record a ``restore`` (not a split view) and
keep the old epoch's heads as history, and its own ``audit verify`` names the restore
instead of reporting tampering; on SQLite and PostgreSQL.

Negative cases: a log cut without ``fts-share restore`` is still a split view and
tampering, and a restored log that does not extend a head its announcement carries
over is a split view."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from coalition import Coalition, Member
from helpers import audit, events, publish, received_seqs, report_of
from sqlalchemy import select

from fts_share.audit import merkle
from fts_share.audit.crosscheck import latest_peer_head, list_findings
from fts_share.audit.epochs import Announcement, sign_announcement
from fts_share.audit.heads import make_tree_head
from fts_share.audit.log import log_size
from fts_share.cli import cli
from fts_share.clock import utcnow
from fts_share.federation.wire import violation
from fts_share.services import backup as backups
from fts_share.services import logcheck
from fts_share.services.dissemination import feed_page
from fts_share.services.node import Node
from fts_share.services.restore import restore
from fts_share.services.unit import unit_of_work
from fts_share.storage.audit_store import audit_store
from fts_share.storage.audit_tables import PeerEpoch


def _restore_in_place(member: Member, snap: Path) -> None:
    member.stop()
    member.node.close()
    restore(snap, member.home, key=backups.read_key(member.home / "keys" / "backup.key"),
            now=utcnow(), force=True)
    member.node = Node.open(member.home)
    member.start()


def _verify(home: Path) -> tuple[int, dict[str, Any]]:
    res = CliRunner().invoke(cli, ["audit", "verify", str(home), "--json"])
    return res.exit_code, dict(json.loads(res.output))


def _held(member: Member, peer: str) -> int:
    with member.node.store.read() as s:
        head = latest_peer_head(audit_store(s), peer)
    return head.size if head else 0


def _size(member: Member) -> int:
    with member.node.store.read() as s:
        return log_size(audit_store(s))


def _kinds(member: Member, peer: str) -> list[str]:
    with member.node.store.read() as s:
        return [f.kind for f in list_findings(audit_store(s), peer=peer)]


def _witnessed_beyond_the_snapshot(coalition: Coalition, tmp_path: Path) -> tuple[int, list[int]]:
    """IRQ publishes, is backed up, publishes more, and FRA witnesses its heads beyond
    the snapshot; return the largest head FRA holds and the seqs it holds."""
    fra, irq = coalition["FRA"], coalition["IRQ"]
    publish(irq, ["FRA"])
    fra.poll()
    snap = backups.backup(irq.home, tmp_path / "snaps", now=utcnow()).path
    publish(irq, ["FRA"])
    publish(irq, ["FRA"])
    assert report_of(fra.poll(), "IRQ").result.received == 2
    witnessed = _held(fra, "IRQ")
    assert witnessed > 0
    (tmp_path / "snap").write_text(str(snap))
    return witnessed, received_seqs(fra, "IRQ")


def test_restore_drill_partner_records_a_restore_and_verify_names_it(
        coalition: Coalition, tmp_path: Path) -> None:
    fra, irq = coalition["FRA"], coalition["IRQ"]
    witnessed, held = _witnessed_beyond_the_snapshot(coalition, tmp_path)
    _restore_in_place(irq, Path((tmp_path / "snap").read_text()))
    [marker] = audit(irq, "restore")
    assert marker.detail["snapshot_size"] < witnessed and "attestation" in marker.detail

    # Step 5: node info announces the epoch, signed.
    status, info, _ = irq.api("GET", "/api/v1/node")
    assert status == 200 and violation(info, "node-info") is None
    assert info["restore"]["epoch"] == 1 and info["restore"]["audit_seq"] == marker.seq
    assert info["restore"]["snapshot_size"] == marker.detail["snapshot_size"]

    # Step 6: FRA sees a smaller head with an epoch it has not seen: a restore.
    assert report_of(fra.poll(), "IRQ").ok
    assert _kinds(fra, "IRQ") == ["restore"]
    [noted] = [e for e in audit(fra, "restore") if e.partner == "IRQ"]
    assert noted.object_type == "peer_log" and noted.detail["kind"] == "restore"
    assert [e.kind for e in events(fra, "IRQ")] == ["restore"]
    assert audit(fra, "split_view") == []
    status, body, _ = fra.api("GET", "/api/v1/audit/findings", token="reviewer")
    assert status == 200 and [f["kind"] for f in body["items"]] == ["restore"]
    assert "history" in body["items"][0]["detail"]

    # Publishing resumes, with no sequence number reused, and the log grows past the
    # heads of the old epoch without a split view.
    while _size(irq) <= witnessed + 2:
        publish(irq, ["FRA"])
        assert report_of(fra.poll(), "IRQ").ok
    fra.poll()
    seqs = received_seqs(fra, "IRQ")
    assert seqs[:len(held)] == held and len(seqs) == len(set(seqs)) and seqs == sorted(seqs)
    assert _kinds(fra, "IRQ") == ["restore"] and audit(fra, "split_view") == []
    assert _held(fra, "IRQ") > witnessed  # the new epoch's heads are cross-checked
    with fra.node.store.read() as s:  # and the restored log extends the carried heads
        [epoch] = s.scalars(select(PeerEpoch).where(PeerEpoch.peer == "IRQ")).all()
    assert epoch.epoch == 1 and epoch.checked_at is not None
    assert audit(irq, "split_view") == []  # nothing reported back to IRQ either

    # The restored node's verifier: exit 0, the old epoch's heads a warning naming it.
    code, report = _verify(irq.home)
    assert code == 0 and report["ok"] is True, report
    assert any("restore of epoch 1" in w for w in report["warnings"]), report["warnings"]

    # The page IRQ serves carries the announcement and follows the schema.
    with unit_of_work(irq.node, utcnow()) as work:
        page = feed_page(work, partner="FRA", after=0, limit=5, tree_size=None)
    assert violation(page, "feed-page") is None and page["restore"]["epoch"] == 1


def test_a_cut_without_a_restore_entry_is_a_split_view_and_tampering(
        coalition: Coalition, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fra, irq = coalition["FRA"], coalition["IRQ"]
    witnessed, _ = _witnessed_beyond_the_snapshot(coalition, tmp_path)
    # The database is brought back without its restore entry (an operator copying an
    # old database back, or an attacker cutting the log): nothing is announced.
    import fts_share.services.restore as restoring

    real = restoring.record
    monkeypatch.setattr(restoring, "record", lambda *a, **k: None
                        if k.get("action") == "restore" else real(*a, **k))
    _restore_in_place(irq, Path((tmp_path / "snap").read_text()))
    assert audit(irq, "restore") == []
    status, info, _ = irq.api("GET", "/api/v1/node")
    assert status == 200 and "restore" not in info
    fra.poll()
    while _size(irq) <= witnessed + 2:
        publish(irq, ["FRA"])
        fra.poll()
    fra.poll()
    assert "restore" not in _kinds(fra, "IRQ")
    assert [e.partner for e in audit(fra, "split_view")][:1] == ["IRQ"]
    code, report = _verify(irq.home)
    assert code == 1 and report["ok"] is False
    assert not any("restore" in w for w in report["warnings"])


def test_a_forged_restore_entry_excuses_nothing(
        coalition: Coalition, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An attacker who edits the database appends a ``restore`` entry (it cannot sign
    its attestation with the node key): the cut stays tampering."""
    irq = coalition["IRQ"]
    witnessed, _ = _witnessed_beyond_the_snapshot(coalition, tmp_path)
    import fts_share.services.restore as restoring

    real = restoring.record

    def forged(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("action") == "restore":
            detail = dict(kwargs["detail"])
            att = dict(detail["attestation"])
            att["snapshot_root"] = "00" * 32  # not what the node key signed
            kwargs["detail"] = {**detail, "attestation": att}
        return real(*args, **kwargs)

    monkeypatch.setattr(restoring, "record", forged)
    _restore_in_place(irq, Path((tmp_path / "snap").read_text()))
    code, report = _verify(irq.home)
    assert code == 1 and any("not signed by the node key" in p for p in report["problems"])
    status, body, _ = irq.api("GET", "/api/v1/audit/verify", token="reviewer")
    assert status == 200 and body["ok"] is False
    assert any("not signed by the node key" in p for p in body["problems"])
    assert any("cut short" in p or "rewritten" in p for p in report["problems"]), witnessed


def _leaves(prefix: str, n: int) -> list[bytes]:
    return [merkle.leaf_hash(f"{prefix}{i}".encode()) for i in range(n)]


def _proof(leaves: list[bytes], first: int, second: int) -> dict[str, Any]:
    proof = merkle.consistency_proof(first, second, merkle.list_range_hash(leaves))
    return {"first": first, "second": second, "proof": [p.hex() for p in proof]}


@pytest.mark.parametrize("shared", [4, 3])
def test_the_restored_log_must_extend_the_heads_it_carries_over(
        coalition: Coalition, shared: int) -> None:
    """FRA held IRQ's heads of size 4 and 8; IRQ announces a restore from a snapshot
    of 4 entries. A restored log that shares those 4 entries is a restore; one that
    shares only 3 (it does not extend the head of size 4) is a split view."""
    fra, irq = coalition["FRA"], coalition["IRQ"]
    key, now = irq.node.signing, utcnow()
    old = _leaves("old", 8)
    new = old[:shared] + _leaves("new", 6 - shared)

    def head(leaves: list[bytes], size: int, at: Any) -> dict[str, Any]:
        return make_tree_head(size=size, root=merkle.root(leaves[:size]), time=at,
                              key_id=key.kid, sign=key.sign).to_json()

    ann = sign_announcement(Announcement(node="IRQ", epoch=1, audit_seq=4, snapshot_size=4),
                            key_id=key.kid, sign=key.sign)

    def page(head_doc: dict[str, Any], proof: Any = None, restore_doc: Any = None) -> Any:
        with fra.node.store.transaction() as s:
            return logcheck.check_page_head(s, roster=fra.node.roster, peer="IRQ",
                                            head_doc=head_doc, proof_doc=proof, now=now,
                                            restore_doc=restore_doc)

    assert page(head(old, 4, now - timedelta(minutes=9))) is None
    assert page(head(old, 8, now - timedelta(minutes=8)), _proof(old, 4, 8)) is None
    assert page(head(new, 5, now), None, ann) == "restore"
    with fra.node.store.read() as s:
        base = logcheck.held_size(s, "IRQ")
    assert base == 4  # the next request asks for a proof from the carried head
    kind = page(head(new, 6, now + timedelta(seconds=1)), _proof(new, 4, 6), ann)
    if shared == 4:
        assert kind is None and _kinds(fra, "IRQ") == ["restore"]
        with fra.node.store.read() as s:
            assert logcheck.held_size(s, "IRQ") == 6
    else:
        assert kind == "inconsistent" and _kinds(fra, "IRQ") == ["inconsistent", "restore"]
        assert [e.partner for e in audit(fra, "split_view")] == ["IRQ"]
    # The same epoch announced with other numbers is a finding too.
    other = sign_announcement(Announcement(node="IRQ", epoch=1, audit_seq=4, snapshot_size=2),
                              key_id=key.kid, sign=key.sign)
    assert page(head(new, 6, now + timedelta(seconds=1)), None, other) == "epoch_conflict"
    assert page(head(new, 6, now + timedelta(seconds=1)), None, other) is None  # once
    assert "epoch_conflict" in _kinds(fra, "IRQ")


def test_an_announcement_not_signed_by_the_node_is_refused(coalition: Coalition) -> None:
    fra, mli = coalition["FRA"], coalition["MLI"]
    key, now = mli.node.signing, utcnow()
    forged = sign_announcement(Announcement(node="IRQ", epoch=1, audit_seq=0, snapshot_size=0),
                               key_id=key.kid, sign=key.sign)
    irq_key = coalition["IRQ"].node.signing
    head = make_tree_head(size=3, root=merkle.root(_leaves("x", 3)), time=now,
                          key_id=irq_key.kid, sign=irq_key.sign).to_json()
    for bad in (forged, {"v": 1}, {**forged, "epoch": "1"}, {**forged, "signature": "%"}):
        with fra.node.store.transaction() as s:
            assert logcheck.check_page_head(s, roster=fra.node.roster, peer="IRQ",
                                            head_doc=head, proof_doc=None, now=now,
                                            restore_doc=bad) == "rejected"
    assert _kinds(fra, "IRQ") == [] and _held(fra, "IRQ") == 0
    assert len([e for e in audit(fra, "reject") if e.object_type == "tree_head"]) == 4
