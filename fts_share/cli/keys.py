"""``fts-share keys``: the node's own key pairs (rotation)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from fts_share.cli.common import HOME, load_passphrase
from fts_share.clock import utcnow
from fts_share.services import keyrotation, running


@click.group("keys")
def keys_group() -> None:
    """The node's signing and encryption keys."""


@keys_group.command("rotate")
@click.argument("home", type=HOME)
@click.option("--only", type=click.Choice(["signing", "encryption"]), default=None,
              help="Rotate only these keys (default: both).")
def keys_rotate(home: Path, only: str | None) -> None:
    """Make new key pairs; keep the old private keys in keys/previous/; write the new
    public keys to keys/public.json for the secretariat.

    The node signs with the old key until a roster listing the new one is imported.
    Restart a running node so that it loads the new keys.
    """
    node = running.open_node(home)
    try:
        public = keyrotation.rotate_node_keys(node, now=utcnow(), passphrase=load_passphrase(),
                                              signing=only != "encryption",
                                              encryption=only != "signing")
    finally:
        node.close()
    click.echo(json.dumps(public, indent=2))
    click.echo(f"new public keys for the secretariat: {node.config.path(keyrotation.PUBLIC_FILE)}",
               err=True)
