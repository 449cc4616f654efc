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
from coalition import build, sqlite_databases

from fts_share.cli import COMMANDS, cli

ROOT = Path(__file__).resolve().parents[1]


def _python(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """A fresh interpreter run with ``args`` in the checkout, as an operator's shell would."""
    return subprocess.run([sys.executable, *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, check=False)


def _new_home(tmp_path: Path) -> Path:
    """A node home made by ``fts-share init`` (no roster: a poll ends at once)."""
    home = tmp_path / "n"
    assert CliRunner().invoke(cli, ["init", str(home), "--node", "BEL", "--url",
                                    "http://127.0.0.1:1", "--no-pq"]).exit_code == 0
    return home
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
#: what a poll loads only when it needs it: the receiving worker processes
#: (multiprocessing, for large pages) and SMTP (a node that sends its alerts by e-mail)
NOT_UNTIL_USED = ("multiprocessing", "concurrent.futures.process", "smtplib")
#: what a poll process neither serves nor sends: prometheus-client (it serves no /metrics:
#: its counters would end with it unread) and its exposition's servers, urllib's client
#: (a webhook's, for a node that has one)
NOT_IN_A_POLL_PROCESS = ("prometheus_client", "http.server", "wsgiref", "urllib.request")
#: tables a poll never reads or writes (users, tokens, web sessions, request nonces, batch
#: jobs): it neither declares nor maps them (each table costs its declaration and its
#: mapper's configuration at the first query)
NOT_DECLARED_BY_A_POLL = ("users", "tokens", "web_sessions", "seen_nonces", "screening_jobs",
                          "screening_job_rows", "watchlist_imports")


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
    home = _new_home(tmp_path)
    code = ("import json, sys\nfrom fts_share.cli import main\n"
            "status = main(['poll', sys.argv[1]])\n"
            "from fts_share.storage.base import Base\n"
            "print(json.dumps({'status': status, 'modules': sorted(sys.modules),\n"
            "                  'tables': sorted(Base.metadata.tables)}))\n")
    out = _python("-c", code, str(home))
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["status"] == 2 and "no roster installed" in out.stderr  # it did run
    loaded = set(result["modules"])
    assert "fts_share.services.polling" in loaded
    assert [m for m in NOT_FOR_POLL if m in loaded] == []
    assert [m for m in NOT_FOR_A_SQLITE_POLL if m in loaded] == []
    assert [m for m in NOT_BEFORE_A_PAGE if m in loaded] == []
    assert [m for m in NOT_UNTIL_USED if m in loaded] == []
    assert [m for m in NOT_IN_A_POLL_PROCESS if m in loaded] == []
    declared = set(result["tables"])
    assert {"peers", "received", "notices", "audit_entries"} <= declared
    assert [t for t in NOT_DECLARED_BY_A_POLL if t in declared] == []


def test_a_poll_that_polled_counted_into_no_registry(tmp_path: Path) -> None:
    """A poll of a partner that is down (a failed poll: counted) reports the failure and
    loads none of what a poll process neither serves nor sends."""
    c = build(tmp_path, sqlite_databases(tmp_path), [("FRA", "member"), ("IRQ", "member")],
              post_quantum={"FRA": False, "IRQ": False}, start=False)
    home = c["FRA"].home
    c.close()  # IRQ's port closed: its poll fails at once
    code = ("import json, sys\nfrom fts_share.cli import main\n"
            "status = main(['poll', sys.argv[1]])\n"
            "print(json.dumps(sorted(sys.modules)))\n")
    out = _python("-c", code, str(home))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("IRQ: failed"), out.stdout
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert "fts_share.services.metrics" in loaded
    assert [m for m in NOT_IN_A_POLL_PROCESS if m in loaded] == []


def test_the_schema_module_declares_every_table() -> None:
    code = ("import json\nfrom fts_share.storage.schema import METADATA\n"
            "print(json.dumps(sorted(METADATA.tables)))\n")
    out = _python("-c", code)
    assert out.returncode == 0, out.stderr
    assert set(NOT_DECLARED_BY_A_POLL) <= set(json.loads(out.stdout))


def test_poll_and_purge_processes_end_with_their_output_and_status(tmp_path: Path) -> None:
    home = _new_home(tmp_path)
    poll = _python("-m", "fts_share", "poll", str(home))
    assert poll.returncode == 2 and "error: no roster installed" in poll.stderr
    purge = _python("-m", "fts_share", "purge", str(home))
    assert (purge.returncode, purge.stdout) == (0, "purged 0 notice version(s)\n"), purge.stderr
    again = CliRunner().invoke(cli, ["purge", str(home)])  # the database left whole
    assert again.exit_code == 0 and again.output == "purged 0 notice version(s)\n"


def test_end_process_joins_threads_runs_atexit_and_flushes(tmp_path: Path) -> None:
    code = ("import atexit, sys, threading, time\n"
            "from pathlib import Path\n"
            "from fts_share.heap import end_process\n"
            "folder = Path(sys.argv[1])\n"
            "atexit.register(lambda: (folder / 'atexit').write_text('ran'))\n"
            "threading.Thread(target=lambda: (time.sleep(0.2),\n"
            "                 (folder / 'thread').write_text('done'))).start()\n"
            "sys.stdout.write('written, not flushed')\n"
            "sys.stderr.write('and to stderr')\n"
            "end_process(3)\n"
            "print('never')\n")
    out = _python("-c", code, str(tmp_path), timeout=60)
    assert (out.returncode, out.stdout, out.stderr) == (3, "written, not flushed",
                                                        "and to stderr")
    assert (tmp_path / "atexit").read_text() == "ran"
    assert (tmp_path / "thread").read_text() == "done"
