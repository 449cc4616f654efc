"""Web sessions under a frozen clock the test moves (issue 14 §5): a session ends 8
hours after sign-in however busy, after 30 minutes without a request, and its cookie
replayed after sign-out opens nothing. Both stores."""

from __future__ import annotations

from datetime import datetime, timedelta

import coalition
from flask import Flask
from flask.testing import FlaskClient
from web_helpers import csrf_of, sign_in

from fts_share.app import create_app
from fts_share.clock import utcnow

COOKIE = "fts-FRA"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def frozen(pair: coalition.Coalition) -> tuple[Flask, Clock]:
    clock = Clock(utcnow())
    app = create_app(node=pair["FRA"].node, clock=clock)
    app.config["TESTING"] = True
    return app, clock


def signed_in(app: Flask, pair: coalition.Coalition) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, pair["FRA"].tokens["officer"]).status_code == 302
    return client


def sent_to_sign_in(client: FlaskClient) -> bool:
    resp = client.get("/officer/")
    return resp.status_code == 302 and resp.headers["Location"].startswith("/sign-in")


def test_a_busy_session_ends_eight_hours_after_sign_in(pair: coalition.Coalition) -> None:
    app, clock = frozen(pair)
    start = clock.now
    client = signed_in(app, pair)
    for minutes in range(20, 8 * 60, 20):  # a request every 20 minutes: never idle
        clock.now = start + timedelta(minutes=minutes)
        assert client.get("/officer/").status_code == 200, minutes
    clock.now = start + timedelta(hours=8) - timedelta(seconds=1)
    assert client.get("/officer/").status_code == 200
    clock.now = start + timedelta(hours=8)
    assert sent_to_sign_in(client)
    clock.now = start + timedelta(hours=8, minutes=1)
    assert sent_to_sign_in(client)  # ended, not renewed by the refused request


def test_a_session_ends_after_thirty_idle_minutes(pair: coalition.Coalition) -> None:
    app, clock = frozen(pair)
    start = clock.now
    client = signed_in(app, pair)
    clock.now = start + timedelta(minutes=29)
    assert client.get("/officer/").status_code == 200  # the last use moves to +29 min
    clock.now = start + timedelta(minutes=58)
    assert client.get("/officer/").status_code == 200
    clock.now = start + timedelta(minutes=88)  # exactly 30 minutes without a request
    assert sent_to_sign_in(client)
    clock.now = start + timedelta(minutes=89)
    assert sent_to_sign_in(client)


def test_a_cookie_replayed_after_sign_out_is_refused(pair: coalition.Coalition) -> None:
    app, clock = frozen(pair)
    client = signed_in(app, pair)
    stolen = client.get_cookie(COOKIE)
    assert stolen is not None and client.get("/officer/").status_code == 200
    token = csrf_of(client.get("/officer/").text)
    assert client.post("/sign-out", data={"csrf_token": token}).status_code in (302, 303)
    thief = app.test_client()
    thief.set_cookie(COOKIE, stolen.value)
    assert sent_to_sign_in(thief)
    clock.now += timedelta(minutes=1)
    assert sent_to_sign_in(thief)
    # The same cookie before sign-out worked from another client: the refusal is the
    # server's ended session, not a missing cookie.
    other = signed_in(app, pair)
    copy = app.test_client()
    copy.set_cookie(COOKIE, other.get_cookie(COOKIE).value)  # type: ignore[union-attr]
    assert copy.get("/officer/").status_code == 200
