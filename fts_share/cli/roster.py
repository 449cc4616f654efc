"""``fts-share roster`` (the roster at a node) and ``fts-share secretariat`` (the
secretariat's signing key and signed rosters)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from fts_share import jsontext
from fts_share.cli.common import HOME, load_passphrase
from fts_share.clock import parse_rfc3339, utcnow
from fts_share.errors import RosterError
from fts_share.services import keyrotation, running
from fts_share.services import roster as roster_service
from fts_share.services.unit import unit_of_work

DOCUMENT = click.Path(dir_okay=False, path_type=Path)
DIRECTORY = click.Path(file_okay=False, path_type=Path)


def _read(path: Path) -> dict[str, Any]:
    """A roster, draft or anchor file (a JSON object), read with the strict reader."""
    doc = jsontext.loads(path.read_bytes(), error=RosterError)
    if not isinstance(doc, dict):
        raise RosterError(f"{path.name} is not a JSON object")
    return doc


@click.group()
def roster() -> None:
    """The coalition roster and its trust anchor."""


@roster.command("pin")
@click.argument("home", type=HOME)
@click.argument("anchor", type=DOCUMENT)
def roster_pin(home: Path, anchor: Path) -> None:
    """Pin the secretariat's public key (the trust anchor), or re-pin a new one (an
    anchor rotation or recovery: then import the first roster it signed)."""
    node = running.open_node(home)
    try:
        kid, replaced = roster_service.pin_anchor(node, _read(anchor))
    finally:
        node.close()
    click.echo(f"pinned secretariat key {kid}")
    if replaced is not None:
        click.echo(f"replaces {replaced}: rosters it signed are refused from now on; "
                   f"import the first roster {kid} signed (fts-share roster import)")


@roster.command("import")
@click.argument("home", type=HOME)
@click.argument("document", type=DOCUMENT)
def roster_import(home: Path, document: Path) -> None:
    """Install a signed roster (newer than the one in force)."""
    node = running.open_node(home)
    try:
        with unit_of_work(node, utcnow()) as work:
            r = roster_service.import_roster(work, _read(document))
    finally:
        node.close()
    click.echo(f"roster version {r.version} in force ({len(r.members)} partners)")


@roster.command("show")
@click.argument("home", type=HOME)
def roster_show(home: Path) -> None:
    """Show the roster in force."""
    node = running.open_node(home)
    try:
        r = roster_service.in_force(node)
    finally:
        node.close()
    click.echo(f"roster version {r.version}, issued {r.document['issued']}")
    for m in r.members.values():
        click.echo(f"  {m.code} {m.role:8} {m.status:9} {m.url}  {m.name}")


@click.group()
def secretariat() -> None:
    """Secretariat tooling: the roster signing key and signed rosters."""


@secretariat.command("init")
@click.argument("directory", type=DIRECTORY)
def secretariat_init(directory: Path) -> None:
    """Create the secretariat signing key (keep it offline)."""
    kid, public = roster_service.create_secretariat_key(directory, load_passphrase())
    click.echo(f"secretariat key {kid}: pin {public} on every node")


@secretariat.command("sign")
@click.argument("directory", type=DIRECTORY)
@click.argument("draft", type=DOCUMENT)
def secretariat_sign(directory: Path, draft: Path) -> None:
    """Sign a roster draft (JSON) and print the signed roster."""
    signed = roster_service.sign_draft(directory, _read(draft),
                                       load_passphrase())
    click.echo(json.dumps(signed, indent=2, ensure_ascii=False))


@secretariat.command("rotate")
@click.argument("directory", type=DIRECTORY)
@click.argument("roster_file", metavar="ROSTER", type=DOCUMENT)
@click.argument("public", type=DOCUMENT)
@click.option("--code", default=None, help="The partner (default: the code in PUBLIC).")
@click.option("--at", default=None, help="When the new keys start (RFC 3339; default now).")
@click.option("--overlap-days", default=7.0, show_default=True, type=float,
              help="How long the replaced keys stay valid after --at.")
def secretariat_rotate(directory: Path, roster_file: Path, public: Path, code: str | None,
                       at: str | None, overlap_days: float) -> None:
    """Print the next roster version (signed): the partner's new keys from PUBLIC
    (its keys/public.json after 'fts-share keys rotate') start at --at, the keys they
    replace end --overlap-days later."""
    keys_doc = _read(public)
    partner = code or str(keys_doc.get("code") or "")
    if not partner:
        raise RosterError("name the partner with --code")
    signed = keyrotation.roster_with_new_keys(
        directory, _read(roster_file), code=partner, public_keys=keys_doc,
        at=parse_rfc3339(at) if at else utcnow(), overlap=timedelta(days=overlap_days),
        passphrase=load_passphrase())
    click.echo(json.dumps(signed, indent=2, ensure_ascii=False))


@secretariat.command("revoke")
@click.argument("directory", type=DIRECTORY)
@click.argument("roster_file", metavar="ROSTER", type=DOCUMENT)
@click.argument("kid")
@click.option("--at", default=None, help="When the key was compromised (RFC 3339; default now).")
def secretariat_revoke(directory: Path, roster_file: Path, kid: str, at: str | None) -> None:
    """Print the next roster version (signed) on which key KID is revoked from --at."""
    signed = keyrotation.roster_revoking(directory, _read(roster_file), kid=kid,
                                         at=parse_rfc3339(at) if at else utcnow(),
                                         passphrase=load_passphrase())
    click.echo(json.dumps(signed, indent=2, ensure_ascii=False))
