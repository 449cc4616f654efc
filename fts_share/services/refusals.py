"""Refused unauthenticated requests, counted per source and minute.

A request refused before anyone is authenticated (no or a bad token, a bad signature,
an unknown key, a throttled client) does not write an audit entry of its own: that let
a flood grow the log by one entry per request. It adds one to a counter of its source
(the client address), its UTC minute and its reason, in the ``refusal_counts`` table,
so that every worker of a node counts into the same place. Once the minute has closed,
:func:`flush` turns the counters of each source and minute into ONE ``access_refused``
audit entry with the count and the reasons, and deletes them, in one transaction. A
flood thus grows the log by one entry per source and minute, and every refusal is
still counted. The node flushes at the next request after a minute closes, on every
poller round and when it stops.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from fts_share.audit.log import record
from fts_share.clock import to_rfc3339
from fts_share.services.node import Node
from fts_share.services.unit import Work, unit_of_work
from fts_share.storage.models import RefusalCount

MAX_REASONS = 20
"""An entry lists at most this many distinct reasons; the rest are summed as ``other``."""


def minute_of(when: datetime) -> datetime:
    """The UTC minute ``when`` falls in."""
    return when.replace(second=0, microsecond=0)


def _increment(work: Work, source: str, minute: datetime, reason: str) -> bool:
    found = work.session.execute(
        update(RefusalCount)
        .where(RefusalCount.source == source, RefusalCount.minute == minute,
               RefusalCount.reason == reason)
        .values(count=RefusalCount.count + 1))
    return bool(getattr(found, "rowcount", 0))


def count(node: Node, now: datetime, *, source: str, reason: str) -> None:
    """Count one refused request of ``source`` (in a transaction of its own), and flush
    the minutes that have closed."""
    source, reason = source[:64], reason[:120]
    minute = minute_of(now)
    with unit_of_work(node, now) as work:
        if _increment(work, source, minute, reason):
            return
        try:
            with work.session.begin_nested():
                work.session.add(RefusalCount(source=source, minute=minute, reason=reason,
                                              count=1))
        except IntegrityError:  # another worker inserted it first
            _increment(work, source, minute, reason)


def _reasons(rows: list[RefusalCount]) -> dict[str, int]:
    ranked = sorted(rows, key=lambda r: (-r.count, r.reason))
    reasons = {r.reason: int(r.count) for r in ranked[:MAX_REASONS]}
    rest = sum(int(r.count) for r in ranked[MAX_REASONS:])
    if rest:
        reasons["other"] = reasons.get("other", 0) + rest
    return reasons


def flush(work: Work, *, closed_before: datetime | None = None) -> int:
    """Write one ``access_refused`` entry per source and closed minute (before
    ``closed_before``, by default the current minute) and delete its counters; returns
    the number of entries written. Counters another worker flushed meanwhile are
    skipped (the rows are locked on PostgreSQL, the database on SQLite)."""
    cutoff = closed_before or minute_of(work.now)
    rows = list(work.session.scalars(
        select(RefusalCount).where(RefusalCount.minute < cutoff)
        .order_by(RefusalCount.minute, RefusalCount.source, RefusalCount.reason)
        .with_for_update()))
    groups: dict[tuple[datetime, str], list[RefusalCount]] = defaultdict(list)
    for row in rows:
        groups[(row.minute, row.source)].append(row)
    written = 0
    for (minute, source), group in groups.items():
        gone = work.session.execute(delete(RefusalCount).where(
            RefusalCount.source == source, RefusalCount.minute == minute,
            RefusalCount.minute < cutoff))
        if not getattr(gone, "rowcount", 0):
            continue
        total = sum(int(r.count) for r in group)
        record(work.audit, now=work.now, actor="system", action="access_refused",
               object_type="source", object_id=source, outcome="refused",
               detail={"caller": "unauthenticated", "aggregated": True,
                       "minute": to_rfc3339(minute), "count": total,
                       "reasons": _reasons(group)})
        written += 1
    return written


def flush_closed(node: Node, now: datetime, *, stopping: bool = False) -> int:
    """:func:`flush` in a transaction of its own (the poller's rounds); ``stopping``
    also flushes the current minute (a node that stops)."""
    with unit_of_work(node, now) as work:
        return flush(work, closed_before=next_minute(now) if stopping else None)


def next_minute(now: datetime) -> datetime:
    """The start of the minute after ``now``'s: when the next flush is due."""
    return minute_of(now) + timedelta(minutes=1)
