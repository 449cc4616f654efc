"""What every command group shares: the group class that prints product errors and
imports its commands on use, the HOME argument type, the key passphrase and the actor a
command is logged as."""

from __future__ import annotations

import getpass
import importlib
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from fts_share import heap
from fts_share.errors import FtsError

HOME = click.Path(file_okay=False, path_type=Path)
FILE = click.Path(dir_okay=False, exists=True, path_type=Path)


class FtsGroup(click.Group):
    """A click group that turns ``FtsError`` into a message and exit status 2.

    ``commands_from`` names commands by ``(module in fts_share.cli, attribute)``; a
    command's module is imported the first time the command is asked for (click's
    "lazily loading subcommands"), so running one command does not import the others.
    That import (SQLAlchemy, the storage models, the services: ~120,000 long-lived
    objects) runs with the collector paused and the heap settled after it
    (:func:`fts_share.heap.collector_paused`): at CPython's default the collector
    walked the growing heap ~170 times (0.08 CPU-s; session 18 collected every 20,000
    new containers instead, 0.03), now not at all (docs/benchmarks.md, sessions 18
    and 20, r18-startup and r20-startup). The name of the command run last is kept in
    ``invoked``.
    """

    def __init__(self, *args: Any, commands_from: Mapping[str, tuple[str, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands_from = dict(commands_from or {})
        self.invoked: str | None = None

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command's name, the lazy ones included."""
        return sorted({*super().list_commands(ctx), *self.commands_from})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, its module imported first if it is a lazy one."""
        if cmd_name not in self.commands and cmd_name in self.commands_from:
            module, attribute = self.commands_from[cmd_name]
            with heap.collector_paused("command imported"):
                loaded = importlib.import_module(f"fts_share.cli.{module}")
            command = getattr(loaded, attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"fts_share.cli.{module}.{attribute} is not a command")
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FtsError as exc:
            click.echo(f"error: {exc.detail}", err=True)
            errors = getattr(exc, "errors", None)
            if errors:
                for field, msgs in errors.items():
                    click.echo(f"  {field}: {'; '.join(msgs)}", err=True)
            ctx.exit(2)
        finally:
            self.invoked = ctx.invoked_subcommand


def load_passphrase() -> bytes | None:
    """The key passphrase from the environment."""
    value = os.environ.get("FTS_SHARE_KEY_PASSPHRASE")
    return value.encode() if value else None


def actor() -> str:
    """The operator of a command, as written in the audit log."""
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", getpass.getuser() or "cli")[:60]
    return f"user:{name}@cli"


def dump(data: Any) -> str:
    """JSON for the terminal."""
    return json.dumps(data, indent=2, ensure_ascii=False)
