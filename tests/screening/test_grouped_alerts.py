"""Grouped alerts: a received notice's matches make one alert per subject, ranked best
first, every match stored and audited; the same person from two partners is one subject
with two sightings; the cap bounds what an alert shows; grouping off raises one alert
per match, as before. On both stores, through the poller and the API."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from coalition import Coalition, Member, notice
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from sqlalchemy import func, select

from fts_share.storage.alert_tables import AlertMatch, AlertSighting
from fts_share.storage.audit_tables import AuditEntry
from fts_share.storage.models import Alert, AlertDecision

#: 20 people with one common name, told apart by nationality (same birth year)
NATIONALITIES = ["FRA", "IRQ", "MLI", "SYR", "TUN", "MAR", "DZA", "EGY", "JOR", "LBY",
                 "SAU", "YEM", "TUR", "BEL", "DEU", "GBR", "NLD", "SWE", "ESP", "ITA"]
COMMON = [{"full": "Mohammed Ali Hassan", "kind": "primary"}]


def _publish(member: Member, recipients: list[str], **subject: Any) -> None:
    status, body, _ = member.api("POST", "/api/v1/notices", token="officer",
                                 body=notice(recipients=recipients, **subject))
    assert status == 201, body


def _poll(member: Member) -> None:
    reports = member.poll()
    assert all(r.ok for r in reports), [(r.peer, r.error) for r in reports]


def _count(member: Member, table: Any) -> int:
    with member.node.store.read() as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def _audited_matches(member: Member) -> int:
    with member.node.store.read() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEntry)
                            .where(AuditEntry.action == "match_created")) or 0)


def _alerts_answer(member: Member) -> dict[str, Any]:
    status, body, _ = member.api("GET", "/api/v1/alerts?limit=500", token="officer")
    assert status == 200, body
    _, document, _ = member.api("GET", "/api/v1/openapi.json")
    registry = Registry().with_resource("urn:openapi", DRAFT202012.create_resource(document))
    pointer = "/paths/~1api~1v1~1alerts/get/responses/200/content/application~1json/schema"
    jsonschema.Draft202012Validator({"$ref": f"urn:openapi#{pointer}"},
                                    registry=registry).validate(body)
    return dict(body)


@pytest.mark.parametrize("grouping", [True, False])
def test_a_common_name_in_20_notices_gives_one_alert_per_subject(
        coalition: Coalition, grouping: bool) -> None:
    fra, mli = coalition["FRA"], coalition["MLI"]
    mli.node.config.alerts.grouping = grouping
    mli.node.config.alerts.max_matches = 4
    for nat in NATIONALITIES:
        _publish(fra, ["MLI"], names=COMMON, nationalities=[nat])
    _poll(mli)
    matches = _count(mli, AlertMatch)
    assert matches > 40  # each notice matched several earlier ones
    assert _audited_matches(mli) == matches  # every match recorded and audited
    items = _alerts_answer(mli)["items"]
    if not grouping:  # as before grouping: one alert per match
        assert len(items) == matches
        assert all(len(a["matches"]) == 1 == a["match_count"] for a in items)
        return
    # one alert per subject: the 19 notices that matched an earlier one
    assert len(items) == len(NATIONALITIES) - 1
    assert sum(a["match_count"] for a in items) == matches
    for a in items:
        assert [s["linked_by"] for s in a["sightings"]] == ["opened"]
        scores = [m["score"] for m in a["matches"]]
        assert scores == sorted(scores, reverse=True)  # best first
        assert len(a["matches"]) == min(4, a["match_count"])  # the cap
        assert (a["record"], a["score"]) == (a["matches"][0]["record"], scores[0])
        assert {m["notice"] for m in a["matches"]} == {a["notice"]}
    assert max(a["match_count"] for a in items) > 4


def test_the_same_person_from_two_partners_is_one_subject(coalition: Coalition) -> None:
    fra, irq, mli = coalition["FRA"], coalition["IRQ"], coalition["MLI"]
    passport = [{"type": "passport", "number": "P1234567", "issuer": "FRA"}]
    _publish(fra, ["MLI"], documents=passport)  # Karim Benali, French
    _poll(mli)
    assert _count(mli, Alert) == 0  # nothing earlier to match
    # the same passport, reported by Iraq with another nationality and spelling
    _publish(irq, ["MLI"], names=[{"full": "Kareem Ben Ali", "kind": "primary"}],
             nationalities=["IRQ"], documents=passport)
    _poll(mli)
    [alert] = _alerts_answer(mli)["items"]
    assert [(s["origin"], s["linked_by"]) for s in alert["sightings"]] == [
        ("FRA", "document"), ("IRQ", "opened")]
    # a third sighting, from France again: added to the subject's alert
    _publish(fra, ["MLI"], names=[{"full": "Karim Benali", "kind": "primary"}],
             nationalities=["TUN"], documents=passport)
    _poll(mli)
    [alert] = _alerts_answer(mli)["items"]
    assert [s["origin"] for s in alert["sightings"]] == ["FRA", "IRQ", "FRA"]
    assert alert["match_count"] == _count(mli, AlertMatch) == _audited_matches(mli) >= 2
    with mli.node.store.read() as s:
        assert s.scalar(select(func.count(func.distinct(AlertSighting.alert_id)))) == 1
    # the decision endpoint answers the alert with its group
    status, decided, _ = mli.api("POST", f"/api/v1/alerts/{alert['id']}/decision",
                                 token="officer",
                                 body={"decision": "confirmed", "reason": "Same passport."})
    assert status == 200, decided
    assert decided["status"] == "confirmed"
    assert decided["sightings"] == alert["sightings"]
    assert decided["matches"] == alert["matches"]
    # a new sighting of a confirmed subject reopens its alert: the officer sees it again
    _publish(irq, ["MLI"], names=[{"full": "Kareem Ben Ali", "kind": "primary"}],
             nationalities=["SYR"], documents=passport)
    _poll(mli)
    [alert] = _alerts_answer(mli)["items"]
    assert alert["status"] == "new"
    assert [s["origin"] for s in alert["sightings"]] == ["FRA", "IRQ", "FRA", "IRQ"]
    with mli.node.store.read() as s:
        history = [(d.decision, d.actor, d.previous) for d in s.scalars(
            select(AlertDecision).where(AlertDecision.alert_id == alert["id"])
            .order_by(AlertDecision.id))]
        reopened = s.scalars(select(AuditEntry).where(
            AuditEntry.action == "match_decided", AuditEntry.actor == "system")).all()
    assert history == [("confirmed", history[0][1], "new"), ("reopened", "system", "confirmed")]
    assert [(e.object_id, e.detail["decision"]) for e in reopened] == [
        (str(alert["id"]), "reopened")]
    # a sighting that joins an alert still open leaves it as it is
    _publish(fra, ["MLI"], documents=passport)
    _poll(mli)
    with mli.node.store.read() as s:
        assert s.scalar(select(func.count()).select_from(AlertDecision)) == 2


@pytest.mark.parametrize("setting", ["grouping = 1", "max_matches = 0", "link_score = 1.5",
                                     "shown = 3"])
def test_bad_alert_settings_are_refused(tmp_path: Any, setting: str) -> None:
    from fts_share.config import load_config
    from fts_share.errors import ConfigError

    (tmp_path / "config.toml").write_text(
        f'[node]\ncode = "FRA"\nurl = "http://x"\n[alerts]\n{setting}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"alerts\."):
        load_config(tmp_path)
