"""``fts-share backup`` and ``fts-share restore``: encrypted snapshots of a node."""

from __future__ import annotations

import os
from pathlib import Path

import click

from fts_share.cli.common import FILE, HOME
from fts_share.clock import to_rfc3339, utcnow
from fts_share.errors import ConfigError
from fts_share.services import backup as backups
from fts_share.services import restore as restoring


@click.command()
@click.argument("home", type=HOME)
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option("--prune", is_flag=True,
              help="Then delete this node's snapshots in DEST past their retention time.")
def backup(home: Path, dest: Path, prune: bool) -> None:
    """Write an encrypted snapshot of the node at HOME (store, keys, configuration)
    into the folder DEST, under the backup key (HOME/keys/backup.key, made if absent;
    keep a copy of it apart from the snapshots)."""
    report = backups.backup(home, dest, now=utcnow(), prune=prune)
    click.echo(f"snapshot of {report.node} ({report.store}, {report.files} home files) "
               f"written to {report.path}")
    click.echo(f"backup key {report.key_id}; restorable until {to_rfc3339(report.expires)}")
    for path in report.pruned:
        click.echo(f"pruned expired snapshot {path}")


def _key(key_file: Path | None) -> bytes:
    if key_file is not None:
        return backups.read_key(key_file)
    text = os.environ.get(backups.BACKUP_KEY_ENV)
    if not text:
        raise ConfigError(f"restore needs the backup key: --key-file FILE, or "
                          f"{backups.BACKUP_KEY_ENV} (64 hex digits)")
    return backups.parse_key(text)


@click.command()
@click.argument("snapshot", type=FILE)
@click.argument("home", type=HOME)
@click.option("--key-file", type=FILE, default=None,
              help="The backup key file (else FTS_SHARE_BACKUP_KEY, 64 hex digits).")
@click.option("--force", is_flag=True, help="Restore over a home that is not empty.")
@click.option("--allow-expired", is_flag=True,
              help="Restore a snapshot past its retention time.")
@click.option("--database-url", default=None,
              help="Restore the store into this database (written into the config).")
@click.option("--purges", "ledgers", type=FILE, multiple=True,
              help="A purge ledger kept elsewhere (purges.jsonl); purged again. Repeatable.")
def restore(snapshot: Path, home: Path, key_file: Path | None, force: bool,
            allow_expired: bool, database_url: str | None, ledgers: tuple[Path, ...]) -> None:
    """Bring a node home back from SNAPSHOT into HOME; notices purged since the
    snapshot (HOME's purge ledger and --purges) are purged again."""
    report = restoring.restore(snapshot, home, key=_key(key_file), now=utcnow(), force=force,
                               allow_expired=allow_expired, database_url=database_url,
                               extra_ledgers=ledgers)
    click.echo(f"node {report.node} restored in {report.home} from the snapshot of "
               f"{to_rfc3339(report.created)} ({report.store}, {report.files} home files)")
    click.echo(f"purged again: {report.purged_again}; purges of versions not held: "
               f"{report.purges_not_held}; outbox at sequence {report.outbox_seq}")
    click.echo(f"restore epoch {report.epoch} (the snapshot's log: {report.snapshot_size} "
               "entries) is announced to the partners, which record it as a restore; tell "
               "their operators too: envelopes sealed after the snapshot are lost to "
               "partners that had not fetched them (docs/protocol.md, 'Recovery after a "
               "restore')")
