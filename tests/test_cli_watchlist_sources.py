"""``fts-share watchlist import --format ...``: every source a node can screen
against, and screening that says which source each hit came from."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from fts_share.cli import cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_import_every_format_and_screen_tells_the_source(tmp_path: Path) -> None:
    runner = CliRunner()
    home = str(tmp_path / "n")
    assert runner.invoke(cli, ["init", home, "--node", "BEL", "--url",
                               "http://127.0.0.1:1"]).exit_code == 0
    said = {}
    for fmt, name in (("un-xml", "un-excerpt.xml"), ("ftm", "ftm-persons.jsonl"),
                      ("interpol", "interpol-red.json")):
        res = runner.invoke(cli, ["watchlist", "import", home, str(FIXTURES / name),
                                  "--format", fmt])
        assert res.exit_code == 0, res.output
        said[fmt] = res.output.strip()
    assert said["ftm"].startswith("ftm: total 3, delisted 0, other_schemata 2, unreadable 1")
    assert said["interpol"].startswith("interpol: total 2, unreadable 1")
    # what the matching cannot use is said, never dropped silently
    assert "unknown nationalities (kept as text): 1" in said["ftm"]
    assert "unknown nationality: ftm:opensanctions:NK-fts-parts-only: 'suhh'" in said["ftm"]
    res = runner.invoke(cli, ["screen", home, "Abu Umar the Chechen", "--json"])
    assert res.exit_code == 0, res.output
    top = json.loads(res.output)["hits"][0]
    assert (top["reference"], top["source"], top["regime"]) == (
        "ftm:opensanctions:NK-fts-shishani", "ftm", "opensanctions")
    res = runner.invoke(cli, ["screen", home, "Samir Bouazza", "--dob", "1979", "--json"])
    top = json.loads(res.output)["hits"][0]
    assert (top["reference"], top["source"]) == ("interpol:2023/81234", "interpol")
    res = runner.invoke(cli, ["screen", home, "Ayman al-Zawahiri", "--json"])
    assert json.loads(res.output)["hits"][0]["source"] == "un"


def test_a_bad_file_is_refused_with_its_line(tmp_path: Path) -> None:
    runner = CliRunner()
    home = str(tmp_path / "n")
    assert runner.invoke(cli, ["init", home, "--node", "BEL", "--url",
                               "http://127.0.0.1:1"]).exit_code == 0
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "schema": "Person", "properties": {"name": ["Omar Diallo"]}}\n'
                   '{"id": "b", "schema": "Person", "properties": {"birthDate": ["x"]}}\n',
                   encoding="utf-8")
    res = runner.invoke(cli, ["watchlist", "import", home, str(bad), "--format", "ftm"])
    assert res.exit_code != 0 and "line 2" in res.output
    res = runner.invoke(cli, ["watchlist", "import", home, str(bad), "--format", "xls"])
    assert res.exit_code == 2 and "xls" in res.output
    res = runner.invoke(cli, ["screen", home, "Omar Diallo", "--json"])
    assert json.loads(res.output)["hits"] == []  # nothing of the bad file was stored
