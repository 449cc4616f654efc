"""``fts-share user``: users and their bearer tokens."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from fts_share.cli.common import HOME, actor, dump
from fts_share.clock import utcnow
from fts_share.config import MAX_TOKEN_DAYS
from fts_share.services import accounts, running, tokens
from fts_share.services.unit import Work, reading, unit_of_work

_MINUTE = "%Y-%m-%d %H:%M UTC"
EXPIRES_IN = click.option(
    "--expires-in", "days", type=click.IntRange(0, MAX_TOKEN_DAYS), default=None,
    metavar="DAYS", help="Days the token is valid (0: never); default: api.token_days.")


@contextmanager
def _work(home: Path, *, write: bool = True) -> Iterator[Work]:
    """A unit of work on the node at ``home`` (committed if ``write``), the node closed
    afterwards."""
    node = running.open_node(home)
    try:
        with (unit_of_work if write else reading)(node, utcnow()) as work:
            yield work
    finally:
        node.close()


@click.group()
def user() -> None:
    """Users and their bearer tokens."""


@user.command("add")
@click.argument("home", type=HOME)
@click.argument("name")
@click.option("--role", type=click.Choice(list(accounts.ROLES)), required=True)
@EXPIRES_IN
def user_add(home: Path, name: str, role: str, days: int | None) -> None:
    """Create a user and print a bearer token (shown once)."""
    with _work(home) as work:
        created = accounts.create_user(work, name=name, role=role)
        token = accounts.issue_token(work, created, label="cli", days=days, actor=actor())
    click.echo(token)


@user.command("token")
@click.argument("home", type=HOME)
@click.argument("name")
@EXPIRES_IN
def user_token(home: Path, name: str, days: int | None) -> None:
    """Issue another token for an existing user."""
    with _work(home) as work:
        token = accounts.issue_token_for(work, name, label="cli", days=days, actor=actor())
    click.echo(token)


@user.command("tokens")
@click.argument("home", type=HOME)
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def user_tokens(home: Path, name: str, as_json: bool) -> None:
    """List a user's tokens: id, label, created, expires, state (never the secret)."""
    with _work(home, write=False) as work:
        found = tokens.list_tokens(work, name)
    if as_json:
        click.echo(dump({"user": name, "tokens": [t.to_json() for t in found]}))
        return
    click.echo(f"{'ID':>6}  {'CREATED':<20}  {'EXPIRES':<20}  {'STATE':<8}  LABEL")
    for t in found:
        expires = t.expires.strftime(_MINUTE) if t.expires else "never"
        click.echo(f"{t.id:>6}  {t.created.strftime(_MINUTE):<20}  {expires:<20}  "
                   f"{t.state:<8}  {t.label}")


@user.command("revoke")
@click.argument("home", type=HOME)
@click.argument("name")
@click.argument("token_id", type=int, required=False)
@click.option("--all", "every", is_flag=True, help="Revoke every token of the user.")
def user_revoke(home: Path, name: str, token_id: int | None, every: bool) -> None:
    """Revoke one token of a user (TOKEN_ID, from ``user tokens``) or all of them
    (``--all``); their web sessions end with them."""
    if (token_id is None) == (not every):
        raise click.UsageError("give either TOKEN_ID or --all")
    with _work(home) as work:
        if every:
            ids = tokens.revoke_all(work, name, actor=actor())
        else:
            ids = tokens.revoke(work, name, token_id or 0, actor=actor())
    click.echo(f"revoked {len(ids)} token(s) of {name}: {', '.join(map(str, ids)) or 'none'}")
