"""Roster rules: only newer versions signed by the pinned secretariat key are
installed, and partners that a newer roster suspends or drops are refused."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from coalition import Coalition, Member, notice
from helpers import audit, holdings, new_roster, publish, received_seqs, report_of
from nacl.bindings import crypto_core_ed25519_add
from sqlalchemy import func, select
from test_requests import FEED, assert_refused, signed

from fts_share.clock import utcnow
from fts_share.crypto.keys import KeyKind, PublicKey, generate
from fts_share.errors import RosterError
from fts_share.federation.roster import sign_roster
from fts_share.services.roster import import_roster
from fts_share.services.unit import Work
from fts_share.storage.models import RosterVersion


def _install(member: Member, doc: dict[str, Any]) -> None:
    with member.node.store.transaction() as s:
        import_roster(Work(session=s, now=utcnow(), node=member.node), doc)


def _versions(member: Member) -> int:
    with member.node.store.read() as s:
        return int(s.scalar(select(func.count()).select_from(RosterVersion)))


def _refused(member: Member, doc: dict[str, Any], match: str) -> None:
    before = (_versions(member), member.node.roster.version, len(audit(member, "roster_change")))
    with pytest.raises(RosterError, match=match):
        _install(member, doc)
    member.node.forget_roster()
    after = (_versions(member), member.node.roster.version, len(audit(member, "roster_change")))
    assert after == before


def test_older_roster_version_is_refused(coalition: Coalition) -> None:
    fra = coalition["FRA"]
    first = coalition.roster_document(version=1, now=utcnow())
    new_roster(coalition, lambda entries: None)
    assert fra.node.roster.version == 2
    _refused(fra, first, "older")
    # A newer roster with other content under the version in force: refused too.
    same = coalition.roster_document(version=2, now=utcnow(),
                                     edit=lambda entries: entries.pop())
    _refused(fra, same, "other content")
    # Re-installing the version in force changes nothing.
    with fra.node.store.read() as s:
        current = s.get(RosterVersion, 2)
        assert current is not None
    _install(fra, json.loads(current.document))
    assert _versions(fra) == 2


def test_roster_not_signed_by_the_pinned_anchor_is_refused(coalition: Coalition) -> None:
    fra = coalition["FRA"]
    impostor = generate(KeyKind.ED25519)
    body = coalition.roster_document(version=5, now=utcnow())
    forged = sign_roster(body, impostor)
    _refused(fra, forged, "pinned secretariat")
    # Claiming the pinned key id does not help: the signature does not verify.
    claimed = dict(forged, secretariat=coalition.secretariat.kid)
    _refused(fra, claimed, "bad secretariat signature")
    unsigned = {k: v for k, v in body.items() if k != "signature"}
    _refused(fra, unsigned, "not a signed roster")


def test_tampered_roster_is_refused(coalition: Coalition) -> None:
    fra = coalition["FRA"]
    good = coalition.roster_document(version=3, now=utcnow())
    for change in ("url", "status", "key", "version"):
        doc = copy.deepcopy(good)
        member = doc["members"][1]
        if change == "url":
            member["url"] = "http://127.0.0.1:9"
        elif change == "status":
            member["status"] = "suspended"
        elif change == "key":
            member["keys"][0]["revoked_at"] = None if member["keys"][0]["revoked_at"] \
                else doc["issued"]
        else:
            doc["version"] = 4
        _refused(fra, doc, "bad secretariat signature")
    _install(fra, good)
    assert fra.node.roster.version == 3


def _suspend(code: str) -> Any:
    def edit(entries: dict[str, dict[str, Any]]) -> None:
        entries[code]["status"] = "suspended"

    return edit


def test_suspended_partner_cannot_fetch_its_feed(coalition: Coalition) -> None:
    fra, irq, mli = coalition["FRA"], coalition["IRQ"], coalition["MLI"]
    publish(fra, ["IRQ"])
    new_roster(coalition, _suspend("IRQ"))
    # IRQ's own signed request is refused by FRA ...
    headers = signed(fra, FEED, key=irq.node.signing)
    assert_refused(fra, *fra.api("GET", FEED, headers=headers), reason="not an active partner")
    # ... and so is its poll, which is recorded as a failure.
    reports = irq.poll()
    r = report_of(reports, "FRA")
    assert not r.ok and "401" in (r.error or "")
    assert received_seqs(irq, "FRA") == []
    # FRA no longer polls IRQ, and cannot address a new notice to it.
    assert [r.peer for r in fra.poll()] == ["MLI"]
    before = holdings(fra)
    status, problem, _ = fra.api("POST", "/api/v1/notices", token="officer",
                                 body=notice(recipients=["IRQ"]))
    assert 400 <= status < 500 and problem["status"] == status
    assert "handling.recipients" in problem.get("errors", {}), problem
    assert holdings(fra) == before
    # Other partners are not affected.
    publish(fra, ["MLI"])
    assert report_of(mli.poll(), "FRA").result.received == 1


def test_partner_dropped_from_the_roster_is_refused(coalition: Coalition) -> None:
    fra, irq = coalition["FRA"], coalition["IRQ"]

    coalition.version += 1
    doc = coalition.roster_document(version=coalition.version, now=utcnow(),
                                    edit=lambda es: es.remove(next(e for e in es
                                                                   if e["code"] == "IRQ")))
    _install(fra, doc)
    headers = signed(fra, FEED, key=irq.node.signing)
    assert_refused(fra, *fra.api("GET", FEED, headers=headers), reason="not on the roster")


# An Ed25519 point of order 8 (the torsion subgroup): as a public key, or added to an
# honest key (a mixed-order key), no honest signer has it.
_ORDER_8 = bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")


@pytest.mark.parametrize("weak", ["identity", "order 8", "mixed order"])
def test_roster_listing_a_weak_signing_key_is_refused_naming_the_key(
        coalition: Coalition, weak: str) -> None:
    fra = coalition["FRA"]
    honest = generate(KeyKind.ED25519).public().raw
    raw = {"identity": bytes([1]) + bytes(31), "order 8": _ORDER_8,
           "mixed order": crypto_core_ed25519_add(honest, _ORDER_8)}[weak]
    key = PublicKey(kind=KeyKind.ED25519, raw=raw)

    def edit(entries: list[dict[str, Any]]) -> None:
        entries[1]["keys"][0].update(key.to_json())

    doc = coalition.roster_document(version=7, now=utcnow(), edit=edit)
    assert doc["members"][1]["keys"][0]["use"] == "sign"
    _refused(fra, doc, rf"members\.1\.keys\.0: weak ed25519 public key {key.kid}")
