"""The ``fts-share`` command. Errors of the product (``FtsError``) are caught once,
here, and printed without a traceback."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from fts_share.clock import utcnow
from fts_share.errors import FtsError

HOME = click.Path(file_okay=False, path_type=Path)


class FtsGroup(click.Group):
    """A click group that turns ``FtsError`` into a message and exit status 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FtsError as exc:
            click.echo(f"error: {exc.detail}", err=True)
            errors = getattr(exc, "errors", None)
            if errors:
                for field, msgs in errors.items():
                    click.echo(f"  {field}: {'; '.join(msgs)}", err=True)
            ctx.exit(2)


@click.group(cls=FtsGroup)
@click.version_option(package_name="fts-share")
def cli() -> None:
    """fts-share: a federated exchange of notices about foreign terrorist fighters."""


def _open(home: Path) -> Any:
    from fts_share.node import Node

    return Node.open(home)


@cli.command()
@click.argument("home", type=HOME)
@click.option("--node", "code", required=True, help="This partner's code, e.g. FRA.")
@click.option("--url", required=True, help="The base URL partners reach this node at.")
@click.option("--database-url", default=None, help="A database URL (default: SQLite in HOME).")
@click.option("--no-pq", is_flag=True, help="Do not create a hybrid post-quantum key.")
def init(home: Path, code: str, url: str, database_url: str | None, no_pq: bool) -> None:
    """Create a node home: config, keys, database.

    Private keys are protected with the passphrase in FTS_SHARE_KEY_PASSPHRASE, if set.
    """
    from fts_share.config import load_config
    from fts_share.node import init_home

    passphrase = load_passphrase()
    init_home(home, code=code, url=url, passphrase=passphrase, post_quantum=not no_pq,
              database_url=database_url)
    cfg = load_config(home)
    click.echo(f"node {cfg.code} created in {cfg.home}")
    click.echo(f"public keys for the secretariat: {cfg.home / 'keys' / 'public.json'}")


def load_passphrase() -> bytes | None:
    """The key passphrase from the environment."""
    import os

    value = os.environ.get("FTS_SHARE_KEY_PASSPHRASE")
    return value.encode() if value else None


@cli.command()
@click.argument("home", type=HOME)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--no-poll", is_flag=True, help="Serve only; do not poll partners.")
def serve(home: Path, host: str, port: int, no_poll: bool) -> None:
    """Run the node: API, web pages and the poller (waitress)."""
    from fts_share.app import create_app
    from fts_share.screening.service import screening_hook
    from fts_share.server import BackgroundPoller, make_server

    node = _open(home)
    app = create_app(node=node)
    server = make_server(app, host=host, port=port)
    poller = None
    if not no_poll:
        poller = BackgroundPoller(node, interval=node.config.federation.poll_interval,
                                  on_notice=screening_hook(node))
        poller.start()
    click.echo(f"{node.code} serving on http://{host}:{port}")
    try:
        server.run()
    finally:
        if poller:
            poller.stop()


@cli.command()
@click.argument("home", type=HOME)
@click.option("--json", "as_json", is_flag=True)
def poll(home: Path, as_json: bool) -> None:
    """Poll every partner once."""
    from fts_share.services.polling import Poller
    from fts_share.screening.service import screening_hook

    node = _open(home)
    reports = Poller(node, on_notice=screening_hook(node)).poll_all(force=True)
    rows = [{"peer": r.peer, "ok": r.ok, "pages": r.pages, "received": r.result.received,
             "duplicates": r.result.duplicates, "rejected": r.result.rejected,
             "error": r.error} for r in reports]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    else:
        for r in rows:
            status = "ok" if r["ok"] else f"failed: {r['error']}"
            click.echo(f"{r['peer']}: {status}; received {r['received']}, "
                       f"duplicates {r['duplicates']}, rejected {r['rejected']}")


@cli.command()
@click.argument("home", type=HOME)
def purge(home: Path) -> None:
    """Purge the content of every notice past its review date."""
    from fts_share.services.polling import purge_expired
    from fts_share.services.unit import unit_of_work

    node = _open(home)
    with unit_of_work(node, utcnow()) as work:
        count = purge_expired(work)
    click.echo(f"purged {count} notice version(s)")


from fts_share.cli_admin import register as _register_admin  # noqa: E402

_register_admin(cli)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    try:
        cli.main(args=argv, prog_name="fts-share", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
