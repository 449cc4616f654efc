"""Commands for screening, watchlists and the audit log."""

from __future__ import annotations

import csv
import getpass
import io
import json
import re
import sys
from pathlib import Path
from typing import Any

import click

from fts_share.clock import utcnow
from fts_share.errors import ImportFailed, ValidationError

HOME = click.Path(file_okay=False, path_type=Path)
FILE = click.Path(dir_okay=False, exists=True, path_type=Path)
BATCH_COLUMNS = ("name", "dob", "nationality", "ref", "documents")


def _actor() -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", getpass.getuser() or "cli")[:60]
    return f"user:{name}@cli"


def _vocab_check(node: Any, purpose: str, legal_basis: tuple[str, ...]) -> None:
    h = node.config.handling
    errors: dict[str, list[str]] = {}
    if purpose not in h.purposes:
        errors["purpose"] = [f"must be one of {', '.join(h.purposes)}"]
    bad = [b for b in legal_basis if b not in h.legal_bases]
    if bad or not legal_basis:
        errors["legal_basis"] = [f"must be among {', '.join(h.legal_bases)}"]
    if errors:
        raise ValidationError(errors)


def read_batch(path: Path, *, max_rows: int) -> list[dict[str, Any]]:
    """Rows of a screening CSV (header with at least ``name``); errors name the line."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(f"{path}: not UTF-8 text ({exc.reason})") from exc
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "name" not in reader.fieldnames:
        raise ImportFailed(f"{path}: line 1: a header with a 'name' column is required")
    unknown = [c for c in reader.fieldnames if c not in BATCH_COLUMNS]
    if unknown:
        raise ImportFailed(f"{path}: line 1: unknown column(s) {', '.join(unknown)}")
    rows: list[dict[str, Any]] = []
    for row in reader:
        line = reader.line_num
        if len(rows) >= max_rows:
            raise ImportFailed(f"{path}: more than {max_rows} rows")
        if None in row:
            raise ImportFailed(f"{path}: line {line}: more fields than the header")
        name = (row.get("name") or "").strip()
        if not name:
            raise ImportFailed(f"{path}: line {line}: field 'name' is empty")
        docs = [d for d in (row.get("documents") or "").split(";") if d.strip()]
        rows.append({"name": name, "dob": (row.get("dob") or "").strip() or None,
                     "nationality": (row.get("nationality") or "").strip() or None,
                     "ref": (row.get("ref") or "").strip() or str(len(rows) + 1),
                     "documents": docs or None})
    return rows


@click.command()
@click.argument("home", type=HOME)
@click.argument("name", required=False)
@click.option("--dob", help="Date of birth: YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--nationality", help="ISO 3166 alpha-3 code or a country name.")
@click.option("--batch", type=FILE, help="A CSV (name, dob, nationality, ref, documents).")
@click.option("--purpose", default="border_screening", show_default=True)
@click.option("--legal-basis", "legal_basis", multiple=True, default=("UNSCR-2178",),
              show_default=True)
@click.option("--at", "partner", help="Screen at this partner node (hit / no-hit only).")
@click.option("--json", "as_json", is_flag=True)
def screen(home: Path, name: str | None, dob: str | None, nationality: str | None,
           batch: Path | None, purpose: str, legal_basis: tuple[str, ...],
           partner: str | None, as_json: bool) -> None:
    """Screen a name (or a CSV batch) against this node's watchlists, or at a partner."""
    from fts_share.node import Node
    from fts_share.screening import service

    if bool(name) == bool(batch):
        raise click.UsageError("give a NAME or --batch FILE.csv (not both)")
    node = Node.open(home)
    _vocab_check(node, purpose, legal_basis)
    rows = (read_batch(batch, max_rows=node.config.api.max_batch_rows) if batch else
            [{"name": name, "dob": dob, "nationality": nationality, "ref": None}])
    if partner:
        from fts_share.screening.remote import screen_at

        body: dict[str, Any] = {"purpose": purpose, "legal_basis": list(legal_basis)}
        if batch:
            body["batch"] = [{k: r[k] for k in ("ref", "name", "dob", "nationality")}
                             for r in rows]
        else:
            body.update({k: v for k, v in rows[0].items() if k in ("name", "dob", "nationality")
                         and v is not None})
        answer = screen_at(node, partner, body=body, actor=_actor(), now=utcnow())
        click.echo(json.dumps(answer, indent=2, ensure_ascii=False))
        return
    bar = None
    if batch and len(rows) > 200 and not as_json:
        bar = click.progressbar(length=len(rows), label="screening", file=sys.stderr)

    def progress(done: int, total: int) -> None:
        if bar is not None and (done % 100 == 0 or done == total):
            bar.update(done - bar.pos)

    with node.store.transaction() as session:
        results = service.screen(session, node, queries=service.iter_queries(rows),
                                 purpose=purpose, legal_basis=legal_basis, actor=_actor(),
                                 now=utcnow(), progress=progress, batch=batch is not None)
    if bar is not None:
        bar.render_finish()
    if as_json:
        click.echo(json.dumps(results if batch else results[0], indent=2, ensure_ascii=False))
        return
    for res in results:
        label = f"{res['ref']}: " if batch else ""
        if res.get("error"):
            click.echo(f"{label}error: {res['error']['detail']}")
        elif not res["hits"]:
            click.echo(f"{label}no hit")
        for h in res["hits"]:
            measures = f" [{', '.join(h['measures'])}]" if h["measures"] else ""
            click.echo(f"{label}{h['reference']}  {h['score']:.2f}  {h.get('matched_name', '')}"
                       f"{measures}")


@click.group()
def watchlist() -> None:
    """Watchlists: the UN SC consolidated list and national lists."""


@watchlist.command("import-un")
@click.argument("home", type=HOME)
@click.argument("file", type=FILE)
def import_un(home: Path, file: Path) -> None:
    """Import (or update from) a UN SC consolidated list XML export."""
    from fts_share.node import Node
    from fts_share.screening.importer import import_un_file

    node = Node.open(home)
    with node.store.transaction() as session:
        counts = import_un_file(session, file, now=utcnow(), actor=_actor())
    click.echo(f"UN list: {counts['total']} entries ({counts['added']} added, "
               f"{counts['updated']} updated, {counts['delisted']} delisted)")


@watchlist.command("import-csv")
@click.argument("home", type=HOME)
@click.argument("file", type=FILE)
@click.option("--list", "list_name", default="national", show_default=True)
def import_csv_cmd(home: Path, file: Path, list_name: str) -> None:
    """Import a national watchlist CSV (id, name, aliases, dob, nationality, documents)."""
    from fts_share.node import Node
    from fts_share.screening.importer import import_csv

    node = Node.open(home)
    with node.store.transaction() as session:
        counts = import_csv(session, file.read_bytes(), list_name=list_name, now=utcnow(),
                            actor=_actor())
    click.echo(f"{list_name}: {counts['total']} entries ({counts['delisted']} delisted)")


@click.group()
def audit() -> None:
    """The tamper-evident audit log."""


@audit.command("verify")
@click.argument("home", type=HOME)
@click.option("--json", "as_json", is_flag=True)
def verify(home: Path, as_json: bool) -> None:
    """Recompute the tree and check every signed head: exit 0 intact, 1 tampered."""
    from fts_share.node import Node
    from fts_share.reviewing import verify_node_log

    report = verify_node_log(Node.open(home))
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
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
    from fts_share.audit.export import export_csv, export_jsonl
    from fts_share.audit.log import record
    from fts_share.storage.audit_store import audit_store
    from fts_share.node import Node

    node = Node.open(home)
    with node.store.transaction() as session:
        record(audit_store(session), now=utcnow(), actor=_actor(), action="export", object_type="audit_log",
               detail={"format": fmt})
    with node.store.read() as session:
        for chunk in (export_csv(audit_store(session)) if fmt == "csv" else export_jsonl(audit_store(session))):
            sys.stdout.write(chunk)


@audit.command("report")
@click.argument("home", type=HOME)
def report(home: Path) -> None:
    """The compliance report as JSON."""
    from fts_share.node import Node
    from fts_share.reviewing import compliance

    node = Node.open(home)
    with node.store.read() as session:
        click.echo(json.dumps(compliance(session, now=utcnow()), indent=2, ensure_ascii=False))
