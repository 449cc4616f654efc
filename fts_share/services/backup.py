"""``fts-share backup``: one encrypted snapshot of a node's store and home.

The snapshot (:mod:`fts_share.crypto.snapshot`) holds a tar archive:

- ``manifest.json``: the node, the time, the kind of store, the files;
- ``home/...``: every file of the home that defines the node (configuration, keys,
  roster, trust anchor, purge ledger), but not what is rebuilt (index or cache
  folders, SQLite's ``-wal``/``-shm`` files), not the backup key itself and not a
  snapshot folder inside the home;
- ``store/node.sqlite`` (the SQLite online backup API) or ``store/pg.dump``
  (``pg_dump --format=custom``).

The backup key (``[backup] key_file``, default ``keys/backup.key``: 64 hex digits)
is made by ``fts-share init``, or at the first backup of an older home. The operator
keeps a copy apart from the snapshots: ``fts-share restore`` needs it.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from fts_share.clock import to_rfc3339
from fts_share.config import NodeConfig, load_config
from fts_share.crypto import snapshot
from fts_share.errors import ConfigError
from fts_share.storage import dump

SUFFIX = ".ftssnap"
ARCHIVE_FORMAT = 1
#: Folders of a home that are rebuilt, never backed up.
REBUILT_DIRS = frozenset({"index", "indexes", "cache", "caches", "tmp", "__pycache__"})
#: Files of a home that are never backed up (SQLite's journals are part of the copy).
REBUILT_SUFFIXES = ("-wal", "-shm", "-journal", ".part", SUFFIX)
BACKUP_KEY_ENV = "FTS_SHARE_BACKUP_KEY"


@dataclass(frozen=True)
class BackupReport:
    """What a backup wrote (and, with pruning, removed)."""

    path: Path
    node: str
    created: datetime
    expires: datetime
    store: str
    key_id: str
    files: int
    pruned: tuple[Path, ...] = ()


def parse_key(text: str) -> bytes:
    """A backup key from its text form (64 hex digits); :class:`ConfigError` if not."""
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        key = b""
    if len(key) != snapshot.KEY_SIZE:
        raise ConfigError("a backup key is 64 hex digits (32 bytes)")
    return key


def read_key(path: Path) -> bytes:
    """The backup key in the file ``path``."""
    try:
        return parse_key(path.read_text(encoding="ascii"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the backup key {path}: {exc}") from exc


def write_key(path: Path, key: bytes) -> None:
    """Write a backup key (0600) at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key.hex() + "\n")


def node_backup_key(config: NodeConfig) -> bytes:
    """The node's backup key, made (and written) if the home has none yet."""
    path = config.path(config.backup.key_file)
    if not path.exists():
        write_key(path, snapshot.new_key())
    return read_key(path)


def home_files(config: NodeConfig, *, exclude: tuple[Path, ...] = ()) -> Iterator[Path]:
    """The files of the home that a snapshot holds, relative to the home, sorted."""
    home = config.home
    skip = {config.path(config.backup.key_file).resolve(), *(p.resolve() for p in exclude)}
    if dump.store_kind(config.resolved_database_url) == "sqlite":
        skip.add(dump.sqlite_path(config.resolved_database_url).resolve())
    for folder, dirs, files in os.walk(home):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if d not in REBUILT_DIRS
                         and (here / d).resolve() not in skip)
        for name in sorted(files):
            path = here / name
            if name.endswith(REBUILT_SUFFIXES) or path.resolve() in skip or path.is_symlink():
                continue
            yield path.relative_to(home)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mtime: datetime) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(mtime.timestamp())
    tar.addfile(info, io.BytesIO(data))


def _write_archive(config: NodeConfig, target: Path, scratch: Path, *, now: datetime,
                   exclude: tuple[Path, ...]) -> tuple[str, int]:
    url = config.resolved_database_url
    kind = dump.store_kind(url)
    store_file = scratch / ("node.sqlite" if kind == "sqlite" else "pg.dump")
    if kind == "sqlite":
        dump.copy_sqlite(url, store_file)
    else:
        dump.dump_postgresql(url, store_file)
    files = list(home_files(config, exclude=exclude))
    manifest = {"format": ARCHIVE_FORMAT, "node": config.code, "created": to_rfc3339(now),
                "store": kind, "files": [str(f) for f in files]}
    with tarfile.open(target, "w:gz", compresslevel=6) as tar:
        _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=1).encode(), now)
        for rel in files:
            tar.add(config.home / rel, arcname=f"home/{rel}", recursive=False)
        tar.add(store_file, arcname=f"store/{store_file.name}", recursive=False)
    return kind, len(files)


def backup(home: Path, dest: Path, *, now: datetime, prune: bool = False) -> BackupReport:
    """Write a snapshot of the node at ``home`` into the folder ``dest`` (named
    ``CODE-YYYYMMDDTHHMMSSZ.ftssnap``), encrypted under the node's backup key and
    expiring ``[backup] retention_days`` after ``now``. With ``prune``, this node's
    snapshots in ``dest`` that have expired are deleted afterwards."""
    config = load_config(home)
    key = node_backup_key(config)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    expires = now + timedelta(days=config.backup.retention_days)
    final = dest / f"{config.code}-{now.strftime('%Y%m%dT%H%M%S%fZ')}{SUFFIX}"
    partial = final.with_name(final.name + ".part")
    with tempfile.TemporaryDirectory(prefix="fts-backup-") as tmp:
        scratch = Path(tmp)
        archive = scratch / "snapshot.tar"
        kind, count = _write_archive(config, archive, scratch, now=now, exclude=(dest,))
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out, archive.open("rb") as plain:
            header = snapshot.write_snapshot(out, plain, key=key, node=config.code,
                                             created=now, expires=expires, store=kind)
            out.flush()
            os.fsync(out.fileno())
    os.replace(partial, final)
    pruned = prune_expired(dest, node=config.code, now=now) if prune else []
    return BackupReport(path=final, node=config.code, created=now, expires=expires,
                        store=kind, key_id=header.key_id, files=count, pruned=tuple(pruned))


def prune_expired(dest: Path, *, node: str, now: datetime) -> list[Path]:
    """Delete the snapshots of ``node`` in ``dest`` whose retention time has passed
    (as their header says); files that are not snapshots are left alone."""
    removed = []
    for path in sorted(Path(dest).glob(f"{node}-*{SUFFIX}")):
        try:
            with path.open("rb") as fh:
                header, _aad = snapshot.read_header(fh)
        except (OSError, snapshot.SnapshotInvalid):
            continue
        if header.node == node and header.expires <= now:
            path.unlink()
            removed.append(path)
    return removed
