"""``fts-share migrate``: the operator's command that brings a node's database to the
schema of the installed version (run it once, before starting the new workers)."""

from __future__ import annotations

from pathlib import Path

import click

from fts_share.cli.common import HOME
from fts_share.services import health, running


@click.command()
@click.argument("home", type=HOME)
def migrate(home: Path) -> None:
    """Bring the node's database to the current schema (alembic upgrade head)."""
    node = running.open_node(home)
    try:
        before, after = health.migrate(node)
    finally:
        node.close()
    now = ", ".join(sorted(after)) or "none"
    if before == after:
        click.echo(f"database already at {now}")
    else:
        click.echo(f"database migrated from {', '.join(sorted(before)) or 'none'} to {now}")
