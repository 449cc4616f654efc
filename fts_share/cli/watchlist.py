"""``fts-share watchlist``: the UN SC consolidated list and national lists."""

from __future__ import annotations

from pathlib import Path

import click

from fts_share.cli.common import FILE, HOME, actor
from fts_share.clock import utcnow
from fts_share.services import running, watchlist_import
from fts_share.services.unit import unit_of_work


@click.group()
def watchlist() -> None:
    """Watchlists: the UN SC consolidated list and national lists."""


@watchlist.command("import-un")
@click.argument("home", type=HOME)
@click.argument("file", type=FILE)
def import_un(home: Path, file: Path) -> None:
    """Import (or update from) a UN SC consolidated list XML export."""
    with unit_of_work(running.open_node(home), utcnow()) as work:
        counts = watchlist_import.import_un_file(work, file, actor=actor())
    click.echo(f"UN list: {counts['total']} entries ({counts['added']} added, "
               f"{counts['updated']} updated, {counts['delisted']} delisted)")


@watchlist.command("import-csv")
@click.argument("home", type=HOME)
@click.argument("file", type=FILE)
@click.option("--list", "list_name", default="national", show_default=True)
def import_csv_cmd(home: Path, file: Path, list_name: str) -> None:
    """Import a national watchlist CSV (id, name, aliases, dob, nationality, documents)."""
    with unit_of_work(running.open_node(home), utcnow()) as work:
        counts = watchlist_import.import_csv(work, file.read_bytes(), list_name=list_name,
                                             actor=actor())
    click.echo(f"{list_name}: {counts['total']} entries ({counts['delisted']} delisted)")
