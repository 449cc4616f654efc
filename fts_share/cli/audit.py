"""``fts-share audit``: verify, export and report on the tamper-evident audit log."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from fts_share.cli.common import HOME, actor
from fts_share.clock import utcnow
from fts_share.services import bundling, reviewing, running, witnessing
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
@click.argument("dest", type=click.Path(path_type=Path), required=False)
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl",
              help="Without DEST: the format written to standard output.")
@click.option("--prove", type=int, multiple=True,
              help="With DEST: add the inclusion proof of this entry (repeatable).")
def export(home: Path, dest: Path | None, fmt: str, prove: tuple[int, ...]) -> None:
    """Export the whole log (the export is logged): to standard output, or with DEST as
    a bundle folder that a reviewer verifies offline (entries, signed heads, proofs,
    keys and the roster that anchors them; see docs/audit.md)."""
    node = running.open_node(home)
    try:
        if dest is not None:
            manifest = bundling.export_bundle(node, dest, actor=actor(), now=utcnow(),
                                              prove=prove)
            click.echo(f"bundle written to {dest}: {manifest['size']} entries, "
                       f"{len(manifest['heads'])} signed tree heads, root {manifest['root']}")
            return
        with unit_of_work(node, utcnow()) as work:
            reviewing.start_export(work, actor=actor(), fmt=fmt)
        for chunk in reviewing.export_lines(node, None, fmt, now=utcnow()):
            sys.stdout.write(chunk)
    finally:
        node.close()


@audit.command("verify-bundle")
@click.argument("bundle", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--anchor", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The secretariat's public key (secretariat.pub.json) to pin.")
@click.option("--json", "as_json", is_flag=True)
def verify_bundle(bundle: Path, anchor: Path | None, as_json: bool) -> None:
    """Verify an audit bundle offline, without the node: exit 0 intact, 1 tampered."""
    report = bundling.verify_bundle(bundle, anchor_file=anchor)
    click.echo(json.dumps(report.to_json(), indent=2) if as_json else bundling.render(report))
    if not report.ok:
        raise SystemExit(1)


@audit.command("report")
@click.argument("home", type=HOME)
def report(home: Path) -> None:
    """The compliance report as JSON."""
    with reading(running.open_node(home), utcnow()) as work:
        doc = reviewing.compliance(work)
    click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
