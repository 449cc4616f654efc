"""Signed partner requests (RFC 9421) to ``GET /api/v1/feed``: what the served node
answers to replayed, expired, foreign, altered and unsigned requests, and what it logs."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from coalition import Coalition, Member
from helpers import audit, publish
from sqlalchemy import select

from fts_share.app import create_app
from fts_share.clock import utcnow
from fts_share.crypto.httpsig import sign_request
from fts_share.crypto.keys import KeyKind, PrivateKey, generate
from fts_share.federation.feed import verify_page
from fts_share.federation.wire import violation
from fts_share.services import refusals, reviewing
from fts_share.services.node import Node
from fts_share.services.unit import unit_of_work
from fts_share.storage.models import OutboxEnvelope

FEED = "/api/v1/feed?after=0&limit=10"
PROBLEM = "application/problem+json"


def signed(member: Member, path: str, *, key: PrivateKey, now: datetime | None = None,
           ttl: int = 60) -> dict[str, str]:
    """Headers of a GET of ``member``'s ``path`` signed with ``key``."""
    return sign_request(method="GET", url=member.url + path, headers={}, body=b"", key=key,
                        now=now or utcnow(), ttl=ttl)


def assert_refused(member: Member, status: int, body: Any, headers: dict[str, str],
                   *, reason: str, code: int = 401) -> None:
    """A problem+json refusal, and an ``access_refused`` audit entry naming ``reason``."""
    assert status == code, body
    assert headers["Content-Type"].startswith(PROBLEM)
    assert body["status"] == code and body["type"].endswith(
        "unauthenticated" if code == 401 else "forbidden")
    assert body["instance"] == "/api/v1/feed"
    if code == 401:  # counted with the others of its address and minute
        with unit_of_work(member.node, utcnow()) as work:
            refusals.flush(work, closed_before=utcnow() + timedelta(minutes=2))
        last = audit(member, "access_refused")[-1]
        assert last.outcome == "refused" and last.object_id == "127.0.0.1"
        assert any(reason in r for r in last.detail["reasons"]), last.detail
        return
    last = audit(member, "access_refused")[-1]
    assert last.outcome == "refused" and last.object_id == "GET /api/v1/feed"
    assert reason in last.detail["reason"], last.detail


@pytest.fixture
def fra(coalition: Coalition) -> Member:
    fra = coalition["FRA"]
    publish(fra, ["IRQ"])
    return fra


def test_signed_request_is_served_once_and_a_replay_is_refused(coalition: Coalition,
                                                                fra: Member) -> None:
    irq = coalition["IRQ"]
    headers = signed(fra, FEED, key=irq.node.signing)
    status, page, _ = fra.api("GET", FEED, headers=headers)
    assert status == 200 and len(page["envelopes"]) == 1
    assert page["index"]["recipient"] == "IRQ"
    status, body, rh = fra.api("GET", FEED, headers=headers)
    assert_refused(fra, status, body, rh, reason="replayed")
    # The signature's reason is never shown to the caller.
    assert "replay" not in body["detail"]
    # Still refused by a freshly started node: nonces are kept in the database.
    node = Node.open(fra.home)
    try:
        client = create_app(node=node).test_client()
        resp = client.get(FEED, headers=headers, base_url=fra.url)
        assert_refused(fra, resp.status_code, resp.get_json(), dict(resp.headers),
                       reason="replayed")
    finally:
        node.close()
    assert len(audit(fra, "deliver")) == 1


def test_a_served_page_is_the_stored_envelopes_each_delivery_logged(coalition: Coalition,
                                                                     fra: Member) -> None:
    """The page is served from the stored envelope texts: it follows its schema, its
    envelopes are those the outbox holds, it verifies at the partner, and every
    delivered envelope has its own ``deliver`` entry in a log that verifies."""
    irq = coalition["IRQ"]
    publish(fra, ["IRQ"], nationalities=["FRA", "DZA"])
    publish(fra, ["IRQ"])
    status, page, rh = fra.api("GET", FEED, headers=signed(fra, FEED, key=irq.node.signing))
    assert status == 200 and rh["Content-Type"] == "application/json"
    assert violation(page, "feed-page") is None
    with fra.node.store.read() as s:
        stored = [json.loads(t) for t in s.scalars(select(OutboxEnvelope.envelope)
                                                   .order_by(OutboxEnvelope.seq))]
    assert page["envelopes"] == stored and len(stored) == 3
    verified = verify_page(page, roster=irq.node.roster, origin="FRA", recipient="IRQ",
                           after=0, limit=10, now=utcnow())
    delivered = audit(fra, "deliver", "envelope")
    assert [e.object_id for e in delivered] == [str(i.seq) for i in verified.items]
    assert {(e.actor, e.partner) for e in delivered} == {("node:IRQ", "IRQ")}
    assert reviewing.verify_node_log(fra.node).ok


def test_expired_or_future_signature_is_refused(coalition: Coalition, fra: Member) -> None:
    irq = coalition["IRQ"]
    stale = signed(fra, FEED, key=irq.node.signing, now=utcnow() - timedelta(minutes=10))
    assert_refused(fra, *fra.api("GET", FEED, headers=stale), reason="expired")
    future = signed(fra, FEED, key=irq.node.signing, now=utcnow() + timedelta(minutes=10))
    assert_refused(fra, *fra.api("GET", FEED, headers=future), reason="future")
    assert audit(fra, "deliver") == []


def test_signature_by_a_key_not_on_the_roster_is_refused(coalition: Coalition,
                                                         fra: Member) -> None:
    stranger = generate(KeyKind.ED25519)
    headers = signed(fra, FEED, key=stranger)
    assert_refused(fra, *fra.api("GET", FEED, headers=headers), reason="not on the roster")
    # A partner's encryption-key id is not a signing key either.
    assert audit(fra, "deliver") == []


def test_altered_request_is_refused(coalition: Coalition, fra: Member) -> None:
    irq = coalition["IRQ"]
    headers = signed(fra, FEED, key=irq.node.signing)
    other = "/api/v1/feed?after=0&limit=11"
    assert_refused(fra, *fra.api("GET", other, headers=headers), reason="bad signature")
    # Someone else's signature value under IRQ's parameters.
    forged = dict(headers)
    forged["Signature"] = signed(fra, FEED, key=generate(KeyKind.ED25519))["Signature"]
    assert_refused(fra, *fra.api("GET", FEED, headers=forged), reason="bad signature")
    assert audit(fra, "deliver") == []


def test_unsigned_request_is_refused(coalition: Coalition, fra: Member) -> None:
    assert_refused(fra, *fra.api("GET", FEED), reason="no credentials")
    # Half a signature is no signature.
    headers = signed(fra, FEED, key=coalition["IRQ"].node.signing)
    del headers["Signature-Input"]
    assert_refused(fra, *fra.api("GET", FEED, headers=headers), reason="missing")
    assert audit(fra, "deliver") == []


def test_users_cannot_read_the_feed(fra: Member) -> None:
    status, body, rh = fra.api("GET", FEED, token="officer")
    assert_refused(fra, status, body, rh, reason="role officer not allowed", code=403)
    status, body, rh = fra.api("GET", FEED, token="not-a-token")
    assert_refused(fra, status, body, rh, reason="invalid token")
