"""The purge ledger: an append-only record, outside the database, of every notice
version whose content this node destroyed.

A restore brings back the database as it was when the snapshot was taken, with the
content keys of versions purged since. The ledger (``HOME/purges.jsonl``, one JSON
object per line) survives the restore (``fts-share restore`` keeps the lines of the
home it replaces, and takes more from ``--purges FILE``), and the restore purges those
versions again (:func:`fts_share.services.backup.restore`), so crypto-erasure holds.

A line is written after the transaction that purged the version commits, and only if
the version is still purged then (a purge in a savepoint that was rolled back leaves
no line). A line names the version (origin, id, version), its status after the purge,
the time and the reason; never the subject.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from fts_share.clock import to_rfc3339
from fts_share.storage.models import Notice

LEDGER_FILE = "purges.jsonl"
_PENDING = "fts_share.purged.pending"
_READY = "fts_share.purged.ready"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PurgeRecord:
    """One purged notice version, as written in the ledger."""

    origin: str
    notice_id: str
    version: int
    status: str
    at: str
    reason: str

    @property
    def key(self) -> tuple[str, str, int]:
        """The version's natural key ``(origin, notice_id, version)``."""
        return self.origin, self.notice_id, self.version


def note(session: Session, row: Notice, *, reason: str) -> None:
    """Remember that ``row`` was purged in the session's transaction; its ledger line
    is written once that transaction commits."""
    session.info.setdefault(_PENDING, []).append((row.id, reason[:200]))


def _collect(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint: wait for the outer commit
        return
    pending: list[tuple[int, str]] = session.info.pop(_PENDING, [])
    if not pending:
        return
    reasons = dict(pending)
    rows = session.execute(select(Notice.id, Notice.origin, Notice.notice_id, Notice.version,
                                  Notice.status, Notice.purged_at)
                           .where(Notice.id.in_(list(reasons)))).all()
    session.info[_READY] = [
        PurgeRecord(origin=origin, notice_id=notice_id, version=int(version), status=status,
                    at=to_rfc3339(purged_at), reason=reasons[row_id])
        for row_id, origin, notice_id, version, status, purged_at in rows
        if purged_at is not None]


def install(sessions: sessionmaker[Session], path: Path) -> None:
    """Have every session of ``sessions`` append its committed purges to ``path``."""

    def before_commit(session: Session) -> None:
        _collect(session)

    def after_commit(session: Session) -> None:
        ready: list[PurgeRecord] = session.info.pop(_READY, [])
        if ready:
            try:
                append(path, ready)
            except OSError as exc:  # the purge stands; the operator must know
                log.error("purge ledger %s not written: %s", path, exc)

    def after_end(session: Session, transaction: Any) -> None:
        if transaction.parent is None:
            session.info.pop(_PENDING, None)
            session.info.pop(_READY, None)

    event.listen(sessions, "before_commit", before_commit)
    event.listen(sessions, "after_commit", after_commit)
    event.listen(sessions, "after_transaction_end", after_end)


def append(path: Path, records: Iterable[PurgeRecord]) -> None:
    """Append ``records`` to the ledger at ``path`` (created 0600), then sync it."""
    data = "".join(json.dumps(asdict(r), sort_keys=True) + "\n" for r in records).encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def read(paths: Iterable[Path]) -> list[PurgeRecord]:
    """The records of the ledgers at ``paths`` (missing files are empty), each version
    once (its first record); lines that do not parse are skipped with a warning."""
    seen: dict[tuple[str, str, int], PurgeRecord] = {}
    for path in paths:
        if not path.exists():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                record = PurgeRecord(origin=str(data["origin"]),
                                     notice_id=str(data["notice_id"]),
                                     version=int(data["version"]), status=str(data["status"]),
                                     at=str(data["at"]), reason=str(data["reason"]))
            except (ValueError, KeyError, TypeError):
                log.warning("purge ledger %s: line %d skipped (not a record)", path, number)
                continue
            seen.setdefault(record.key, record)
    return list(seen.values())
