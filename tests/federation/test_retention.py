"""Review dates: at most five years (one for minors); past them the content is purged
on every node by destroying its keys, and the audit record remains."""

from __future__ import annotations

from datetime import date, timedelta

from coalition import Coalition, notice
from sqlalchemy import select

from fts_share.clock import utcnow
from fts_share.services.polling import purge_expired
from fts_share.services.unit import Work
from fts_share.storage.audit_tables import AuditEntry
from fts_share.storage.models import Notice, NoticeKey

Q = "purpose=investigation&legal_basis=UNSCR-2178"


def test_default_review_dates_and_limits(coalition: Coalition) -> None:
    fra = coalition["FRA"]
    status, adult, _ = fra.api("POST", "/api/v1/notices", token="officer",
                               body=notice(recipients=["IRQ"]))
    assert status == 201
    today = utcnow().date()
    assert date.fromisoformat(adult["review_date"]).year == today.year + 5
    minor_body = notice(recipients=["IRQ"], minor=True)
    del minor_body["handling"]["tlp"]  # the strictest handling by default
    status, minor, _ = fra.api("POST", "/api/v1/notices", token="officer", body=minor_body)
    assert status == 201 and minor["tlp"] == "AMBER+STRICT"
    assert date.fromisoformat(minor["review_date"]) <= today.replace(year=today.year + 1)
    body = notice(recipients=["IRQ"], minor=True)
    body["handling"]["review_date"] = (today + timedelta(days=3 * 365)).isoformat()
    status, problem, _ = fra.api("POST", "/api/v1/notices", token="officer", body=body)
    assert status == 422 and "handling.review_date" in problem["errors"]
    body = notice(recipients=["IRQ"])
    body["handling"]["review_date"] = (today - timedelta(days=1)).isoformat()
    status, problem, _ = fra.api("POST", "/api/v1/notices", token="officer", body=body)
    assert status == 422 and "handling.review_date" in problem["errors"]


def test_content_is_purged_everywhere_after_the_review_date(coalition: Coalition) -> None:
    fra, irq = coalition["FRA"], coalition["IRQ"]
    body = notice(recipients=["IRQ"])
    body["handling"]["review_date"] = (utcnow().date() + timedelta(days=30)).isoformat()
    nid = fra.api("POST", "/api/v1/notices", token="officer", body=body)[1]["id"]
    irq.poll()
    later = utcnow() + timedelta(days=31)
    for member in (fra, irq):
        with member.node.store.transaction() as s:
            assert purge_expired(Work(session=s, now=utcnow(), node=member.node)) == 0
            assert purge_expired(Work(session=s, now=later, node=member.node)) == 1
        with member.node.store.read() as s:
            row = s.scalars(select(Notice).where(Notice.notice_id == nid)).one()
            assert row.status == "purged" and row.ciphertext is None
            assert s.get(NoticeKey, row.id) is None
            purges = s.scalars(select(AuditEntry).where(AuditEntry.action == "purge")).all()
            assert [(e.object_id, e.detail["reason"]) for e in purges] == [
                (nid, "review date passed")]
    assert irq.api("GET", f"/api/v1/notices/{nid}?{Q}", token="officer")[0] == 410
    _status, listing, _ = irq.api("GET", "/api/v1/notices?status=purged", token="officer")
    assert [n["id"] for n in listing["items"]] == [nid]  # the record that it existed


def test_purge_also_removes_what_screening_derived(coalition: Coalition) -> None:
    """After a withdrawal, no name of the subject stays at the recipient: not in the
    screening index, not in the explanation of an alert."""
    from fts_share.storage.alert_tables import AlertMatch
    from fts_share.storage.models import Alert, WatchlistEntry

    fra, irq = coalition["FRA"], coalition["IRQ"]
    first = notice(recipients=["IRQ"], names=[{"full": "Tarek Boukhelifa", "kind": "primary"}],
                   nationalities=["DZA"])
    second = notice(recipients=["IRQ"], names=[{"full": "طارق بوخليفة", "kind": "primary"}],
                    nationalities=["DZA"])
    a = fra.api("POST", "/api/v1/notices", token="officer", body=first)[1]["id"]
    irq.poll()
    b = fra.api("POST", "/api/v1/notices", token="officer", body=second)[1]["id"]
    irq.poll()
    with irq.node.store.read() as s:
        [alert] = s.scalars(select(Alert).where(Alert.notice_id == b)).all()
        assert "boukhelifa" in str(alert.explanation).lower()
    for nid in (a, b):
        assert fra.api("POST", f"/api/v1/notices/{nid}/withdraw", token="officer",
                       body={"reason": "closed"})[0] == 200
    irq.poll()
    with irq.node.store.read() as s:
        for entry in s.scalars(select(WatchlistEntry).where(WatchlistEntry.source == "notice")):
            assert entry.names == [] and not entry.active
        [alert] = s.scalars(select(Alert).where(Alert.notice_id == b)).all()
        assert "boukhelifa" not in str(alert.explanation).lower()
        assert alert.record_id == f"notice:FRA:{a}" and alert.score > 0.7
        for match in s.scalars(select(AlertMatch).where(AlertMatch.alert_id == alert.id)):
            assert "boukhelifa" not in str(match.explanation).lower()  # grouped matches too
