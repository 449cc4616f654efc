"""Web sessions follow their token: a revoked or expired token opens no session, and
revoking a user's tokens ends the sessions they opened, at the next request."""

from __future__ import annotations

from datetime import datetime, timedelta

import coalition
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from web_helpers import sign_in

from fts_share.app import create_app
from fts_share.clock import utcnow
from fts_share.services import accounts, refusals, tokens
from fts_share.services.unit import unit_of_work
from fts_share.storage.account_tables import WebSession
from fts_share.storage.audit_tables import AuditEntry


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def sign_in_reasons(pair: coalition.Coalition, now: datetime) -> dict[str, int]:
    with unit_of_work(pair["FRA"].node, now) as work:
        refusals.flush(work, closed_before=now + timedelta(minutes=2))
        found = work.session.scalars(select(AuditEntry)
                                     .where(AuditEntry.action == "access_refused"))
        return {k: v for e in found for k, v in e.detail["reasons"].items()}


def test_revoking_all_tokens_ends_the_sessions_and_sign_in(app: Flask, officer: FlaskClient,
                                                           pair: coalition.Coalition) -> None:
    node = pair["FRA"].node
    with unit_of_work(node, utcnow()) as work:
        spare = accounts.issue_token_for(work, "fra-officer")
        spare_id = tokens.list_tokens(work, "fra-officer")[-1].id
    assert officer.get("/officer/").status_code == 200
    # Revoking another token of the user leaves this session alone.
    with unit_of_work(node, utcnow()) as work:
        tokens.revoke(work, "fra-officer", spare_id)
    assert officer.get("/officer/").status_code == 200
    assert sign_in(app.test_client(), spare).status_code == 401
    with unit_of_work(node, utcnow()) as work:
        tokens.revoke_all(work, "fra-officer")
    resp = officer.get("/officer/")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/sign-in")
    with node.store.read() as db:
        assert all(s.ended is not None for s in db.scalars(select(WebSession)))
    again = sign_in(app.test_client(), pair["FRA"].tokens["officer"])
    assert again.status_code == 401 and "not valid" in again.text
    assert sign_in_reasons(pair, utcnow()) == {"revoked token at sign-in": 2}
    # Other users keep their sessions.
    reviewer = app.test_client()
    assert sign_in(reviewer, pair["FRA"].tokens["reviewer"]).status_code == 302


def test_an_expired_token_opens_no_session_and_ends_its_session(
        pair: coalition.Coalition) -> None:
    start = utcnow()
    clock = Clock(start)
    app = create_app(node=pair["FRA"].node, clock=clock)
    app.config["TESTING"] = True
    with unit_of_work(pair["FRA"].node, start) as work:
        user = accounts.find_user(work, "fra-officer")
        short = accounts.issue_token(work, user, expires=start + timedelta(minutes=10))
        one_day = accounts.issue_token(work, user, days=1)
    client = app.test_client()
    assert sign_in(client, short).status_code == 302
    clock.now = start + timedelta(minutes=9)
    assert client.get("/officer/").status_code == 200
    clock.now = start + timedelta(minutes=10)
    assert client.get("/officer/").status_code == 302
    clock.now = start + timedelta(days=1)
    resp = sign_in(app.test_client(), one_day)
    assert resp.status_code == 401 and "expired" in resp.text
    assert sign_in_reasons(pair, clock.now) == {"expired token at sign-in": 1}
