"""What every command group shares: the group class that prints product errors, the
HOME argument type, the key passphrase and the actor a command is logged as."""

from __future__ import annotations

import getpass
import json
import os
import re
from pathlib import Path
from typing import Any

import click

from fts_share.errors import FtsError

HOME = click.Path(file_okay=False, path_type=Path)
FILE = click.Path(dir_okay=False, exists=True, path_type=Path)


class FtsGroup(click.Group):
    """A click group that turns ``FtsError`` into a message and exit status 2."""

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
