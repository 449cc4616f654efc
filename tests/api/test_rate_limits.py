"""Abuse limits seen from outside, over real HTTP (issue 14 §2): a client over its limit
gets 429 problem+json with Retry-After; clients are told apart by bearer token, partner
signing key or address; X-Forwarded-For is believed from trusted proxies only."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from coalition import Coalition, Member, build
from sqlalchemy import select

from fts_share.app import create_app
from fts_share.clock import utcnow
from fts_share.config import LimitsSettings
from fts_share.crypto.httpsig import sign_request
from fts_share.http.clients import forwarded_client, networks
from fts_share.services import refusals
from fts_share.services.serving import ServerThread, make_server
from fts_share.services.unit import unit_of_work
from fts_share.storage.audit_tables import AuditEntry

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
PROBLEM = "application/problem+json"
NODE = "/api/v1/node"
ALERTS = "/api/v1/alerts"
FEED = "/api/v1/feed?after=0&limit=10"


def problem_schema() -> dict[str, Any]:
    return dict(json.loads((SCHEMAS / "problem.schema.json").read_text()))


def assert_throttled(status: int, body: Any, headers: dict[str, str], path: str) -> None:
    """A 429 problem document that a client can act on."""
    assert status == 429, body
    assert headers["Content-Type"].startswith(PROBLEM)
    assert body["type"].endswith("/rate-limited") and body["status"] == 429
    assert body["instance"] == path.split("?")[0]
    jsonschema.validate(body, problem_schema())
    assert 1 <= int(headers["Retry-After"]) <= 61  # the window, rounded up


@pytest.fixture
def limited(tmp_path: Path, store_urls: Callable[[], str]
            ) -> Iterator[Callable[..., Coalition]]:
    """A FRA-IRQ pair whose FRA runs with the given ``[limits]`` settings."""
    made: list[Coalition] = []

    def make(**settings: Any) -> Coalition:
        c = build(tmp_path, store_urls, [("FRA", "member"), ("IRQ", "member")], start=False)
        made.append(c)
        fra = c["FRA"]
        fra.node.config.limits = LimitsSettings(**settings)
        # As ``fts-share serve`` does: waitress passes X-Forwarded-For on to the app
        # only when the node trusts proxies.
        fra.server = ServerThread(make_server(
            create_app(node=fra.node), host="127.0.0.1", port=0, threads=4, sock=fra.sock,
            trust_forwarded=bool(fra.node.config.limits.trusted_proxies))).start()
        fra.sock = None
        return c

    yield make
    for c in made:
        c.close()


def audit(member: Member, action: str) -> list[AuditEntry]:
    with member.node.store.read() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.seq)))


def flush(member: Member) -> None:
    with unit_of_work(member.node, utcnow()) as work:
        refusals.flush(work, closed_before=utcnow() + timedelta(minutes=2))


def test_an_address_over_its_limit_gets_429_and_the_refusals_are_counted(
        limited: Callable[..., Coalition]) -> None:
    fra = limited(per_address="5 per minute")["FRA"]
    for _ in range(5):
        assert fra.api("GET", NODE)[0] == 200
    for _ in range(3):
        assert_throttled(*fra.api("GET", NODE), NODE)
    # Every route of the node shares the address's allowance, the web pages too.
    assert_throttled(*fra.api("GET", FEED), FEED)
    assert fra.api("GET", "/sign-in")[0] == 429
    flush(fra)
    entry = audit(fra, "access_refused")[-1]
    assert entry.object_id == "127.0.0.1" and entry.detail["count"] == 5
    assert entry.detail["reasons"] == {"rate limited (address)": 5}


def test_clients_are_limited_apart(limited: Callable[..., Coalition]) -> None:
    c = limited(per_client="3 per minute")
    fra, irq = c["FRA"], c["IRQ"]
    for _ in range(3):
        assert fra.api("GET", ALERTS, token="officer")[0] == 200
    assert_throttled(*fra.api("GET", ALERTS, token="officer"), ALERTS)
    # Another token, a partner's signing key and anonymous callers have their own.
    assert fra.api("GET", "/api/v1/audit/tree-head", token="reviewer")[0] == 200
    for _ in range(3):
        headers = sign_request(method="GET", url=fra.url + FEED, headers={}, body=b"",
                               key=irq.node.signing, now=utcnow())
        assert fra.api("GET", FEED, headers=headers)[0] == 200
    headers = sign_request(method="GET", url=fra.url + FEED, headers={}, body=b"",
                           key=irq.node.signing, now=utcnow())
    assert_throttled(*fra.api("GET", FEED, headers=headers), FEED)
    assert fra.api("GET", NODE)[0] == 200
    # Made-up tokens do not spend the officer's allowance, nor escape the address's.
    assert fra.api("GET", ALERTS, token="fts_made-up")[0] == 401
    assert fra.api("GET", ALERTS, token="reviewer")[0] == 403


def test_a_spoofed_forwarded_for_is_ignored(limited: Callable[..., Coalition]) -> None:
    fra = limited(per_address="2 per minute")["FRA"]
    for n in range(2):
        headers = {"X-Forwarded-For": f"203.0.113.{n}"}
        assert fra.api("GET", NODE, headers=headers)[0] == 200
    assert_throttled(*fra.api("GET", NODE, headers={"X-Forwarded-For": "203.0.113.9"}), NODE)


def test_forwarded_for_from_a_trusted_proxy_names_the_client(
        limited: Callable[..., Coalition]) -> None:
    fra = limited(per_address="2 per minute", trusted_proxies=("127.0.0.1",))["FRA"]
    # The proxy appends the address it saw; what the client wrote on the left is ignored.
    for spoof in ("198.51.100.1", "198.51.100.2"):
        headers = {"X-Forwarded-For": f"{spoof}, 203.0.113.7"}
        assert fra.api("GET", NODE, headers=headers)[0] == 200
    status, body, rh = fra.api("GET", NODE, headers={"X-Forwarded-For": "203.0.113.7"})
    assert_throttled(status, body, rh, NODE)
    assert fra.api("GET", NODE, headers={"X-Forwarded-For": "203.0.113.8"})[0] == 200
    assert fra.api("GET", ALERTS, token="fts_bad", headers={"X-Forwarded-For": "203.0.113.8"}
                   )[0] == 401
    flush(fra)
    sources = {e.object_id: e.detail["reasons"] for e in audit(fra, "access_refused")}
    assert sources == {"203.0.113.7": {"rate limited (address)": 1},
                       "203.0.113.8": {"invalid token": 1}}


def test_forwarded_client_reads_from_the_right() -> None:
    trusted = networks(("10.0.0.0/8", "127.0.0.1"))
    assert forwarded_client("192.0.2.1", ["203.0.113.7"], trusted) == "192.0.2.1"
    assert forwarded_client("10.1.1.1", ["1.1.1.1, 203.0.113.7, 10.2.2.2"],
                            trusted) == "203.0.113.7"
    assert forwarded_client("127.0.0.1", ["203.0.113.7", "10.2.2.2"], trusted) == "203.0.113.7"
    assert forwarded_client("127.0.0.1", ["not-an-address, 10.2.2.2"], trusted) == "10.2.2.2"
    assert forwarded_client("127.0.0.1", [], trusted) == "127.0.0.1"
    assert forwarded_client("127.0.0.1", ["203.0.113.7"], ()) == "127.0.0.1"
