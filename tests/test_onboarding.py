"""docs/onboarding.md cannot drift: every ``fts-share`` command of its blocks marked
``<!-- runbook -->`` names a real command and parses with the real command line (every
option exists, every required argument is given); the other lines use only tools the
runbook assumes (python3, pip, export, tar)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from fts_share.cli import cli

DOC = Path(__file__).resolve().parents[1] / "docs" / "onboarding.md"
BLOCK = re.compile(r"<!-- runbook -->\n```\n(.*?)```", re.DOTALL)
OTHER_TOOLS = {"python3", "export", "tar", "/opt/fts-share/venv/bin/pip"}


def runbook_lines() -> list[str]:
    """The command lines of the marked blocks, in order."""
    return [line.strip() for block in BLOCK.findall(DOC.read_text(encoding="utf-8"))
            for line in block.splitlines() if line.strip()]


def _words(line: str) -> list[str]:
    words = shlex.split(line)
    return words[:words.index(">")] if ">" in words else words


def test_the_runbook_has_commands_for_every_step() -> None:
    commands = {" ".join(_words(line)[1:3]) for line in runbook_lines()
                if line.startswith("fts-share ")}
    for needed in ("init /srv/fts-share/XPT", "secretariat init", "secretariat sign",
                   "roster pin", "roster import", "conformance https://xpt.node.example",
                   "poll /srv/fts-share/XPT", "audit verify"):
        assert any(c.startswith(needed) for c in commands), needed


@pytest.mark.parametrize("line", runbook_lines())
def test_every_runbook_line_is_real(line: str) -> None:
    words = _words(line)
    if words[0] != "fts-share":
        assert words[0] in OTHER_TOOLS, f"unexpected tool in the runbook: {line}"
        return
    args = words[1:]
    if args == ["--version"]:
        return
    command: click.Command = cli
    names = ["fts-share"]
    while isinstance(command, click.Group):
        # As click resolves a command line (the groups load their commands on use).
        group_ctx = click.Context(command, info_name=" ".join(names))
        found = command.get_command(group_ctx, args[0]) if args else None
        assert found is not None, f"no such command: {line}"
        names.append(args.pop(0))
        command = found
    # Parsing checks the options and arguments without running the command.
    with command.make_context(" ".join(names), args) as ctx:
        assert ctx.params is not None
