"""``fts-share user``: users and their bearer tokens."""

from __future__ import annotations

from pathlib import Path

import click

from fts_share.cli.common import HOME
from fts_share.clock import utcnow
from fts_share.services import accounts, running
from fts_share.services.unit import unit_of_work


@click.group()
def user() -> None:
    """Users and their bearer tokens."""


@user.command("add")
@click.argument("home", type=HOME)
@click.argument("name")
@click.option("--role", type=click.Choice(list(accounts.ROLES)), required=True)
def user_add(home: Path, name: str, role: str) -> None:
    """Create a user and print a bearer token (shown once)."""
    with unit_of_work(running.open_node(home), utcnow()) as work:
        created = accounts.create_user(work, name=name, role=role)
        token = accounts.issue_token(work, created, label="cli")
    click.echo(token)


@user.command("token")
@click.argument("home", type=HOME)
@click.argument("name")
def user_token(home: Path, name: str) -> None:
    """Issue another token for an existing user."""
    with unit_of_work(running.open_node(home), utcnow()) as work:
        token = accounts.issue_token_for(work, name, label="cli")
    click.echo(token)
