"""``fts-share watchlist``: the UN SC consolidated list, national lists, FollowTheMoney
files (OpenSanctions) and INTERPOL red notices."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from fts_share.cli.common import FILE, HOME, actor
from fts_share.clock import utcnow
from fts_share.services import jobqueue, listimports, running, watchlist_import
from fts_share.services.unit import unit_of_work


@click.group()
def watchlist() -> None:
    """Watchlists: the UN SC consolidated list and national lists."""


@watchlist.command("import-un")
@click.argument("home", type=HOME)
@click.argument("file", type=FILE)
@click.option("--no-wait", is_flag=True, help="Queue the import, print its id and return.")
def import_un(home: Path, file: Path, no_wait: bool) -> None:
    """Import (or update from) a UN SC consolidated list XML export, as a job of the
    queue (PostgreSQL: run by a worker; SQLite: in this process); waits for it."""
    node = running.open_node(home)
    try:
        import_id = jobqueue.submit_import(node, file.read_bytes(), file_name=file.name,
                                           owner=actor())
        if no_wait:
            click.echo(import_id)
            return
        found = listimports.wait(node, import_id, clock=utcnow, on_slow=lambda: click.echo(
            f"import {import_id} waits for a job worker (fts-share jobs worker {home})",
            err=True))
    finally:
        node.close()
    counts = found["counts"] or {}
    click.echo(f"UN list: {counts['total']} entries ({counts['added']} added, "
               f"{counts['updated']} updated, {counts['delisted']} delisted)")
    _echo_report(counts)


def _echo_report(counts: dict[str, Any]) -> None:
    """What the import kept but the matching cannot use, and why (never silent)."""
    report = counts.get("report") or {}
    click.echo(f"names: {counts.get('name_count', 0)}, not indexed: "
               f"{counts.get('names_not_indexed', 0)}, entries without a readable name: "
               f"{counts.get('entries_without_readable_name', 0)}, unknown nationalities "
               f"(kept as text): {counts.get('unknown_nationalities', 0)}")
    for item in report.get("names_not_indexed", []):
        click.echo(f"  not indexed: {item['reference']}: {item['name'][:80]!r}: "
                   f"{item['reason']}")
    for ref in report.get("entries_without_readable_name", []):
        click.echo(f"  no readable name: {ref} (stored, not findable by name)")
    for item in report.get("unknown_nationalities", []):
        click.echo(f"  unknown nationality: {item['reference']}: {item['value']!r}")


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
    _echo_report(counts)


@watchlist.command("import")
@click.argument("home", type=HOME)
@click.argument("file", type=FILE)
@click.option("--format", "fmt", required=True, type=click.Choice(watchlist_import.FORMATS),
              help="un-xml: UN SC consolidated list export; csv: a national list; ftm: "
                   "FollowTheMoney JSON lines (OpenSanctions); interpol: INTERPOL's "
                   "public red notices API (pages or notices).")
@click.option("--list", "list_name", default=None,
              help="the list's name, for csv (default: national) and ftm (default: "
                   "opensanctions); ids are namespaced by it")
def import_any(home: Path, file: Path, fmt: str, list_name: str | None) -> None:
    """Import a watchlist file in one of the supported formats."""
    name = list_name or ("national" if fmt == "csv" else "opensanctions")
    with unit_of_work(running.open_node(home), utcnow()) as work:
        counts = watchlist_import.import_file(work, file, fmt=fmt, list_name=name,
                                              actor=actor())
    click.echo(f"{fmt}: " + ", ".join(f"{k} {v}" for k, v in counts.items()
                                      if isinstance(v, int)))
    _echo_report(counts)
