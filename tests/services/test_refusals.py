"""Refused unauthenticated requests are counted, one audit entry per source and minute
(issue 14 §2), on both stores, with a frozen clock: a flood does not grow the log by
one entry per request, and every refusal is still counted."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from coalition import Coalition, build
from sqlalchemy import select

from fts_share.app import create_app
from fts_share.clock import utcnow
from fts_share.services import refusals
from fts_share.services.node import Node
from fts_share.services.serving import ServerThread, make_server
from fts_share.storage.audit_tables import AuditEntry
from fts_share.storage.models import RefusalCount

ALERTS = "/api/v1/alerts"


class Frozen:
    """A clock that moves only when told."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def pair(tmp_path: Path, store_urls: Callable[[], str]) -> Iterator[Coalition]:
    c = build(tmp_path, store_urls, [("FRA", "member"), ("IRQ", "member")], start=False)
    yield c
    c.close()


def refused_entries(c: Coalition) -> list[AuditEntry]:
    with c["FRA"].node.store.read() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == "access_refused")
                              .order_by(AuditEntry.seq)))


def pending(c: Coalition) -> int:
    with c["FRA"].node.store.read() as s:
        return sum(s.scalars(select(RefusalCount.count)))


def test_refusals_become_one_entry_per_source_and_minute(pair: Coalition) -> None:
    fra = pair["FRA"]
    clock = Frozen(utcnow().replace(second=10, microsecond=0) + timedelta(hours=1))
    fra.server = ServerThread(make_server(create_app(node=fra.node, clock=clock),
                                          host="127.0.0.1", port=0, sock=fra.sock)).start()
    fra.sock = None
    bad_signature = {"Signature-Input": 'sig1=("@method");keyid="nobody";created=1',
                     "Signature": "sig1=:AAAA:"}
    for _ in range(30):
        assert fra.api("GET", ALERTS)[0] == 401
    for _ in range(20):
        assert fra.api("GET", ALERTS, token="fts_made-up")[0] == 401
    for _ in range(5):
        assert fra.api("GET", ALERTS, headers=bad_signature)[0] == 401
    clock.at += timedelta(seconds=40)  # 12:00:50, the same minute
    for _ in range(5):
        assert fra.api("GET", ALERTS, headers={"Authorization": "Basic eDp5"})[0] == 401
    assert refused_entries(pair) == [] and pending(pair) == 60

    clock.at += timedelta(seconds=15)  # the minute has closed: the next request flushes
    assert fra.api("GET", "/api/v1/node")[0] == 200
    [entry] = refused_entries(pair)
    assert entry.actor == "system" and entry.outcome == "refused"
    assert entry.object_type == "source" and entry.object_id == "127.0.0.1"
    assert entry.detail["count"] == 60 and entry.detail["caller"] == "unauthenticated"
    assert entry.detail["minute"].endswith(":00.000000Z")
    reasons = entry.detail["reasons"]
    assert reasons["no credentials"] == 30 and reasons["invalid token"] == 20
    assert reasons["malformed authorization"] == 5
    assert sum(v for k, v in reasons.items() if k.startswith("bad request signature")) == 5
    assert pending(pair) == 0

    # A second worker on the same database counts into the same minute.
    other = Node.open(fra.home)
    try:
        client = create_app(node=other, clock=clock).test_client()
        for _ in range(3):
            assert client.get(ALERTS, environ_base={"REMOTE_ADDR": "127.0.0.1"}
                              ).status_code == 401
    finally:
        other.close()
    assert fra.api("GET", ALERTS)[0] == 401
    assert pending(pair) == 4 and len(refused_entries(pair)) == 1
    # A node that stops writes the current minute too.
    assert refusals.flush_closed(fra.node, clock.at, stopping=True) == 1
    entries = refused_entries(pair)
    assert len(entries) == 2 and entries[-1].detail["count"] == 4
    assert sum(e.detail["count"] for e in entries) == 64 and pending(pair) == 0


def test_sources_are_kept_apart_and_flushing_twice_writes_nothing(pair: Coalition) -> None:
    node = pair["FRA"].node
    at = utcnow().replace(second=5, microsecond=0) + timedelta(hours=1)
    for n in range(50):
        refusals.count(node, at + timedelta(seconds=n % 50), source=f"198.51.100.{n % 3}",
                       reason="no credentials")
    refusals.count(node, at + timedelta(minutes=1), source="198.51.100.0", reason="x")
    later = at + timedelta(minutes=1, seconds=1)
    assert refusals.flush_closed(node, later) == 3
    assert refusals.flush_closed(node, later) == 0
    entries = refused_entries(pair)
    assert sorted(e.object_id for e in entries) == ["198.51.100.0", "198.51.100.1",
                                                     "198.51.100.2"]
    assert sum(e.detail["count"] for e in entries) == 50
    assert pending(pair) == 1  # the open minute stays counted


def test_an_entry_lists_the_commonest_reasons(pair: Coalition) -> None:
    node = pair["FRA"].node
    at = utcnow().replace(second=0, microsecond=0) + timedelta(hours=1)
    for n in range(25):
        for _ in range(n + 1):
            refusals.count(node, at, source="192.0.2.1", reason=f"reason {n:02d}")
    assert refusals.flush_closed(node, at + timedelta(minutes=1)) == 1
    [entry] = refused_entries(pair)
    reasons = entry.detail["reasons"]
    assert len(reasons) == refusals.MAX_REASONS + 1 and "reason 24" in reasons
    assert reasons["other"] == sum(range(1, 6)) and entry.detail["count"] == sum(range(1, 26))
