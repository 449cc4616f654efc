"""Polling a partner: fetching and checking its feed pages, and backing off from
failures. The poll rounds themselves run in :mod:`fts_share.services.polling`."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from fts_share.errors import FtsError, ProtocolError
from fts_share.federation.feed import VerifiedPage, verify_page
from fts_share.federation.http import MAX_RESPONSE_BYTES, PartnerClient
from fts_share.federation.ingest import IngestResult
from fts_share.federation.roster import Member, Roster

MAX_PAGES_PER_POLL = 50


@dataclass
class PeerReport:
    """The outcome of polling one partner."""

    peer: str
    ok: bool = True
    skipped: bool = False
    pages: int = 0
    result: IngestResult = field(default_factory=IngestResult)
    error: str | None = None


def fetch_page(client: PartnerClient, member: Member, *, roster: Roster, me: str,
               cursor: int, limit: int, tree_size: int | None,
               now: datetime, max_bytes: int = MAX_RESPONSE_BYTES,
               held_seq: int | None = None) -> VerifiedPage:
    """Fetch ``member``'s page after ``cursor`` and verify it (or raise FtsError).
    A page over ``max_bytes`` or not served as JSON is refused before it is parsed.
    ``held_seq``: the highest sequence of ``member`` held here (a restored partner
    continues after it)."""
    query = {"after": cursor, "limit": limit}
    if tree_size:
        query["tree_size"] = tree_size
    if held_seq is not None:
        query["held_seq"] = held_seq
    resp = client.request("GET", f"{member.url}/api/v1/feed?{urlencode(query)}", now=now,
                          max_bytes=max_bytes)
    if resp.status != 200:
        raise FtsError(f"{member.code} answered HTTP {resp.status}")
    if resp.content_type != "application/json":
        raise ProtocolError(f"{member.code} answered content type "
                            f"{resp.content_type or 'none'!r}, not application/json")
    return verify_page(resp.json(), roster=roster, origin=member.code, recipient=me,
                       after=cursor, limit=limit, now=now)


def backoff_seconds(failures: int, *, base: float, maximum: float) -> float:
    """The jittered wait before the next attempt after ``failures`` failures in a row."""
    delay = min(maximum, base * float(2 ** min(failures - 1, 16)))
    return delay * random.uniform(0.8, 1.0)
