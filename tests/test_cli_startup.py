"""What a command loads: each command's module is imported when the command runs, so
``fts-share poll`` does not load the web app, the HTTP servers, gunicorn, alembic or
the job queue (start-up cost, docs/benchmarks.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from fts_share.cli import COMMANDS, cli

ROOT = Path(__file__).resolve().parents[1]
#: what a poll never needs (the serving process's parts, the web app, migrations)
NOT_FOR_POLL = ("flask", "waitress", "gunicorn", "alembic", "fts_share.app",
                "fts_share.services.serving", "fts_share.services.jobqueue",
                "fts_share.services.workers", "fts_share.cli.audit")
#: what a poll of plainly valid notices on SQLite never needs: marshmallow (a received
#: notice is read without it unless it is refused or odd), PostgreSQL's dialect
NOT_FOR_A_SQLITE_POLL = ("marshmallow", "sqlalchemy.dialects.postgresql")
#: what a poll loads only when a page arrives to screen (the screening engine)
NOT_BEFORE_A_PAGE = ("numba", "numpy", "fts_share.matching.index",
                     "fts_share.services.screening", "fts_share.services.arrival")


def test_every_command_is_listed_and_runs_under_its_name() -> None:
    listing = CliRunner().invoke(cli, ["--help"])
    assert listing.exit_code == 0, listing.output
    ctx = click.Context(cli)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert isinstance(command, click.Command) and command.name == name
        assert f"\n  {name} " in listing.output
    assert cli.get_command(ctx, "no-such-command") is None
    unknown = CliRunner().invoke(cli, ["no-such-command"])
    assert unknown.exit_code == 2 and "No such command" in unknown.output


def test_poll_loads_only_what_a_poll_needs(tmp_path: Path) -> None:
    home = tmp_path / "n"
    assert CliRunner().invoke(cli, ["init", str(home), "--node", "BEL", "--url",
                                    "http://127.0.0.1:1", "--no-pq"]).exit_code == 0
    code = ("import json, sys\nfrom fts_share.cli import main\n"
            "status = main(['poll', sys.argv[1]])\n"
            "print(json.dumps({'status': status, 'modules': sorted(sys.modules)}))\n")
    out = subprocess.run([sys.executable, "-c", code, str(home)], capture_output=True,
                         text=True, timeout=120, cwd=ROOT, check=False)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["status"] == 2 and "no roster installed" in out.stderr  # it did run
    loaded = set(result["modules"])
    assert "fts_share.services.polling" in loaded
    assert [m for m in NOT_FOR_POLL if m in loaded] == []
    assert [m for m in NOT_FOR_A_SQLITE_POLL if m in loaded] == []
    assert [m for m in NOT_BEFORE_A_PAGE if m in loaded] == []
