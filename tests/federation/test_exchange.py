"""Publishing and polling between real nodes over HTTP: what partners observe."""

from __future__ import annotations

from coalition import Coalition, notice
from sqlalchemy import func, select

from fts_share.storage.models import Notice, ReceivedEnvelope

PURPOSE = "?purpose=investigation&legal_basis=UNSCR-2178"


def count(member, model) -> int:  # type: ignore[no-untyped-def]
    with member.node.store.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)))


def test_published_notice_reaches_exactly_its_recipients(coalition: Coalition) -> None:
    fra, irq, mli = coalition["FRA"], coalition["IRQ"], coalition["MLI"]
    status, body, headers = fra.api("POST", "/api/v1/notices", token="officer",
                                    body=notice(recipients=["IRQ"]))
    assert status == 201, body
    nid = body["id"]
    assert headers["Location"].endswith(nid)
    [r_irq] = [r for r in irq.poll() if r.peer == "FRA"]
    assert (r_irq.ok, r_irq.result.received, r_irq.result.decrypted) == (True, 1, 1)
    assert sum(r.result.received for r in mli.poll()) == 0
    status, opened, _ = irq.api("GET", f"/api/v1/notices/{nid}{PURPOSE}", token="officer")
    assert status == 200, opened
    assert opened["notice"]["subject"]["names"][0]["full"] == "Karim Benali"
    assert opened["origin"] == "FRA" and opened["notice"]["provenance"]["officer"] == "fra-officer"
    status, problem, _ = mli.api("GET", f"/api/v1/notices/{nid}{PURPOSE}", token="officer")
    assert status == 404 and problem["status"] == 404


def test_observer_receives_only_what_is_addressed_to_observers(coalition: Coalition) -> None:
    fra, irq, mli = coalition["FRA"], coalition["IRQ"], coalition["MLI"]
    assert fra.api("POST", "/api/v1/notices", token="officer",
                   body=notice(audience="all-members"))[0] == 201
    assert fra.api("POST", "/api/v1/notices", token="officer",
                   body=notice(audience="members-and-observers"))[0] == 201
    irq.poll()
    mli.poll()
    assert count(irq, ReceivedEnvelope) == 2
    assert count(mli, ReceivedEnvelope) == 1


def test_repolling_and_redelivery_change_nothing(coalition: Coalition) -> None:
    fra, irq = coalition["FRA"], coalition["IRQ"]
    for _ in range(3):
        assert fra.api("POST", "/api/v1/notices", token="officer",
                       body=notice(recipients=["IRQ"]))[0] == 201
    irq.poll()
    irq.poll()
    assert count(irq, ReceivedEnvelope) == 3
    # Rewind the cursor: the whole link is delivered again, and nothing changes.
    from fts_share.storage.models import Peer

    with irq.node.store.transaction() as s:
        s.get(Peer, "FRA").cursor = 0  # type: ignore[union-attr]
    [report] = [r for r in irq.poll() if r.peer == "FRA"]
    assert report.result.duplicates == 3 and report.result.received == 0
    assert count(irq, ReceivedEnvelope) == 3 and count(irq, Notice) == 3


def test_update_supersedes_and_withdrawal_purges_at_recipients(coalition: Coalition) -> None:
    fra, irq = coalition["FRA"], coalition["IRQ"]
    nid = fra.api("POST", "/api/v1/notices", token="officer", body=notice(recipients=["IRQ"]))[1]["id"]
    irq.poll()
    changed = notice(recipients=["IRQ"], nationalities=["FRA", "DZA"])
    status, body, _ = fra.api("PUT", f"/api/v1/notices/{nid}", token="officer", body=changed,
                              headers={"If-Match": "v1"})
    assert status == 200 and body["version"] == 2
    irq.poll()
    status, opened, _ = irq.api("GET", f"/api/v1/notices/{nid}{PURPOSE}", token="officer")
    assert status == 200 and opened["version"] == 2
    assert opened["notice"]["subject"]["nationalities"] == ["FRA", "DZA"]
    status, _, _ = irq.api("GET", f"/api/v1/notices/{nid}{PURPOSE}&version=1", token="officer")
    assert status == 410
    status, body, _ = fra.api("POST", f"/api/v1/notices/{nid}/withdraw", token="officer",
                              body={"reason": "identity error"})
    assert status == 200, body
    irq.poll()
    status, problem, _ = irq.api("GET", f"/api/v1/notices/{nid}{PURPOSE}", token="officer")
    assert status == 410, problem
    with irq.node.store.read() as s:
        rows = s.scalars(select(Notice).where(Notice.notice_id == nid)).all()
        assert rows and all(r.ciphertext is None and r.status == "withdrawn" for r in rows)
    # A stale update is refused.
    status, problem, _ = fra.api("PUT", f"/api/v1/notices/{nid}", token="officer", body=changed)
    assert status == 409


def test_a_newer_roster_announced_by_a_partner_is_installed(coalition: Coalition) -> None:
    """Rosters travel with the feed: a partner announces its version, the poller fetches
    the document and installs it only if the pinned secretariat key signed it."""
    from fts_share.clock import utcnow
    from fts_share.services.roster import import_roster
    from fts_share.services.unit import Work

    fra, irq = coalition["FRA"], coalition["IRQ"]
    v2 = coalition.roster_document(version=2, now=utcnow())
    with fra.node.store.transaction() as s:
        import_roster(Work(session=s, now=utcnow(), node=fra.node), v2)
    irq.poll()
    irq.node.forget_roster()
    assert irq.node.roster.version == 2
    _status, body, _ = irq.api("GET", "/api/v1/audit/entries?action=roster_change",
                              token="reviewer")
    assert [e["actor"] for e in body["items"]] == ["system", "node:FRA"]
