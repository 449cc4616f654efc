"""Bearer tokens expire and can be revoked (docs/security.md, stolen token): an expired
or revoked token gets the same 401 problem+json as an unknown one, the log records why,
and a revocation holds at the very next request. The clock is passed in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from coalition import Coalition, build
from flask import Flask
from protocol.wire_schemas import check
from sqlalchemy import select

from fts_share.app import create_app
from fts_share.clock import to_rfc3339, utcnow
from fts_share.services import accounts, refusals, tokens
from fts_share.services.unit import unit_of_work
from fts_share.storage.audit_tables import AuditEntry

T0 = utcnow().replace(microsecond=0) + timedelta(hours=1)
ALERTS = "/api/v1/alerts"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def fra(tmp_path: Path, store_urls: Callable[[], str]) -> Iterator[Coalition]:
    c = build(tmp_path, store_urls, [("FRA", "member")], start=False)
    yield c
    c.close()


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def app(fra: Coalition, clock: Clock) -> Flask:
    return create_app(node=fra["FRA"].node, clock=clock)


def issue(fra: Coalition, *, at: datetime = T0, days: int | None = None,
          name: str = "fra-officer") -> str:
    with unit_of_work(fra["FRA"].node, at) as work:
        return accounts.issue_token_for(work, name, label="test", days=days)


def get(app: Flask, token: str, path: str = ALERTS) -> tuple[int, Any, str]:
    resp = app.test_client().get(path, headers={"Authorization": f"Bearer {token}"})
    return resp.status_code, resp.get_json(silent=True), resp.content_type


def refused_answer(app: Flask, token: str) -> dict[str, Any]:
    """The 401 a refused token gets: problem+json, valid against the schema."""
    status, body, ctype = get(app, token)
    assert status == 401 and ctype == "application/problem+json", (status, body)
    check(body, "problem")
    return {k: v for k, v in body.items() if k not in ("instance", "request_id")}


def refusal_reasons(fra: Coalition, clock: Clock) -> dict[str, int]:
    """The reasons of the refused requests counted so far (the minutes flushed)."""
    with unit_of_work(fra["FRA"].node, clock.now) as work:
        refusals.flush(work, closed_before=clock.now + timedelta(minutes=2))
        entries = list(work.session.scalars(select(AuditEntry)
                                            .where(AuditEntry.action == "access_refused")))
    reasons: dict[str, int] = {}
    for entry in entries:
        for reason, n in entry.detail["reasons"].items():
            reasons[reason] = reasons.get(reason, 0) + n
    return reasons


def test_a_token_expires_after_the_configured_days(fra: Coalition, app: Flask,
                                                   clock: Clock) -> None:
    assert fra["FRA"].node.config.api.token_days == 90
    token = issue(fra)
    with unit_of_work(fra["FRA"].node, T0) as work:
        [listed] = [t for t in tokens.list_tokens(work, "fra-officer") if t.label == "test"]
    assert listed.expires == T0 + timedelta(days=90)
    clock.now = T0 + timedelta(days=90) - timedelta(seconds=1)
    assert get(app, token)[0] == 200
    clock.now = T0 + timedelta(days=90)
    expired = refused_answer(app, token)
    # The same opaque answer as a token that never existed; only the log knows why.
    assert expired == refused_answer(app, "fts_" + "A" * 43)
    assert refusal_reasons(fra, clock) == {"expired token": 1, "invalid token": 1}


def test_expires_in_overrides_the_default_and_zero_never_expires(fra: Coalition, app: Flask,
                                                                 clock: Clock) -> None:
    one_day = issue(fra, days=1)
    forever = issue(fra, days=0)
    clock.now = T0 + timedelta(days=1, seconds=1)
    refused_answer(app, one_day)
    clock.now = T0 + timedelta(days=36_500)
    assert get(app, forever)[0] == 200
    # token_days = 0 in the node's configuration: new tokens never expire.
    fra["FRA"].node.config.api.token_days = 0
    default_forever = issue(fra)
    assert get(app, default_forever)[0] == 200
    with unit_of_work(fra["FRA"].node, clock.now) as work:
        states = [(t.expires, t.state) for t in tokens.list_tokens(work, "fra-officer")
                  if t.label == "test"]
    assert states == [(T0 + timedelta(days=1), "expired"), (None, "active"), (None, "active")]


def test_revoking_holds_at_the_next_request(fra: Coalition, app: Flask,
                                            clock: Clock) -> None:
    first, second = issue(fra), issue(fra)
    assert get(app, first)[0] == 200 and get(app, second)[0] == 200
    with unit_of_work(fra["FRA"].node, T0) as work:
        first_id = max(t.id for t in tokens.list_tokens(work, "fra-officer")) - 1
        assert tokens.revoke(work, "fra-officer", first_id) == [first_id]
        assert tokens.revoke(work, "fra-officer", first_id) == []  # already revoked
    refused_answer(app, first)
    assert get(app, second)[0] == 200
    with unit_of_work(fra["FRA"].node, T0) as work:
        revoked = tokens.revoke_all(work, "fra-officer", actor="user:ops@cli")
    assert first_id not in revoked and len(revoked) == 2  # the fixture's token and second
    refused_answer(app, second)
    assert refusal_reasons(fra, clock) == {"revoked token": 2}
    # Another user's tokens are untouched.
    assert get(app, fra["FRA"].tokens["reviewer"], "/api/v1/audit/tree-head")[0] == 200


def test_issues_and_revocations_are_logged_in_the_schema(fra: Coalition, app: Flask) -> None:
    token = issue(fra, days=7)
    with unit_of_work(fra["FRA"].node, T0) as work:
        fixture_id, token_id = (t.id for t in tokens.list_tokens(work, "fra-officer"))
        tokens.revoke(work, "fra-officer", token_id, actor="user:ops@cli")
        tokens.revoke_all(work, "fra-officer")
    status, page, _ = get(app, fra["FRA"].tokens["reviewer"],
                          "/api/v1/audit/entries?action=user_change&object_id=fra-officer")
    assert status == 200
    check(page, "audit-entries")
    changes = [(e["actor"], e["detail"]) for e in page["items"]]
    assert ("system", {"change": "token_issued", "token_id": token_id,
                       "expires": to_rfc3339(T0 + timedelta(days=7))}) in changes
    assert ("user:ops@cli", {"change": "token_revoked", "scope": "one",
                             "token_ids": [token_id]}) in changes
    assert ("system", {"change": "token_revoked", "scope": "all",
                       "token_ids": [fixture_id]}) in changes
    assert token not in str(page)
