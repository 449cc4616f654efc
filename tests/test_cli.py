"""The command line, as an operator uses it (contract.md)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from fts_share.cli import cli

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:  # type: ignore[type-arg]
    d = tmp_path_factory.mktemp("demo")
    out = subprocess.run([sys.executable, "-m", "fts_share", "demo", "--once", "--json",
                          "--dir", str(d)], capture_output=True, text=True, timeout=300, cwd=ROOT,
                         check=False)
    assert out.returncode == 0, out.stderr
    return d, json.loads(out.stdout)


def test_demo_writes_the_contract_document(demo_dir: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    d, printed = demo_dir
    written = json.loads((d / "demo.json").read_text())
    assert printed == written
    assert [n["code"] for n in written["nodes"]] == ["FRA", "IRQ", "JOR"]
    for n in written["nodes"]:
        assert n["url"].startswith("http://127.0.0.1:") and Path(n["home"]).is_dir()
        assert set(n["tokens"]) == {"officer", "reviewer"}
    assert written["notices_published"] == 3
    # Two of the three fixtures go to each partner: some notices reach only some nodes.
    assert written["deliveries"] == {"IRQ": {"received": 2, "decrypted": 2, "rejected": 0},
                                     "JOR": {"received": 2, "decrypted": 2, "rejected": 0}}
    records = {(m["node"], m["record"]) for m in written["matches"]}
    assert {("IRQ", "QDi.299"), ("JOR", "QDi.299"), ("IRQ", "QDi.006")} <= records
    assert all(0 <= m["score"] <= 1 for m in written["matches"])
    for a in written["audit"].values():
        assert a["verified"] is True and a["entries"] == a["tree_size"] > 0
        assert len(a["root"]) == 64


def test_audit_verify_exit_status_and_first_bad_entry(demo_dir: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    d, _ = demo_dir
    home = d / "JOR"
    ok = CliRunner().invoke(cli, ["audit", "verify", str(home), "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["ok"] is True
    with sqlite3.connect(home / "node.db") as db:  # behind the node's back
        db.execute("UPDATE audit_entries SET actor = 'user:mallory' WHERE seq = 3")
    bad = CliRunner().invoke(cli, ["audit", "verify", str(home)])
    assert bad.exit_code == 1
    assert "TAMPERED: first bad entry 3" in bad.output


def test_screen_single_and_batch(demo_dir: tuple[Path, dict], tmp_path: Path) -> None:  # type: ignore[type-arg]
    d, _ = demo_dir
    home = str(d / "IRQ")
    res = CliRunner().invoke(cli, ["screen", home, "Abou Bakr el-Baghdadi", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["hit"] and doc["hits"][0]["reference"] in ("QDi.299",) or any(
        h["reference"] == "QDi.299" for h in doc["hits"])
    batch = tmp_path / "manifest.csv"
    batch.write_text("ref,name,dob,nationality\nP1,Ayman al-Zawahiri,1951,EGY\n"
                     "P2,Jean Dupont,1980,FRA\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["screen", home, "--batch", str(batch), "--json"])
    assert res.exit_code == 0, res.output
    rows = {r["ref"]: r for r in json.loads(res.output)}
    assert rows["P1"]["hit"] and not rows["P2"]["hit"]
    batch.write_text("ref,name\nP1,Ayman al-Zawahiri\nP2,\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["screen", home, "--batch", str(batch)])
    assert res.exit_code == 2 and "line 3" in res.output and "name" in res.output


def test_screen_refuses_bad_input_without_traceback(demo_dir: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    d, _ = demo_dir
    home = str(d / "IRQ")
    for args in (["al"], ["Omar", "--dob", "1971-13-01"], ["Omar", "--nationality", "Atlantis"],
                 ["Omar", "--purpose", "curiosity"]):
        res = CliRunner().invoke(cli, ["screen", home, *args])
        assert res.exit_code == 2, (args, res.output)
        assert "Traceback" not in res.output and res.output.startswith("error:")


def test_init_user_and_roster_commands(tmp_path: Path) -> None:
    runner = CliRunner()
    home = tmp_path / "n"
    res = runner.invoke(cli, ["init", str(home), "--node", "BEL", "--url", "http://127.0.0.1:1"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli, ["user", "add", str(home), "ops", "--role", "officer"])
    assert res.exit_code == 0 and res.output.strip().startswith("fts_")
    res = runner.invoke(cli, ["user", "add", str(home), "ops", "--role", "officer"])
    assert res.exit_code == 2 and "exists" in res.output
    res = runner.invoke(cli, ["roster", "show", str(home)])
    assert res.exit_code == 2 and "no roster installed" in res.output
    sec = tmp_path / "sec"
    assert runner.invoke(cli, ["secretariat", "init", str(sec)]).exit_code == 0
    assert runner.invoke(cli, ["roster", "pin", str(home),
                               str(sec / "secretariat.pub.json")]).exit_code == 0
    public = json.loads((home / "keys" / "public.json").read_text())
    draft = {"coalition": "t", "version": 1, "issued": "2026-01-01T00:00:00Z", "members": [
        {"code": "BEL", "name": "Belgium", "role": "member", "status": "active",
         "url": "http://127.0.0.1:1", "valid_from": "2026-01-01T00:00:00Z", "valid_until": None,
         "keys": [{**public["signing"], "use": "sign", "valid_from": "2026-01-01T00:00:00Z"}] +
                 [{**k, "use": "encrypt", "valid_from": "2026-01-01T00:00:00Z"}
                  for k in public["encryption"]]}]}
    (tmp_path / "draft.json").write_text(json.dumps(draft))
    signed = runner.invoke(cli, ["secretariat", "sign", str(sec), str(tmp_path / "draft.json")])
    assert signed.exit_code == 0, signed.output
    (tmp_path / "roster.json").write_text(signed.output)
    res = runner.invoke(cli, ["roster", "import", str(home), str(tmp_path / "roster.json")])
    assert res.exit_code == 0 and "version 1" in res.output, res.output
    tampered = json.loads(signed.output)
    tampered["members"][0]["url"] = "http://evil.example"
    (tmp_path / "bad.json").write_text(json.dumps(tampered))
    res = runner.invoke(cli, ["roster", "import", str(home), str(tmp_path / "bad.json")])
    assert res.exit_code == 2 and "signature" in res.output
