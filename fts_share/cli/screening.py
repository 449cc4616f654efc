"""``fts-share screen``: a name or a CSV batch against this node's watchlists, or at a
partner (hit / no-hit only)."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click

from fts_share.cli.common import FILE, HOME, actor
from fts_share.clock import utcnow
from fts_share.errors import ImportFailed, ValidationError
from fts_share.services import running, screening
from fts_share.services.unit import unit_of_work

BATCH_COLUMNS = ("name", "dob", "nationality", "ref", "documents")
#: Batches longer than this show a progress bar (unless the output is JSON).
PROGRESS_ROWS = 200


def _vocab_check(handling: Any, purpose: str, legal_basis: tuple[str, ...]) -> None:
    errors: dict[str, list[str]] = {}
    if purpose not in handling.purposes:
        errors["purpose"] = [f"must be one of {', '.join(handling.purposes)}"]
    bad = [b for b in legal_basis if b not in handling.legal_bases]
    if bad or not legal_basis:
        errors["legal_basis"] = [f"must be among {', '.join(handling.legal_bases)}"]
    if errors:
        raise ValidationError(errors)


def _field(row: Mapping[str, str | None], name: str) -> str | None:
    return (row.get(name) or "").strip() or None


def _batch_reader(path: Path) -> csv.DictReader[str]:
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
    return reader


def read_batch(path: Path, *, max_rows: int) -> list[dict[str, Any]]:
    """Rows of a screening CSV (header with at least ``name``); errors name the line."""
    reader = _batch_reader(path)
    rows: list[dict[str, Any]] = []
    for row in reader:
        line = reader.line_num
        if len(rows) >= max_rows:
            raise ImportFailed(f"{path}: more than {max_rows} rows")
        if None in row:
            raise ImportFailed(f"{path}: line {line}: more fields than the header")
        name = _field(row, "name")
        if not name:
            raise ImportFailed(f"{path}: line {line}: field 'name' is empty")
        docs = [d for d in (row.get("documents") or "").split(";") if d.strip()]
        rows.append({"name": name, "dob": _field(row, "dob"),
                     "nationality": _field(row, "nationality"),
                     "ref": _field(row, "ref") or str(len(rows) + 1),
                     "documents": docs or None})
    return rows


def _remote_body(rows: list[dict[str, Any]], *, batch: bool, purpose: str,
                 legal_basis: tuple[str, ...]) -> dict[str, Any]:
    body: dict[str, Any] = {"purpose": purpose, "legal_basis": list(legal_basis)}
    if batch:
        body["batch"] = [{k: r[k] for k in ("ref", "name", "dob", "nationality")} for r in rows]
    else:
        body.update({k: v for k, v in rows[0].items() if k in ("name", "dob", "nationality")
                     and v is not None})
    return body


def _progress_bar(total: int) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    """A progress callback and a finish call (both do nothing for short batches)."""
    if total <= PROGRESS_ROWS:
        return (lambda done, total: None), (lambda: None)
    bar = click.progressbar(length=total, label="screening", file=sys.stderr)

    def progress(done: int, total: int) -> None:
        if done % 100 == 0 or done == total:
            bar.update(done - bar.pos)

    return progress, bar.render_finish


def _print_results(results: list[dict[str, Any]], *, batch: bool) -> None:
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
    if bool(name) == bool(batch):
        raise click.UsageError("give a NAME or --batch FILE.csv (not both)")
    node = running.open_node(home)
    _vocab_check(node.config.handling, purpose, legal_basis)
    rows = (read_batch(batch, max_rows=node.config.api.max_batch_rows) if batch else
            [{"name": name, "dob": dob, "nationality": nationality, "ref": None}])
    if partner:
        body = _remote_body(rows, batch=batch is not None, purpose=purpose,
                            legal_basis=legal_basis)
        answer = screening.screen_at(node, partner, body=body, actor=actor(), now=utcnow())
        click.echo(json.dumps(answer, indent=2, ensure_ascii=False))
        return
    progress, finish = _progress_bar(0 if as_json or not batch else len(rows))
    with unit_of_work(node, utcnow()) as work:
        results = screening.screen(work, queries=screening.iter_queries(rows),
                                   purpose=purpose, legal_basis=legal_basis, actor=actor(),
                                   progress=progress, batch=batch is not None)
    finish()
    if as_json:
        click.echo(json.dumps(results if batch else results[0], indent=2, ensure_ascii=False))
        return
    _print_results(results, batch=batch is not None)
