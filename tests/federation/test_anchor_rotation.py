"""Changing the secretariat's anchor key out of band, as docs/protocol.md ("The
secretariat's anchor key") tells operators to, with a real coalition on both stores:
the secretariat creates a new key (``fts-share secretariat init``), every operator
re-pins it (``fts-share roster pin``) while the node is serving, then imports the first
roster it signed (``fts-share roster import``). Before the re-pin the new key's rosters
are refused; after it the old key's rosters are refused, whatever their version, by
the command line and when a partner offers one while polling (an audited refusal).
After a compromise of the old key the roster it signed stops being in force at once,
and the recovery roster must be newer than any the attacker issued."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from coalition import Coalition, Member
from helpers import audit, publish, report_of
from test_requests import FEED, signed

from fts_share.cli import cli
from fts_share.clock import utcnow
from fts_share.crypto.keys import KeyKind, generate
from fts_share.federation.roster import build_member, roster_key_entry
from fts_share.federation.wire import validator

PINNED = "not signed by the pinned secretariat key"


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def _new_anchor(tmp_path: Path) -> tuple[Path, str]:
    """``fts-share secretariat init``: the new key's folder and its key id."""
    folder = tmp_path / "secretariat-2"
    done = _run("secretariat", "init", folder)
    assert done.exit_code == 0, done.output
    public = json.loads((folder / "secretariat.pub.json").read_text())
    assert public["kid"] in done.output
    return folder, str(public["kid"])


def _signed_by(folder: Path, draft: dict[str, Any], tmp_path: Path) -> Path:
    """``fts-share secretariat sign``: the signed roster file (schema-valid)."""
    source = tmp_path / f"draft-{draft['version']}.json"
    source.write_text(json.dumps(draft))
    done = _run("secretariat", "sign", folder, source)
    assert done.exit_code == 0, done.output
    doc = json.loads(done.stdout)
    validator("roster").validate(doc)
    target = tmp_path / f"roster-{draft['version']}-{doc['secretariat'][:8]}.json"
    target.write_text(json.dumps(doc))
    return target


def _file(doc: dict[str, Any], tmp_path: Path, name: str) -> Path:
    validator("roster").validate(doc)
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def _info(member: Member) -> dict[str, Any]:
    """The serving node's own account of its roster (GET /api/v1/node)."""
    status, body, _ = member.api("GET", "/api/v1/node")
    assert status == 200, body
    validator("node-info").validate(body)
    return dict(body["roster"])


def _pin(member: Member, folder: Path) -> Result:
    done = _run("roster", "pin", member.home, folder / "secretariat.pub.json")
    assert done.exit_code == 0, done.output
    return done


def _import(member: Member, path: Path) -> Result:
    return _run("roster", "import", member.home, path)


def _refused(member: Member, path: Path, match: str) -> None:
    """The command line refuses the roster: exit 2, the reason, nothing installed."""
    before = (_info(member).get("version"), len(audit(member, "roster_change")))
    done = _import(member, path)
    assert done.exit_code == 2, done.output
    assert match in done.output and "Traceback" not in done.output
    assert (_info(member).get("version"), len(audit(member, "roster_change"))) == before


def test_planned_rotation_through_the_command_line(coalition: Coalition,
                                                   tmp_path: Path) -> None:
    fra, irq = coalition["FRA"], coalition["IRQ"]
    old_kid = coalition.secretariat.kid
    folder, new_kid = _new_anchor(tmp_path)
    next_roster = _signed_by(folder, coalition.roster_document(version=2, now=utcnow()),
                             tmp_path)
    # Before the re-pin, a roster signed by the new key is refused.
    _refused(fra, next_roster, PINNED)
    assert _info(fra)["version"] == 1

    # A file that is not an Ed25519 public key is refused; the pinned key stays.
    bad = tmp_path / "not-a-key.json"
    for content in ('{"kid": "x", "kind": "ed25519", "public": "AAAA"}', "[1, 2]",
                    json.dumps(fra.node.encryption[next(iter(fra.node.encryption))]
                               .public().to_json())):
        bad.write_text(content)
        done = _run("roster", "pin", fra.home, bad)
        assert done.exit_code == 2 and "Traceback" not in done.output, done.output
        assert _info(fra)["version"] == 1
    # The operator re-pins the running node: the roster the old key signed is no longer
    # in force (the node says why) until the new key's first roster is imported.
    done = _pin(fra, folder)
    assert new_kid in done.output and f"replaces {old_kid}" in done.output
    gap = _info(fra)
    assert gap["version"] is None and PINNED in gap["error"]
    done = _import(fra, next_roster)
    assert done.exit_code == 0, done.output
    assert "roster version 2 in force" in done.output
    assert _info(fra)["version"] == 2
    [change] = [e for e in audit(fra, "roster_change") if e.object_id == "2"]
    assert change.detail["previous"] == 1
    shown = _run("roster", "show", fra.home)
    assert shown.exit_code == 0 and "roster version 2" in shown.output

    # From then on a roster signed by the old key is refused, even a newer version.
    newer_old = _file(coalition.roster_document(version=9, now=utcnow()), tmp_path, "old-9.json")
    _refused(fra, newer_old, PINNED)
    assert _info(fra)["version"] == 2

    # Every partner re-anchors the same way, and the coalition federates again.
    for member in (irq, coalition["MLI"]):
        _pin(member, folder)
        assert _import(member, next_roster).exit_code == 0
    publish(fra, ["IRQ"])
    assert report_of(irq.poll(), "FRA").result.received == 1


def test_rosters_offered_while_polling_follow_the_pinned_anchor(coalition: Coalition,
                                                                tmp_path: Path) -> None:
    fra, irq = coalition["FRA"], coalition["IRQ"]
    folder, _ = _new_anchor(tmp_path)
    _pin(fra, folder)
    assert _import(fra, _signed_by(folder, coalition.roster_document(version=2, now=utcnow()),
                                   tmp_path)).exit_code == 0

    # IRQ has not re-pinned yet: FRA's page announces version 2, IRQ fetches it and
    # refuses it (an audited refusal); polling goes on under the roster in force.
    publish(fra, ["IRQ"])
    report = report_of(irq.poll(), "FRA")
    assert report.ok and report.result.received == 1
    [refusal] = audit(irq, "reject", "roster")
    assert refusal.partner == "FRA" and refusal.outcome == "refused"
    assert PINNED in refusal.detail["reason"]
    assert _info(irq)["version"] == 1

    # A roster the old key signs after the re-pin (version 5 at IRQ, which still pins
    # the old key) is offered to FRA in turn: refused and audited, version 2 stays.
    old5 = coalition.roster_document(version=5, now=utcnow())
    assert _import(irq, _file(old5, tmp_path, "old-5.json")).exit_code == 0
    publish(irq, ["FRA"])
    report = report_of(fra.poll(), "IRQ")
    assert report.ok and report.result.received == 1
    [refusal] = audit(fra, "reject", "roster")
    assert refusal.partner == "IRQ" and PINNED in refusal.detail["reason"]
    assert _info(fra)["version"] == 2


def _rogue(entries: list[dict[str, Any]]) -> None:
    """What a holder of the stolen anchor key does: put its own partner on the roster."""
    key = generate(KeyKind.ED25519).public()
    now = utcnow()
    entries.append(build_member(code="EVL", name="EVL", role="member",
                                url="http://127.0.0.1:9", valid_from=now,
                                keys=[roster_key_entry(key, use="sign", valid_from=now)]))


def test_recovery_from_a_compromised_anchor(coalition: Coalition, tmp_path: Path) -> None:
    fra, irq = coalition["FRA"], coalition["IRQ"]
    # The attacker's roster, signed by the (then pinned) anchor, is installed at FRA.
    forged = _file(coalition.roster_document(version=50, now=utcnow(), edit=_rogue),
                   tmp_path, "forged-50.json")
    assert _import(fra, forged).exit_code == 0
    assert _info(fra)["version"] == 50

    # Recovery: FRA re-pins at once. The attacker's roster stops being in force: the
    # node says so and refuses partners' signed requests until a new roster is in.
    folder, _ = _new_anchor(tmp_path)
    _pin(fra, folder)
    gap = _info(fra)
    assert gap["version"] is None and PINNED in gap["error"]
    status, problem, headers = fra.api("GET", FEED, headers=signed(fra, FEED, key=irq.node.signing))
    assert status == 403 and headers["Content-Type"].startswith("application/problem+json")
    validator("problem").validate(problem)
    assert PINNED in problem["detail"]

    # The new key's roster must be newer than any the attacker issued.
    _refused(fra, _signed_by(folder, coalition.roster_document(version=2, now=utcnow()),
                             tmp_path), "older than 50 in force")
    done = _import(fra, _signed_by(folder, coalition.roster_document(version=51, now=utcnow()),
                                   tmp_path))
    assert done.exit_code == 0, done.output
    info = _info(fra)
    assert info["version"] == 51
    shown = _run("roster", "show", fra.home).output
    assert "EVL" not in shown and "IRQ" in shown
    # The attacker's next roster, however high its version, is refused.
    _refused(fra, _file(coalition.roster_document(version=99, now=utcnow(), edit=_rogue),
                        tmp_path, "forged-99.json"), PINNED)
    # The audit log keeps what changed since the compromise, for the partner's review.
    assert [e.object_id for e in audit(fra, "roster_change")][-2:] == ["50", "51"]
