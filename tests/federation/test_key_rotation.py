"""Key rotation through a new roster, with a real coalition on both stores:
``fts-share keys rotate`` gives IRQ new key pairs and keeps the old private keys;
``fts-share secretariat rotate`` issues the roster that lists the new keys and ends the
old ones' windows. Until that roster is in force IRQ signs with its old key; from then
on it signs with the new one and partners seal to its new encryption key. Envelopes
signed with the old key before its window ended stay verifiable, notices sealed to the
old encryption key stay readable, and a node reopened from the home holds every key."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from coalition import Coalition, Member
from helpers import PURPOSE, notice_ids, publish, report_of

from fts_share.audit.log import latest_tree_head, log_size, record
from fts_share.cli import cli
from fts_share.clock import utcnow
from fts_share.crypto.keys import save_private
from fts_share.services import witnessing
from fts_share.services.keyrotation import rotate_node_keys
from fts_share.services.node import Node
from fts_share.services.unit import reading, unit_of_work
from fts_share.storage.models import OutboxEnvelope


def _values(doc: Any, name: str) -> Iterator[Any]:
    """Every value of member ``name`` anywhere in ``doc``."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            if k == name:
                yield v
            yield from _values(v, name)
    elif isinstance(doc, list):
        for v in doc:
            yield from _values(v, name)


def _envelope(member: Member, seq: int) -> dict[str, Any]:
    with member.node.store.read() as s:
        row = s.get(OutboxEnvelope, seq)
        assert row is not None
        return dict(json.loads(row.envelope))


def _sealed_to(member: Member, seq: int, code: str) -> set[str]:
    return {r["kid"] for rs in _values(_envelope(member, seq), "recipients") for r in rs
            if r["node"] == code}


def _signers(member: Member, seq: int) -> set[str]:
    return set(_values(_envelope(member, seq), "signer"))


def _secretariat_cli(c: Coalition, tmp_path: Path, *args: str) -> dict[str, Any]:
    """Run ``fts-share secretariat ARGS`` with the coalition's key; the signed roster."""
    directory = tmp_path / "secretariat"
    directory.mkdir(exist_ok=True)
    save_private(directory / "secretariat.pem", c.secretariat)
    roster = tmp_path / "roster-in-force.json"
    roster.write_text(json.dumps(c["FRA"].node.roster.document))
    done = CliRunner().invoke(cli, ["secretariat", args[0], str(directory), str(roster),
                                    *args[1:]], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    return dict(json.loads(done.stdout))


def _scheduled_head(home: Path) -> dict[str, Any]:
    """Open the node at ``home`` in a new process's way and append entries until the
    log's size is a multiple of ``audit.head_every``: the head the poller-lock holder
    signs for them at its next tick."""
    node = Node.open(home)
    try:
        every = node.config.audit.head_every
        now = utcnow()
        with unit_of_work(node, now) as work:
            for _ in range(-log_size(work.audit) % every or every):
                record(work.audit, now=now, actor="system", action="audit_verify")
        witnessing.sign_scheduled_heads(node, now)  # the poller-lock holder's tick
        with reading(node, now) as work:
            head = latest_tree_head(work.audit)
        assert head is not None and head.size % every == 0
        return dict(head.to_json())
    finally:
        node.close()


def _readable(member: Member, notice_id: str) -> bool:
    status, body, _ = member.api("GET", f"/api/v1/notices/{notice_id}{PURPOSE}",
                                 token="officer")
    assert status == 200, body
    return "Karim Benali" in json.dumps(body)


def test_rotation_through_a_new_roster(coalition: Coalition, tmp_path: Path) -> None:
    irq, fra = coalition["IRQ"], coalition["FRA"]
    to_irq_before = publish(fra, ["IRQ"])      # sealed to IRQ's old encryption keys
    from_irq_before = publish(irq, ["FRA"])    # signed with IRQ's old signing key
    old_sign = irq.node.signing.kid
    old_enc = {k["kid"] for k in irq.node.public_keys()["encryption"]}
    assert _sealed_to(fra, 1, "IRQ") <= old_enc
    assert _signers(irq, 1) == {old_sign}

    public = rotate_node_keys(irq.node, now=utcnow(), passphrase=None)
    new_sign = public["signing"]["kid"]
    new_enc = {k["kid"] for k in public["encryption"]}
    assert new_sign != old_sign and not new_enc & old_enc and len(new_enc) == 2
    assert json.loads((irq.home / "keys" / "public.json").read_text()) == public
    assert len(list((irq.home / "keys" / "previous").glob("*.pem"))) == 3
    # Until the roster lists the new keys, IRQ signs with the old one and is served;
    # so do the audit heads that appends sign, also in a process opened after the rotation.
    assert irq.node.signing.kid == old_sign
    assert report_of(irq.poll(), "FRA").ok
    assert _scheduled_head(irq.home)["key_id"] == old_sign
    # ``audit verify`` in a fresh process asks the partners with that key too, so
    # they answer (the configured, new key would be refused as unknown).
    fresh = Node.open(irq.home)
    try:
        answers = witnessing.ask_partners(fresh, utcnow())
    finally:
        fresh.close()
    assert "FRA" in answers.asked and not answers.unreachable, answers.unreachable

    doc = _secretariat_cli(coalition, tmp_path, "rotate",
                           str(irq.home / "keys" / "public.json"), "--overlap-days", "0")
    irq_keys = next(m for m in doc["members"] if m["code"] == "IRQ")["keys"]
    ended = {k["kid"] for k in irq_keys if k["valid_until"]}
    assert ended == old_enc | {old_sign}
    coalition.version = doc["version"]
    coalition.publish_roster(doc)

    # The roster in force lists the new keys: IRQ signs with the new key, FRA seals to
    # IRQ's new encryption key.
    assert irq.node.roster.version == doc["version"] and irq.node.signing.kid == new_sign
    to_irq_after = publish(fra, ["IRQ"])
    assert _sealed_to(fra, 2, "IRQ") <= new_enc
    from_irq_after = publish(irq, ["FRA"])
    assert _signers(irq, 2) == {new_sign}

    # IRQ opens both (the first with its old private key, kept).
    assert report_of(irq.poll(), "FRA").ok
    assert notice_ids(irq, "FRA") == [to_irq_before, to_irq_after]
    assert _readable(irq, to_irq_before) and _readable(irq, to_irq_after)
    # FRA verifies both: the old key's window covers the first.
    r = report_of(fra.poll(), "IRQ")
    assert r.ok, r.error
    assert notice_ids(fra, "IRQ") == [from_irq_before, from_irq_after]

    # Another process opening the home holds every key and signs with the new one.
    other = Node.open(irq.home)
    try:
        assert other.roster.version == doc["version"] and other.signing.kid == new_sign
        assert old_enc | new_enc <= set(other.encryption)
        assert {old_sign, new_sign} <= set(other.signing_keys)
        assert other.public_keys() == public
    finally:
        other.close()


def test_revoked_keys_through_the_secretariat_command(coalition: Coalition,
                                                      tmp_path: Path) -> None:
    """``secretariat revoke``: nothing new is sealed to a revoked encryption key, and
    envelopes signed with a revoked signing key after the revocation are refused."""
    irq, fra = coalition["IRQ"], coalition["FRA"]
    public = irq.node.public_keys()
    [pq] = [k["kid"] for k in public["encryption"] if k["kind"] == "mlkem768x25519"]
    publish(fra, ["IRQ"])
    assert _sealed_to(fra, 1, "IRQ") == {pq}
    doc = _secretariat_cli(coalition, tmp_path, "revoke", pq)
    coalition.version = doc["version"]
    coalition.publish_roster(doc)
    publish(fra, ["IRQ"])
    sealed = _sealed_to(fra, 2, "IRQ")
    assert pq not in sealed and sealed <= {k["kid"] for k in public["encryption"]}
    # IRQ's signing key revoked now: what IRQ signs from then on is refused by FRA.
    doc = _secretariat_cli(coalition, tmp_path, "revoke", irq.node.signing.kid)
    coalition.version = doc["version"]
    coalition.publish_roster(doc)
    publish(irq, ["FRA"])
    r = report_of(fra.poll(), "IRQ")
    assert not r.ok and "not valid" in (r.error or "")
    assert notice_ids(fra, "IRQ") == []
