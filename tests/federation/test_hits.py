"""Hit feedback between real nodes, on both stores: an officer at IRQ confirms a match
on a notice FRA published; FRA's officer sees the hit once FRA polls. The hit is sealed
to FRA alone, its revision is sent as an update, an origin that does not announce
protocol version 2 receives nothing, and tampered, replayed, misaddressed or unfounded
hits are refused and recorded."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from coalition import Coalition, Member
from helpers import Proxy, audit, events, new_roster, publish
from sqlalchemy import select

from fts_share.clock import to_rfc3339, utcnow
from fts_share.crypto.canonical import strict_loads
from fts_share.crypto.envelope import open_envelope, verify_envelope
from fts_share.crypto.keys import KeyKind, generate
from fts_share.errors import CryptoError, RosterError
from fts_share.federation.roster import Roster, build_member, roster_key_entry
from fts_share.federation.wire import violation
from fts_share.services import dissemination, hit_reports
from fts_share.services.hits import HIT_PROTOCOL
from fts_share.services.unit import Work, reading
from fts_share.services.watchlist_import import import_csv
from fts_share.storage.hit_tables import HitReport
from fts_share.storage.models import OutboxEnvelope

WATCHLIST = "id,name,aliases,dob,nationality\nW-17,Karim Ben Ali,,1994,FRA\n"


def accept_hits(c: Coalition, code: str = "FRA") -> None:
    """A roster on which ``code`` lists protocol versions 1 and 2."""
    new_roster(c, lambda entries: entries[code].__setitem__("protocols", [1, 2]))


def watch(member: Member) -> None:
    with member.node.store.transaction() as db:
        import_csv(Work(db, utcnow(), member.node), WATCHLIST, list_name="national",
                   actor="system")


def poll(member: Member) -> None:
    reports = member.poll()
    assert all(r.ok for r in reports), [(r.peer, r.error) for r in reports]


def alert_of(member: Member, notice_id: str) -> int:
    status, body, _ = member.api("GET", "/api/v1/alerts?limit=100", token="officer")
    assert status == 200, body
    [alert] = [a for a in body["items"] if a["notice"] == notice_id]
    return int(alert["id"])


def decide(member: Member, alert: int, decision: str, **extra: str) -> dict[str, Any]:
    status, body, _ = member.api("POST", f"/api/v1/alerts/{alert}/decision", token="officer",
                                 body={"decision": decision, "reason": "checked", **extra})
    assert status == 200, body
    return dict(body)


def hit_envelopes(member: Member) -> list[dict[str, Any]]:
    with member.node.store.read() as db:
        return [json.loads(e) for e in db.scalars(select(OutboxEnvelope.envelope).where(
            OutboxEnvelope.kind == "hit").order_by(OutboxEnvelope.seq))]


def open_as(envelope: dict[str, Any], member: Member) -> dict[str, Any]:
    roster = member.node.roster
    key_for = lambda who, kid: roster.key(who, kid, use="sign").key
    header = verify_envelope(envelope, key_for=key_for)
    opened = open_envelope(envelope, header, node=member.code,
                           private_keys=member.node.encryption, key_for=key_for)
    return dict(strict_loads(opened.signed))


def reported(member: Member, notice_id: str) -> list[dict[str, Any]]:
    with reading(member.node, utcnow()) as work:
        return hit_reports.reported(work, notice_id)


def held_hits(member: Member) -> int:
    with member.node.store.read() as db:
        return len(db.scalars(select(HitReport)).all())


def confirmed(c: Coalition, recipients: list[str], note: str | None = None
              ) -> tuple[str, int]:
    """FRA publishes to ``recipients``; IRQ's officer confirms the alert it raises."""
    watch(c["IRQ"])
    nid = publish(c["FRA"], recipients)
    poll(c["IRQ"])
    alert = alert_of(c["IRQ"], nid)
    decide(c["IRQ"], alert, "confirmed", **({"note": note} if note else {}))
    return nid, alert


def test_confirmed_match_reaches_the_origin_alone_and_its_revision_follows(
        coalition: Coalition) -> None:
    fra, irq, mli = coalition["FRA"], coalition["IRQ"], coalition["MLI"]
    accept_hits(coalition)
    nid, alert = confirmed(coalition, ["IRQ", "MLI"], note="Seen at Baghdad airport.")
    [envelope] = hit_envelopes(irq)
    assert violation(envelope, "envelope") is None
    assert [r["node"] for r in envelope["header"]["recipients"]] == ["FRA"]
    with pytest.raises(CryptoError):  # another recipient of the notice cannot open it
        open_as(envelope, mli)
    statement = open_as(envelope, fra)
    assert violation(statement, "statement") is None and statement["kind"] == "hit"
    hit = statement["payload"]["hit"]
    assert hit["notice"] == {"origin": "FRA", "id": nid, "version": 1}
    assert (hit["state"], hit["node"], hit["note"], hit["contact"]) == (
        "confirmed", "IRQ", "Seen at Baghdad airport.", "irq-officer")
    assert set(hit) == {"id", "notice", "state", "decided", "node", "note", "contact"}

    assert reported(fra, nid) == []  # nothing before FRA polls
    poll(fra)
    [seen] = reported(fra, nid)
    assert (seen["partner"], seen["state"], seen["note"]) == (
        "IRQ", "confirmed", "Seen at Baghdad airport.")
    status, api, _ = fra.api("GET", f"/api/v1/notices/{nid}/hits", token="officer")
    assert status == 200 and api["hits"] == [seen] and api["related"] == [
        {"kind": "hit", "partner": "IRQ", "direction": "received"}]
    assert fra.api("GET", f"/api/v1/notices/{uuid.uuid4()}/hits", token="officer")[0] == 404
    [entry] = audit(fra, "receive", "hit")
    assert entry.partner == "IRQ" and entry.object_id == nid
    poll(mli)
    assert held_hits(mli) == 0

    decide(irq, alert, "reopened")  # the officer takes the confirmation back
    assert [open_as(e, fra)["payload"]["hit"]["state"] for e in hit_envelopes(irq)] == [
        "confirmed", "withdrawn"]
    poll(fra)
    [seen] = reported(fra, nid)
    assert seen["state"] == "withdrawn"
    assert [h["state"] for h in seen["history"]] == ["confirmed", "withdrawn"]
    decide(irq, alert, "dismissed")  # nothing reported is confirmed: nothing more to say
    assert len(hit_envelopes(irq)) == 2


def test_origin_without_the_capability_receives_nothing(coalition: Coalition) -> None:
    fra, irq = coalition["FRA"], coalition["IRQ"]
    nid, alert = confirmed(coalition, ["IRQ"])
    assert hit_envelopes(irq) == []
    poll(fra)
    assert held_hits(fra) == 0 and reported(fra, nid) == []
    with reading(irq.node, utcnow()) as work:
        from fts_share.services import alerts

        feedback = alerts.get(work, alert)["hit_feedback"]
    assert feedback == {"origin": "FRA", "supported": False, "sent": []}


def forge(member: Member, hit: dict[str, Any], recipients: list[str]) -> None:
    """``member`` seals a hit of its own making (a misbehaving partner)."""
    with member.node.store.transaction() as db:
        dissemination.append(Work(db, utcnow(), member.node), payload={"hit": hit},
                             kind="hit", label="AMBER", recipients=recipients,
                             notice_id=hit["notice"]["id"], notice_version=1)


def test_replayed_unfounded_and_misaddressed_hits_are_refused(coalition: Coalition) -> None:
    fra, irq, mli = coalition["FRA"], coalition["IRQ"], coalition["MLI"]
    accept_hits(coalition)
    nid, _alert = confirmed(coalition, ["IRQ"])
    poll(fra)
    [first] = [open_as(e, fra)["payload"]["hit"] for e in hit_envelopes(irq)]
    only_mli = publish(fra, ["MLI"])
    base = {**first, "decided": to_rfc3339(utcnow())}
    forge(irq, first, ["FRA"])  # the same message again
    forge(irq, {**base, "id": str(uuid.uuid4()),
                "notice": {"origin": "FRA", "id": only_mli, "version": 1}}, ["FRA"])
    forge(irq, {**base, "id": str(uuid.uuid4()), "node": "MLI"}, ["FRA"])
    forge(irq, {**base, "id": str(uuid.uuid4())}, ["FRA", "MLI"])
    forge(irq, {**base, "id": str(uuid.uuid4()),
                "notice": {"origin": "MLI", "id": nid, "version": 1}}, ["FRA"])
    poll(fra)
    reasons = [e.detail for e in events(fra, "IRQ", "rejected")]
    assert len(reasons) == 5, reasons
    for expected, got in zip(["replay", "never sent to IRQ", "names another reporting node",
                              "not sealed to this node alone", "not of this node"],
                             reasons, strict=True):
        assert expected in got
    assert len(audit(fra, "reject", "envelope")) == 5
    assert [r["state"] for r in reported(fra, nid)] == ["confirmed"]
    assert reported(fra, only_mli) == []
    poll(mli)  # the copy sealed to MLI too is refused there: not about an MLI notice
    assert held_hits(mli) == 0 and len(events(mli, "IRQ", "rejected")) == 1


def test_tampered_hit_is_refused(coalition: Coalition) -> None:
    fra, irq = coalition["FRA"], coalition["IRQ"]

    def tamper(page: dict[str, Any]) -> dict[str, Any]:
        for env in page["envelopes"]:
            if env["header"]["kind"] == "hit":
                sig = env["ciphertext"]
                env["ciphertext"] = ("A" if sig[0] != "A" else "B") + sig[1:]
        return page

    proxy = Proxy(irq.url, mutate=tamper).start()
    try:
        def edit(entries: dict[str, dict[str, Any]]) -> None:
            entries["IRQ"]["url"] = proxy.url
            entries["FRA"]["protocols"] = [1, 2]

        irq.node.config.url = proxy.url  # IRQ verifies @target-uri against its public URL
        new_roster(coalition, edit)
        nid, _alert = confirmed(coalition, ["IRQ"])
        fra.poll()
    finally:
        proxy.stop()
    assert reported(fra, nid) == [] and held_hits(fra) == 0
    assert len(hit_envelopes(irq)) == 1  # sent, and refused on the way
    [refusal] = events(fra, "IRQ", "poll_failed")  # the page's signed index says so
    assert "does not match its index digest" in refusal.detail
    assert len(audit(fra, "reject", "feed-page")) == 1


def test_the_roster_says_who_accepts_hit_feedback() -> None:
    now = utcnow()
    key = roster_key_entry(generate(KeyKind.ED25519).public(), use="sign", valid_from=now)

    def member(**extra: Any) -> Any:
        entry = build_member(code="FRA", name="FRA", role="member", url="http://fra.example",
                             valid_from=now, keys=[key])
        doc = {"version": 1, "issued": to_rfc3339(now), "secretariat": "ed25519:x",
               "members": [{**entry, **extra}]}
        return Roster(doc).members["FRA"]

    assert member().protocols == (1,) and not member().accepts(HIT_PROTOCOL)
    assert member(protocols=[2, 1]).accepts(HIT_PROTOCOL)
    for bad in ([], ["2"], [0], "2", [True]):
        with pytest.raises(RosterError):
            member(protocols=bad)
