"""``fts-share audit``: verify, export and report on the tamper-evident audit log."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from fts_share.cli.common import HOME, actor
from fts_share.clock import utcnow
from fts_share.services import reviewing, running
from fts_share.services.unit import reading, unit_of_work


@click.group()
def audit() -> None:
    """The tamper-evident audit log."""


@audit.command("verify")
@click.argument("home", type=HOME)
@click.option("--json", "as_json", is_flag=True)
def verify(home: Path, as_json: bool) -> None:
    """Recompute the tree and check every signed head: exit 0 intact, 1 tampered."""
    report = reviewing.verify_node_log(running.open_node(home))
    if as_json:
        click.echo(json.dumps(reviewing.report_json(report), indent=2))
    elif report.ok:
        click.echo(f"intact: {report.entries} entries, root {report.root}, "
                   f"{report.heads_checked} signed tree heads verified")
    else:
        click.echo(f"TAMPERED: first bad entry {report.first_bad_index}")
        for p in report.problems[:20]:
            click.echo(f"  {p}")
    if not report.ok:
        raise SystemExit(1)


@audit.command("export")
@click.argument("home", type=HOME)
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl")
def export(home: Path, fmt: str) -> None:
    """Export the whole log to standard output (the export is logged)."""
    node = running.open_node(home)
    with unit_of_work(node, utcnow()) as work:
        reviewing.start_export(work, actor=actor(), fmt=fmt)
    for chunk in reviewing.export_lines(node, None, fmt, now=utcnow()):
        sys.stdout.write(chunk)


@audit.command("report")
@click.argument("home", type=HOME)
def report(home: Path) -> None:
    """The compliance report as JSON."""
    with reading(running.open_node(home), utcnow()) as work:
        doc = reviewing.compliance(work)
    click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
