"""``fts-share audit``: verify, export and report on the tamper-evident audit log."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from fts_share.cli.common import HOME, actor
from fts_share.clock import utcnow
from fts_share.services import reviewing, running, witnessing
from fts_share.services.unit import reading, unit_of_work


@click.group()
def audit() -> None:
    """The tamper-evident audit log."""


@audit.command("verify")
@click.argument("home", type=HOME)
@click.option("--json", "as_json", is_flag=True)
@click.option("--offline", is_flag=True, help="Do not ask the partners for the heads they witnessed.")
def verify(home: Path, as_json: bool, offline: bool) -> None:
    """Recompute the tree, check every signed head and the heads partners witnessed:
    exit 0 intact, 1 tampered (an unreachable partner is a warning)."""
    node = running.open_node(home)
    try:
        report, answers = witnessing.verify_witnessed(node, now=utcnow(), offline=offline)
    finally:
        node.close()
    if as_json:
        doc = reviewing.report_json(report)
        doc["partners"] = {"asked": answers.asked, "unreachable": answers.unreachable}
        click.echo(json.dumps(doc, indent=2))
    else:
        if report.ok:
            click.echo(f"intact: {report.entries} entries, root {report.root}, "
                       f"{report.heads_checked} signed tree heads verified, "
                       f"{report.witnessed_checked} witnessed by "
                       f"{len(answers.asked)} partner(s)")
        else:
            click.echo(f"TAMPERED: first bad entry {report.first_bad_index}")
            for p in report.problems[:20]:
                click.echo(f"  {p}")
        for w in report.warnings[:20]:
            click.echo(f"warning: {w}", err=True)
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
