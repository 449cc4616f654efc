"""Administrative commands: users, roster, secretariat tooling, demo, screening, audit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from fts_share.clock import utcnow

HOME = click.Path(file_okay=False, path_type=Path)


def register(cli: click.Group) -> None:
    """Add the admin command groups to ``cli``."""
    cli.add_command(user)
    cli.add_command(roster)
    cli.add_command(secretariat)
    from fts_share.demo import demo_command

    cli.add_command(demo_command)
    try:
        from fts_share.cli_screening import audit, screen, watchlist
    except ImportError:  # pragma: no cover - while screening is being built
        return
    cli.add_command(screen)
    cli.add_command(watchlist)
    cli.add_command(audit)


@click.group()
def user() -> None:
    """Users and their bearer tokens."""


@user.command("add")
@click.argument("home", type=HOME)
@click.argument("name")
@click.option("--role", type=click.Choice(["officer", "reviewer", "admin"]), required=True)
def user_add(home: Path, name: str, role: str) -> None:
    """Create a user and print a bearer token (shown once)."""
    from fts_share import accounts
    from fts_share.node import Node

    node = Node.open(home)
    now = utcnow()
    with node.store.transaction() as session:
        u = accounts.create_user(session, name=name, role=role, now=now)
        token = accounts.issue_token(session, u, now=now, label="cli")
    click.echo(token)


@user.command("token")
@click.argument("home", type=HOME)
@click.argument("name")
def user_token(home: Path, name: str) -> None:
    """Issue another token for an existing user."""
    from sqlalchemy import select

    from fts_share import accounts
    from fts_share.errors import NotFound
    from fts_share.node import Node
    from fts_share.storage.models import User

    node = Node.open(home)
    with node.store.transaction() as session:
        u = session.scalars(select(User).where(User.name == name)).first()
        if u is None:
            raise NotFound(f"no user {name!r}")
        click.echo(accounts.issue_token(session, u, now=utcnow(), label="cli"))


@click.group()
def roster() -> None:
    """The coalition roster and its trust anchor."""


@roster.command("pin")
@click.argument("home", type=HOME)
@click.argument("anchor", type=click.Path(dir_okay=False, path_type=Path))
def roster_pin(home: Path, anchor: Path) -> None:
    """Pin the secretariat's public key (the trust anchor)."""
    from fts_share.crypto.keys import PublicKey
    from fts_share.node import Node

    node = Node.open(home)
    key = PublicKey.from_json(json.loads(anchor.read_text()))
    node.pin_anchor(key)
    click.echo(f"pinned secretariat key {key.kid}")


@roster.command("import")
@click.argument("home", type=HOME)
@click.argument("document", type=click.Path(dir_okay=False, path_type=Path))
def roster_import(home: Path, document: Path) -> None:
    """Install a signed roster (newer than the one in force)."""
    from fts_share.node import Node
    from fts_share.services.receiving import install_roster
    from fts_share.services.unit import unit_of_work

    node = Node.open(home)
    with unit_of_work(node, utcnow()) as work:
        r = install_roster(work, json.loads(document.read_text()), actor="system")
    click.echo(f"roster version {r.version} in force ({len(r.members)} partners)")


@roster.command("show")
@click.argument("home", type=HOME)
def roster_show(home: Path) -> None:
    """Show the roster in force."""
    from fts_share.node import Node

    r = Node.open(home).roster
    click.echo(f"roster version {r.version}, issued {r.document['issued']}")
    for m in r.members.values():
        click.echo(f"  {m.code} {m.role:8} {m.status:9} {m.url}  {m.name}")


@click.group()
def secretariat() -> None:
    """Secretariat tooling: the roster signing key and signed rosters."""


@secretariat.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def secretariat_init(directory: Path) -> None:
    """Create the secretariat signing key (keep it offline)."""
    from fts_share.crypto.keys import KeyKind, generate, save_private

    from fts_share.cli import load_passphrase

    directory.mkdir(parents=True, exist_ok=True)
    key = generate(KeyKind.ED25519)
    save_private(directory / "secretariat.pem", key, load_passphrase())
    (directory / "secretariat.pub.json").write_text(json.dumps(key.public().to_json(), indent=2))
    click.echo(f"secretariat key {key.kid}: pin {directory / 'secretariat.pub.json'} on every node")


@secretariat.command("sign")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.argument("draft", type=click.Path(dir_okay=False, path_type=Path))
def secretariat_sign(directory: Path, draft: Path) -> None:
    """Sign a roster draft (JSON) and print the signed roster."""
    from fts_share.cli import load_passphrase
    from fts_share.crypto.keys import load_private
    from fts_share.federation.roster import Roster, sign_roster

    key = load_private(directory / "secretariat.pem", load_passphrase())
    signed = sign_roster(json.loads(draft.read_text()), key)
    Roster.verify(signed, key.public())
    click.echo(json.dumps(signed, indent=2, ensure_ascii=False))


def dump(data: Any) -> str:
    """JSON for the terminal."""
    return json.dumps(data, indent=2, ensure_ascii=False)
