"""UN list imports as jobs of the queue (:mod:`fts_share.services.jobqueue`).

The file to import (uploaded, or read by ``fts-share watchlist import-un``) is stored
with the import's row; a worker parses it and runs
:func:`fts_share.services.watchlist_import.import_un` in one transaction, which also
marks the import done, so an import runs whole or not at all, and an import resumed
after its worker died starts again from the file. Its progress is its ``stage``
(queued, parsing, importing, done) and, once parsed, ``done`` of ``total`` entries.
The file is personal data: it is deleted (the column cleared) when the import ends.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select

from fts_share.errors import ImportFailed, NotFound
from fts_share.services import watchlist_import
from fts_share.services.node import Node
from fts_share.services.unit import Work, reading, unit_of_work
from fts_share.storage.jobs_tables import WatchlistImport
from fts_share.watchlist.un_xml import parse_un_xml

#: the states of an import that has not ended
OPEN = ("queued", "running")


def create(work: Work, *, content: bytes, file_name: str, owner: str) -> str:
    """Store a new import of ``content`` (a UN XML export), queued; its id. Imports
    that ended more than ``[api] batch_retention_hours`` ago are deleted."""
    hours = work.node.config.api.batch_retention_hours
    work.session.execute(delete(WatchlistImport).where(
        WatchlistImport.finished <= work.now - timedelta(hours=hours)))
    row = WatchlistImport(id=secrets.token_urlsafe(16), owner=owner[:120],
                          file_name=file_name[:255], status="queued", stage="queued",
                          total=0, done=0, content=content, created=work.now)
    work.session.add(row)
    return row.id


def _view(row: WatchlistImport) -> dict[str, Any]:
    return {"id": row.id, "owner": row.owner, "file_name": row.file_name,
            "status": row.status, "stage": row.stage, "total": row.total, "done": row.done,
            "created": row.created, "finished": row.finished, "error": row.error,
            "counts": json.loads(row.counts) if row.counts else None}


def get(node: Node, import_id: str, *, now: datetime) -> dict[str, Any]:
    """One import, with its progress and, once done, its counts (404 if unknown)."""
    with reading(node, now) as work:
        row = work.session.get(WatchlistImport, import_id) if len(import_id) <= 32 else None
        if row is None:
            raise NotFound("no such import")
        return _view(row)


def recent(node: Node, *, now: datetime, limit: int = 50) -> list[dict[str, Any]]:
    """The latest imports, newest first."""
    with reading(node, now) as work:
        rows = work.session.scalars(select(WatchlistImport)
                                    .order_by(WatchlistImport.created.desc()).limit(limit))
        return [_view(r) for r in rows]


def unfinished(node: Node, now: datetime) -> list[str]:
    """The imports not yet ended (to resume in-process at start, on SQLite)."""
    with reading(node, now) as work:
        return list(work.session.scalars(select(WatchlistImport.id)
                                         .where(WatchlistImport.status.in_(OPEN))))


def depth(work: Work) -> int:
    """How many imports are waiting or running."""
    return int(work.session.scalar(select(func.count()).select_from(WatchlistImport)
                                   .where(WatchlistImport.status.in_(OPEN))) or 0)


def _claim(node: Node, import_id: str, now: datetime) -> bytes | None:
    """Mark the import running (parsing); its file, or None if there is nothing to do."""
    with unit_of_work(node, now) as work:
        row = work.session.get(WatchlistImport, import_id, with_for_update=True)
        if row is None or row.status not in OPEN or row.content is None:
            return None
        row.status, row.stage = "running", "parsing"
        return bytes(row.content)


def _parsed(node: Node, import_id: str, total: int, now: datetime) -> None:
    with unit_of_work(node, now) as work:
        row = work.session.get(WatchlistImport, import_id, with_for_update=True)
        if row is not None and row.status == "running":
            row.stage, row.total = "importing", total


def run(node: Node, import_id: str, clock: Callable[[], datetime]) -> None:
    """Run the import: parse its file, import it; a file that cannot be read or
    imported marks the import failed (with the reason), and the error is raised."""
    content = _claim(node, import_id, clock())
    if content is None:
        return
    try:
        parsed = parse_un_xml(content)
        _parsed(node, import_id, len(parsed.entries), clock())
        with unit_of_work(node, clock()) as work:
            row = work.session.get(WatchlistImport, import_id, with_for_update=True)
            if row is None or row.status != "running":
                return  # another worker finished it
            counts = watchlist_import.import_un(work, parsed, actor=row.owner)
            row.status, row.stage, row.done = "done", "done", len(parsed.entries)
            row.counts, row.content = json.dumps(counts, default=str), None
            row.finished = work.now
    except Exception as exc:
        _fail(node, import_id, exc, clock())
        raise


def _fail(node: Node, import_id: str, exc: Exception, now: datetime) -> None:
    detail = getattr(exc, "detail", None) or "unexpected error"
    with unit_of_work(node, now) as work:
        row = work.session.get(WatchlistImport, import_id, with_for_update=True)
        if row is not None and row.status in OPEN:
            row.status, row.content, row.finished = "failed", None, work.now
            row.error = str(detail)[:300]


def wait(node: Node, import_id: str, *, clock: Callable[[], datetime],
         every: float = 0.2, on_slow: Callable[[], None] | None = None,
         slow_after: float = 10.0) -> dict[str, Any]:
    """Wait for the import to end; its view once done (:class:`ImportFailed` with the
    reason if it failed). ``on_slow`` is called once if it is still queued after
    ``slow_after`` seconds (no worker has taken it)."""
    waited = 0.0
    while True:
        found = get(node, import_id, now=clock())
        if found["status"] == "done":
            return found
        if found["status"] == "failed":
            raise ImportFailed(found["error"] or "the import failed")
        if on_slow is not None and found["status"] == "queued" and waited >= slow_after:
            on_slow()
            on_slow = None
        time.sleep(every)
        waited += every
