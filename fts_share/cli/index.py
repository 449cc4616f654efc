"""``fts-share index``: the watchlist index snapshot worker processes map."""

from __future__ import annotations

from pathlib import Path

import click

from fts_share.cli.common import HOME
from fts_share.clock import utcnow
from fts_share.services import index_snapshots, running


@click.group("index")
def index_group() -> None:
    """The watchlist index snapshot (home folder ``index/``)."""


@index_group.command("snapshot")
@click.argument("home", type=HOME)
def snapshot(home: Path) -> None:
    """Build the watchlist index from the store and write it as the snapshot that
    worker processes map when they start (atomically; they pick it up at their next
    refresh)."""
    node = running.open_node(home)
    try:
        stamp = index_snapshots.write_snapshot(node, utcnow())
    finally:
        node.close()
    click.echo(f"index snapshot written: change {stamp}")
