"""Roster freshness: a roster issued longer ago than ``federation.roster_warn_days`` is
reported (node info, the admin page, one logged warning a day); one older than
``roster_max_days`` stops the node polling and serving partners (503 problem+json
naming the roster) until a fresher roster is imported. Time is a frozen clock."""

from __future__ import annotations

import logging
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from coalition import Coalition
from helpers import publish, received_seqs
from protocol import wire_schemas

from fts_share.clock import utcnow
from fts_share.config import FederationSettings
from fts_share.errors import ConfigError
from fts_share.federation.freshness import AGING, FRESH, STALE, assess
from fts_share.federation.http import PartnerClient
from fts_share.services import roster as roster_service
from fts_share.services.polling import Poller

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))

T0 = datetime(2026, 12, 5, 12, 0, tzinfo=utcnow().tzinfo)
QUERY = {"purpose": "investigation", "legal_basis": ["UNSCR-2178"], "name": "Omar Khalid"}


def _issue(c: Coalition, *, age_days: float) -> int:
    """Publish the next roster version, issued ``age_days`` before now, to everyone."""
    c.version += 1
    c.publish_roster(c.roster_document(version=c.version,
                                       now=utcnow() - timedelta(days=age_days)))
    return c.version


@pytest.mark.parametrize(("age", "state"), [(0, FRESH), (29.9, FRESH), (30, AGING),
                                            (89.9, AGING), (90, STALE), (400, STALE)])
def test_states_at_the_thresholds(age: float, state: str) -> None:
    found = assess(version=3, issued=T0, now=T0 + timedelta(days=age), warn_days=30,
                   max_days=90)
    assert found.state == state
    assert found.stale == (state == STALE)


def test_zero_turns_a_threshold_off_and_a_future_roster_is_fresh() -> None:
    old = T0 + timedelta(days=5000)
    assert assess(version=1, issued=T0, now=old, warn_days=0, max_days=0).state == FRESH
    assert assess(version=1, issued=T0, now=old, warn_days=30, max_days=0).state == AGING
    assert assess(version=1, issued=T0, now=old, warn_days=0, max_days=90).state == STALE
    early = assess(version=1, issued=T0, now=T0 - timedelta(days=2), warn_days=1, max_days=2)
    assert early.state == FRESH and early.age_days == 0


@pytest.mark.parametrize("settings", [{"roster_warn_days": -1}, {"roster_max_days": "90"},
                                      {"roster_warn_days": True},
                                      {"roster_warn_days": 100, "roster_max_days": 90}])
def test_bad_settings_are_refused(settings: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match="federation.roster_"):
        FederationSettings(**settings)  # type: ignore[arg-type]


def test_aging_roster_is_reported_and_logged_once_a_day(coalition: Coalition,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    irq = coalition["IRQ"]
    version = _issue(coalition, age_days=40)
    status, info, _ = irq.api("GET", "/api/v1/node")
    assert status == 200
    wire_schemas.check(info, "node-info")
    assert info["roster"]["version"] == version
    assert info["roster"]["freshness"]["state"] == "aging"
    assert info["roster"]["freshness"]["warn_days"] == 30
    # Partners are served as before.
    fra = coalition["FRA"]
    feed = PartnerClient(key=fra.node.signing).request(
        "GET", f"{irq.url}/api/v1/feed?after=0&limit=10", now=utcnow())
    assert feed.status == 200
    # One warning per day, at most (frozen times).
    now = utcnow()
    irq.node.caches.pop(roster_service._LOGGED, None)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="fts_share.services.roster"):
        for step in (0, 1, 2):
            roster_service.freshness(irq.node, now=now + timedelta(hours=step))
        roster_service.freshness(irq.node, now=now + timedelta(hours=25))
    warnings = [r.getMessage() for r in caplog.records if "roster_warn_days" in r.getMessage()]
    assert len(warnings) == 2, warnings
    assert f"version {version}" in warnings[0]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_admin_page_says_the_roster_is_aging_or_stale(coalition: Coalition, lang: str) -> None:
    from page_tour import client_of

    irq = coalition["IRQ"]
    client = client_of(irq, "admin", lang)
    assert 'id="roster-freshness"' not in client.get("/admin/peers").text
    _issue(coalition, age_days=40)
    html = client.get("/admin/peers").text
    assert 'id="roster-freshness"' in html and 'class="warning"' in html
    _issue(coalition, age_days=100)
    html = client.get("/admin/peers").text
    assert 'id="roster-freshness"' in html and 'role="alert"' in html


def test_stale_roster_stops_polling_and_serving_until_a_fresh_one(coalition: Coalition) -> None:
    irq, fra = coalition["IRQ"], coalition["FRA"]
    publish(fra, ["IRQ"])
    stale = _issue(coalition, age_days=95)
    frozen = utcnow()
    # Served to no partner: 503 problem+json naming the stale roster.
    client = PartnerClient(key=fra.node.signing)
    for method, path, body in (("GET", "/api/v1/feed?after=0&limit=10", None),
                               ("POST", "/api/v1/screen", QUERY)):
        answer = client.request(method, irq.url + path, now=utcnow(), body=body)
        assert answer.status == 503
        assert answer.content_type == "application/problem+json"
        problem = answer.json()
        wire_schemas.check(problem, "problem")
        assert problem["type"].endswith("/unavailable")
        assert problem["roster_version"] == stale and "roster_max_days" in problem["detail"]
    status, info, _ = irq.api("GET", "/api/v1/node")
    assert status == 200 and info["roster"]["freshness"]["state"] == "stale"
    # Officers still screen locally.
    status, _, _ = irq.api("POST", "/api/v1/screen", token="officer", body=QUERY)
    assert status == 200
    # No poll: nothing is fetched.
    assert Poller(irq.node, clock=lambda: frozen).poll_all(force=True) == []
    assert received_seqs(irq, "FRA") == []
    # A fresher roster: polling and serving resume.
    _issue(coalition, age_days=0)
    reports = Poller(irq.node, clock=lambda: frozen).poll_all(force=True)
    assert {r.peer for r in reports} == {"FRA", "MLI"} and all(r.ok for r in reports)
    assert received_seqs(irq, "FRA") == [1]
    answer = client.request("GET", f"{irq.url}/api/v1/feed?after=0&limit=10", now=utcnow())
    assert answer.status == 200
