"""``fts-share audit export HOME DEST`` writes a bundle that a reviewer verifies offline,
without the node (its home deleted), with a verifier that imports no node or store
code; a bundle whose entries or heads were edited is refused."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from coalition import Coalition
from protocol.wire_schemas import check

from fts_share.audit import log
from fts_share.cli import cli
from fts_share.clock import utcnow
from fts_share.services.unit import unit_of_work

ROOT = Path(__file__).resolve().parents[2]
#: Runs the verifier and fails if it pulled in the node, the store or the web layer.
STANDALONE = """
import sys
from fts_share.audit.bundle import main
code = main(sys.argv[1:])
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("sqlalchemy", "flask", "werkzeug")
                or m.startswith(("fts_share.storage", "fts_share.services", "fts_share.api")))
assert not loaded, loaded
sys.exit(code)
"""


def grow(member, count: int) -> None:
    with unit_of_work(member.node, utcnow()) as work:
        for i in range(count):
            log.record(work.audit, now=work.now, actor="user:someone", action="open",
                       object_type="notice", object_id=f"n-{i}")


def standalone(bundle: Path, *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    out = subprocess.run([sys.executable, "-c", STANDALONE, str(bundle), "--json", *args],
                         capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)
    assert out.returncode in (0, 1), out.stderr
    return out.returncode, json.loads(out.stdout)


@pytest.fixture
def exported(coalition: Coalition, tmp_path: Path) -> tuple[Path, Path]:
    """FRA's bundle (three signed heads, a proof of entry 3) and the secretariat key,
    with FRA's home deleted."""
    fra, irq = coalition["FRA"], coalition["IRQ"]
    grow(fra, 6)
    irq.poll()  # FRA signs a head for the feed page
    grow(fra, 5)
    irq.poll()
    grow(fra, 2)
    lines = CliRunner().invoke(cli, ["audit", "export", str(fra.home)]).output.splitlines()
    assert json.loads(lines[-1])["action"] == "export"  # without DEST: JSON Lines, as before
    anchor = tmp_path / "secretariat.pub.json"
    shutil.copy(fra.home / "keys" / "secretariat.pub.json", anchor)
    bundle = tmp_path / "bundle"
    res = CliRunner().invoke(cli, ["audit", "export", str(fra.home), str(bundle), "--prove", "3"])
    assert res.exit_code == 0, res.output
    fra.stop()
    fra.node.close()
    shutil.rmtree(fra.home)
    return bundle, anchor


def manifest(bundle: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((bundle / "manifest.json").read_text())


def rewrite(bundle: Path, edit) -> None:  # type: ignore[no-untyped-def]
    """Edit the entries and fix the manifest's digest (as a careful forger would)."""
    path = bundle / "entries.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    text = "".join(json.dumps(doc, separators=(",", ":")) + "\n" for doc in edit(lines))
    path.write_text(text)
    doc = manifest(bundle)
    doc["entries"]["sha256"] = hashlib.sha256(text.encode()).hexdigest()
    (bundle / "manifest.json").write_text(json.dumps(doc))


def test_a_bundle_verifies_offline_without_the_node(exported: tuple[Path, Path]) -> None:
    bundle, anchor = exported
    doc = manifest(bundle)
    check(doc, "audit-bundle")
    assert [h["size"] for h in doc["heads"]][-1] == doc["size"] == doc["entries"]["count"]
    assert len(doc["heads"]) >= 3 and len(doc["consistency"]) == len(doc["heads"]) - 1
    last = json.loads((bundle / "entries.jsonl").read_text().splitlines()[-1])
    assert (last["action"], last["detail"]) == ("export", {"format": "bundle"})
    assert {p["index"] for p in doc["inclusion"]} == {3, doc["size"] - 1}

    code, report = standalone(bundle, "--anchor", str(anchor))
    assert code == 0 and report["ok"], report["problems"]
    assert report["entries"] == doc["size"] and report["root"] == doc["root"]
    assert report["anchor_pinned"] and report["heads_checked"] == len(doc["heads"])
    assert report["consistency_checked"] == len(doc["consistency"])
    assert report["inclusion_checked"] == 2

    res = CliRunner().invoke(cli, ["audit", "verify-bundle", str(bundle)])
    assert res.exit_code == 0 and res.output.startswith("intact:")
    assert "compare it with the one the secretariat publishes" in res.output


def _change(lines: list) -> list:  # type: ignore[type-arg]
    lines[4]["actor"] = "user:mallory"
    return lines


def _change_and_rehash(lines: list) -> list:  # type: ignore[type-arg]
    from fts_share.audit import merkle
    from fts_share.audit.bundle import _leaf

    lines[4]["actor"] = "user:mallory"
    lines[4]["leaf_hash"] = _leaf(lines[4]).hex()
    assert merkle.HASH_SIZE == 32
    return lines


@pytest.mark.parametrize(("edit", "says"), [
    (_change, "entry 4: expected leaf hash"),
    (_change_and_rehash, "expected root"),
    (lambda lines: lines[:5] + lines[6:], "expected seq 5, got 6"),
    (lambda lines: lines[:-1], "(the newest signed tree head)"),
], ids=["entry-changed", "entry-changed-and-rehashed", "entry-removed", "last-entry-removed"])
def test_edited_entries_are_refused(exported: tuple[Path, Path], edit, says: str) -> None:  # type: ignore[no-untyped-def]
    bundle, anchor = exported
    rewrite(bundle, edit)
    code, report = standalone(bundle, "--anchor", str(anchor))
    assert code == 1 and not report["ok"]
    assert any(says in p for p in report["problems"]), report["problems"]


def test_a_broken_head_signature_is_refused(exported: tuple[Path, Path]) -> None:
    bundle, anchor = exported
    doc = manifest(bundle)
    sig = doc["heads"][0]["signature"]
    doc["heads"][0]["signature"] = ("A" if sig[0] != "A" else "B") + sig[1:]
    (bundle / "manifest.json").write_text(json.dumps(doc))
    code, report = standalone(bundle, "--anchor", str(anchor))
    assert code == 1
    assert any("expected a valid signature" in p for p in report["problems"]), report["problems"]


def test_keys_must_come_from_the_pinned_secretariat(exported: tuple[Path, Path],
                                                    tmp_path: Path) -> None:
    bundle, _ = exported
    from fts_share.crypto.keys import KeyKind, generate

    other = tmp_path / "other.pub.json"
    other.write_text(json.dumps(generate(KeyKind.ED25519).public().to_json()))
    code, report = standalone(bundle, "--anchor", str(other))
    assert code == 1 and any("pinned secretariat key" in p for p in report["problems"])

    doc = manifest(bundle)  # a forger swaps in a roster naming their own key
    doc["keys"]["roster"]["members"][0]["name"] = "forged"
    (bundle / "manifest.json").write_text(json.dumps(doc))
    code, report = standalone(bundle)
    assert code == 1 and any("roster: expected a valid signature" in p
                             for p in report["problems"]), report["problems"]


# A point of order 8: as a public key, or added to an honest key (a mixed-order key),
# no honest signer has it (the same points as tests/federation/test_roster_rules.py).
_ORDER_8 = bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")


@pytest.mark.parametrize("weak", ["identity", "order 8", "mixed order"])
def test_a_roster_in_the_bundle_with_a_weak_signing_key_is_refused_naming_it(
        exported: tuple[Path, Path], coalition: Coalition, weak: str) -> None:
    """Even a roster the secretariat signed is refused when it gives the node a signing
    key no honest signer has: the reviewer is told which entry, not only that the heads
    do not verify."""
    from nacl.bindings import crypto_core_ed25519_add

    from fts_share.crypto.keys import KeyKind, PublicKey, generate
    from fts_share.federation.roster import sign_roster

    bundle, anchor = exported
    honest = generate(KeyKind.ED25519).public().raw
    raw = {"identity": bytes([1]) + bytes(31), "order 8": _ORDER_8,
           "mixed order": crypto_core_ed25519_add(honest, _ORDER_8)}[weak]
    key = PublicKey(kind=KeyKind.ED25519, raw=raw)
    doc = manifest(bundle)
    roster = doc["keys"]["roster"]
    i = next(n for n, m in enumerate(roster["members"]) if m["code"] == doc["node"])
    j = next(n for n, k in enumerate(roster["members"][i]["keys"]) if k["use"] == "sign")
    roster["members"][i]["keys"][j].update(key.to_json())
    doc["keys"]["roster"] = sign_roster(roster, coalition.secretariat)
    (bundle / "manifest.json").write_text(json.dumps(doc))

    code, report = standalone(bundle, "--anchor", str(anchor))
    assert code == 1
    assert any(f"members.{i}.keys.{j}: weak ed25519 public key {key.kid}" in p
               for p in report["problems"]), report["problems"]
