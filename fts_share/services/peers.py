"""The polling state of each partner, as administrators see it (API and web page).

Each partner is polled on its own schedule (:mod:`fts_share.services.scheduling`); the
state is read from the store, so any worker shows it, whichever process polls. The
next attempt is the back-off's after a failure, one poll interval after the last
success otherwise, and now for a partner never polled.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from fts_share.clock import to_rfc3339
from fts_share.errors import RosterError
from fts_share.federation.roster import Member
from fts_share.services.unit import Work
from fts_share.storage.models import Peer


def _time(value: datetime | None) -> str | None:
    return None if value is None else to_rfc3339(value)


def _next_attempt(row: Peer | None, *, now: datetime, interval: float) -> datetime:
    if row is None:
        return now
    if row.failures and row.next_attempt is not None:
        return row.next_attempt
    if row.last_success is not None:
        return row.last_success + timedelta(seconds=interval)
    return now


def _state(code: str, member: Member | None, row: Peer | None, *, now: datetime,
           interval: float) -> dict[str, Any]:
    polled = member is not None and member.active_at(now)
    return {
        "code": code,
        "url": member.url if member is not None else None,
        "roster_status": member.status if member is not None else "not listed",
        "polled": polled,
        "cursor": int(row.cursor or 0) if row is not None else 0,
        "last_seq": int(row.last_seq or 0) if row is not None else 0,
        "last_success": _time(row.last_success if row is not None else None),
        "last_error": (row.last_error or None) if row is not None else None,
        "failures": int(row.failures or 0) if row is not None else 0,
        "next_attempt": (_time(_next_attempt(row, now=now, interval=interval))
                         if polled else None),
    }


def peer_states(work: Work) -> dict[str, Any]:
    """Every partner on the roster in force, and any other with polling state kept:
    ``peers.schema.json``."""
    try:
        members = {c: m for c, m in work.node.roster.members.items() if c != work.code}
    except RosterError:
        members = {}
    rows = {p.code: p for p in work.session.scalars(select(Peer))}
    interval = work.node.config.federation.poll_interval
    return {"node": work.code, "at": to_rfc3339(work.now), "poll_interval": interval,
            "peers": [_state(code, members.get(code), rows.get(code), now=work.now,
                             interval=interval)
                      for code in sorted(set(members) | set(rows))]}
