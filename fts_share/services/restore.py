"""``fts-share restore``: a node home back from a snapshot (:mod:`.backup`).

1. A home that is not empty is refused unless ``force``.
2. The snapshot is decrypted and authenticated whole into a scratch folder beside the
   home; a wrong key, a tampered or truncated snapshot, or (unless ``allow_expired``)
   one past its retention time is refused, and so is a target store of another kind
   than the snapshot's, or one that holds data (a SQLite file that is not empty, a
   PostgreSQL database with audit entries) unless ``force``. Nothing of the home or
   the store is touched before these checks pass.
3. The home's files are written, then the database: the SQLite file replaced, or
   ``pg_restore --clean`` into the database of the configuration (or of
   ``database_url``, which is then written into the restored configuration).
4. The purge ledger (:mod:`.purgelog`) becomes the union of the snapshot's, the
   replaced home's and any extra ledger files; every version it names that the
   restored database still holds with content is purged again, audited.
5. Every partner's link waits for that partner's next feed request, which tells the
   node where the link and the sequence go on (``SqlOutbox.start_recovery``), and an
   audit entry ``restore`` records the snapshot, the restore epoch, the purges
   re-applied, the outbox sequence and the log's size at the snapshot, attested by the
   node key (:func:`fts_share.audit.epochs.attest`), and a tree head signed at once
   covers it (``docs/protocol.md``, "Recovery after a restore").
"""

from __future__ import annotations

import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from fts_share.audit.epochs import attest
from fts_share.audit.log import current_root, log_size, record, sign_tree_head
from fts_share.clock import to_rfc3339
from fts_share.config import CONFIG_FILE, load_config, write_config
from fts_share.crypto import snapshot
from fts_share.errors import ConfigError, Conflict, CryptoError, Gone, RosterError
from fts_share.services import purgelog
from fts_share.services.backup import write_key
from fts_share.services.node import Node
from fts_share.services.receiving import purge_version
from fts_share.services.unit import Work, unit_of_work
from fts_share.storage import dump
from fts_share.storage.audit_tables import AuditEntry
from fts_share.storage.models import Notice, OutboxLink
from fts_share.storage.outbox import SqlOutbox


@dataclass(frozen=True)
class RestoreReport:
    """What a restore brought back."""

    home: Path
    node: str
    created: datetime
    expires: datetime
    store: str
    files: int
    purged_again: int
    purges_not_held: int
    outbox_seq: int
    epoch: int = 0
    snapshot_size: int = 0


def _not_empty(path: Path) -> bool:
    if path.is_dir():
        return any(path.iterdir())
    return path.exists() and path.stat().st_size > 0


def _decrypt(source: Path, archive: Path, *, key: bytes, now: datetime,
             allow_expired: bool) -> snapshot.SnapshotHeader:
    with source.open("rb") as src, archive.open("wb") as out:
        header = snapshot.open_snapshot(src, out, key=key)
    if header.expires <= now and not allow_expired:
        raise Gone(f"snapshot of {header.node} taken {to_rfc3339(header.created)} expired "
                   f"{to_rfc3339(header.expires)} (its retention time); restore it "
                   "anyway with --allow-expired")
    return header


def _extract(archive: Path, into: Path) -> dict[str, object]:
    """Unpack the (authenticated) archive: regular files and folders under ``home/``
    and ``store/`` only."""
    with tarfile.open(archive, "r:*") as tar:
        members = tar.getmembers()
        for m in members:
            parts = Path(m.name).parts
            if (not (m.isfile() or m.isdir()) or m.name.startswith("/") or ".." in parts
                    or parts[0] not in ("home", "store", "manifest.json")):
                raise CryptoError(f"snapshot archive: unexpected member {m.name!r}")
        tar.extractall(into, members=members, filter="data")
    manifest = json.loads((into / "manifest.json").read_text(encoding="utf-8"))
    if not isinstance(manifest, dict) or manifest.get("format") != 1:
        raise CryptoError("snapshot archive: unknown manifest format")
    return manifest


def _place_home(staged: Path, home: Path, database_url: str | None) -> int:
    """Copy the staged home files over ``home``; return how many."""
    count = 0
    for path in sorted(p for p in staged.rglob("*") if p.is_file()):
        target = home / path.relative_to(staged)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        count += 1
    if (home / "keys").is_dir():
        os.chmod(home / "keys", 0o700)
    if database_url:
        config = load_config(home)
        config.database_url = database_url
        write_config(config)
    return count


def _place_store(kind: str, url: str, store_dir: Path) -> None:
    if kind == "sqlite":
        target = dump.sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("-wal", "-shm", "-journal"):  # a stale journal would be replayed
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        staged = target.with_name(target.name + ".restoring")
        shutil.copyfile(store_dir / "node.sqlite", staged)
        os.replace(staged, target)
    else:
        dump.restore_postgresql(url, store_dir / "pg.dump")


def reapply_purges(work: Work, records: Sequence[purgelog.PurgeRecord]) -> tuple[int, int]:
    """Purge again every version of ``records`` that still has content here (each one
    audited as a purge); return (purged again, versions not held)."""
    purged = absent = 0
    for rec in records:
        row = work.session.scalar(select(Notice).where(
            Notice.origin == rec.origin, Notice.notice_id == rec.notice_id,
            Notice.version == rec.version))
        if row is None:
            absent += 1
            continue
        if row.purged_at is not None:
            continue
        purge_version(work, row, reason=f"purged again after a restore: {rec.reason}",
                      actor="system")
        row.status = rec.status
        purged += 1
    return purged, absent


def _partners(work: Work) -> list[str]:
    """The partners that may hold more of this node's outbox than the snapshot: every
    other member of the roster, and every partner with a link."""
    codes = set(work.session.scalars(select(OutboxLink.recipient).distinct()))
    try:
        codes |= set(work.node.roster.members)
    except RosterError:
        pass
    return sorted(codes - {work.code})


def _check_store(url: str) -> None:
    """Refuse to replace a SQLite file or a PostgreSQL database that holds data."""
    if dump.store_kind(url) == "sqlite":
        if _not_empty(dump.sqlite_path(url)):
            raise Conflict(f"{dump.sqlite_path(url)} is not empty; restore over it "
                           "with --force")
    elif dump.holds_a_node(url):
        raise Conflict("the database of the restored configuration holds a node's data; "
                       "restore over it with --force, or into another with --database-url")


def _check_home(home: Path, force: bool) -> None:
    if not force and _not_empty(home):
        raise Conflict(f"{home} is not empty; restore over it with --force")


def restore(source: Path, home: Path, *, key: bytes, now: datetime, force: bool = False,
            allow_expired: bool = False, database_url: str | None = None,
            extra_ledgers: Sequence[Path] = ()) -> RestoreReport:
    """Bring the node home ``home`` back from the snapshot ``source`` (see the module
    docstring for the steps and what is refused)."""
    home = Path(home).resolve()
    _check_home(home, force)
    carried = purgelog.read([home / purgelog.LEDGER_FILE, *extra_ledgers])
    home.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".fts-restore-", dir=home.parent) as tmp:
        scratch = Path(tmp)
        header = _decrypt(Path(source), scratch / "snapshot.tar", key=key, now=now,
                          allow_expired=allow_expired)
        _extract(scratch / "snapshot.tar", scratch / "x")
        staged = scratch / "x" / "home"
        if not (staged / CONFIG_FILE).exists():
            raise CryptoError("snapshot archive: no node configuration")
        staged_config = load_config(staged)
        target_url = database_url or staged_config.resolved_database_url.replace(
            str(staged), str(home))
        if dump.store_kind(target_url) != header.store:
            raise ConfigError(f"the snapshot holds a {header.store} store and the restored "
                              f"configuration names a {dump.store_kind(target_url)} "
                              "database: give --database-url (or FTS_SHARE_DATABASE_URL)")
        if not force:
            _check_store(target_url)
        home.mkdir(parents=True, exist_ok=True)
        files = _place_home(staged, home, database_url)
        config = load_config(home)
        _place_store(header.store, config.resolved_database_url, scratch / "x" / "store")
    ledger = home / purgelog.LEDGER_FILE
    records = purgelog.read([ledger]) + carried
    merged = list({r.key: r for r in reversed(records)}.values())
    ledger.unlink(missing_ok=True)
    purgelog.append(ledger, merged)
    write_key(config.path(config.backup.key_file), key)
    node = Node.open(home)
    try:
        with unit_of_work(node, now) as work:
            snapshot_size, snapshot_root = current_root(work.audit)
            again, absent = reapply_purges(work, merged)
            outbox = SqlOutbox(work.session)
            last = outbox.last()
            seq = 0 if last is None else last[0]
            partners = _partners(work)
            epoch = 1 + int(work.session.scalar(select(func.count()).select_from(AuditEntry)
                                                .where(AuditEntry.action == "restore")) or 0)
            outbox.start_recovery(partners, seq_floor=seq)
            signer = node.signer()
            attestation = attest(node=header.node, epoch=epoch, seq=log_size(work.audit),
                                 snapshot_size=snapshot_size, snapshot_root=snapshot_root,
                                 time=now, key_id=signer.kid, sign=signer.sign)
            record(work.audit, now=now, actor="system", action="restore", object_type="node",
                   object_id=header.node,
                   detail={"snapshot_created": to_rfc3339(header.created),
                           "snapshot_expires": to_rfc3339(header.expires),
                           "key_id": header.key_id, "purged_again": again,
                           "purges_not_held": absent, "outbox_seq": seq,
                           "epoch": epoch, "awaiting": partners,
                           "snapshot_size": snapshot_size, "attestation": attestation})
            sign_tree_head(work.audit, now=now, sign=signer.sign, key_id=signer.kid)
    finally:
        node.close()
    return RestoreReport(home=home, node=header.node, created=header.created,
                         expires=header.expires, store=header.store, files=files,
                         purged_again=again, purges_not_held=absent, outbox_seq=seq,
                         epoch=epoch, snapshot_size=snapshot_size)
