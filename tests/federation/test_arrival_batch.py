"""Screening on arrival a page at a time (``arrival_screening``): the same alerts, in
the same order, with the same audit entries, as screening every notice one by one;
a notice corrected within one page is one watchlist entry; and a crash in the middle
of a page leaves nothing of that page stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from coalition import Coalition, Member, notice
from helpers import publish, report_of
from sqlalchemy import func, select

from fts_share.clock import utcnow
from fts_share.services.arrival import screen_arrivals
from fts_share.services.polling import Poller
from fts_share.services.receiving import Arrival
from fts_share.services.reviewing import verify_node_log
from fts_share.services.screening import screening_hook
from fts_share.services.unit import Work
from fts_share.services.watchlist_import import import_un_file
from fts_share.storage.alert_tables import AlertMatch, AlertSighting
from fts_share.storage.audit_tables import AuditEntry
from fts_share.storage.models import Alert, ReceivedEnvelope, WatchlistEntry

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
BOTH = ["IRQ", "MLI"]
SADDAM = [{"full": "Saddam Hussein al-Tikriti", "kind": "primary"},
          {"full": "صدام حسين التكريتي", "kind": "spelling"}]
SADDAM_DOB = {"value": "1937", "approximate": False}
KARIM = [{"full": "Karim Benali", "kind": "primary"}]
KARIM_PASSPORT = [{"type": "passport", "number": "P1234567", "issuer": "FRA"}]


def _watchlist(member: Member) -> None:
    with member.node.store.transaction() as s:
        import_un_file(Work(s, utcnow(), member.node), FIXTURES / "un-excerpt.xml",
                       actor="system")


def _alerts(member: Member) -> list[tuple[Any, ...]]:
    with member.node.store.read() as s:
        return [(a.id, a.notice_id, a.notice_version, a.record_id, a.source, a.kind,
                 a.score, a.explanation, a.measures, a.status)
                for a in s.scalars(select(Alert).order_by(Alert.id))]


def _groups(member: Member) -> list[tuple[Any, ...]]:
    """Every match and sighting each alert holds."""
    with member.node.store.read() as s:
        matches = [(m.id, m.alert_id, m.notice_id, m.notice_version, m.record_id, m.kind,
                    m.score) for m in s.scalars(select(AlertMatch).order_by(AlertMatch.id))]
        sightings = [(g.id, g.alert_id, g.notice_id, g.notice_version, g.origin,
                      g.record_id, g.linked_by)
                     for g in s.scalars(select(AlertSighting).order_by(AlertSighting.id))]
    return matches + sightings


def _match_entries(member: Member) -> list[tuple[Any, ...]]:
    with member.node.store.read() as s:
        return [(e.object_id, e.partner, e.legal_basis, e.detail)
                for e in s.scalars(select(AuditEntry).where(AuditEntry.action == "match_created")
                                   .order_by(AuditEntry.seq))]


def _traffic(fra: Member) -> None:
    """Recurring names, list hits, several pages. (No corrections or withdrawals: the
    index's (count, latest update) stamp cannot see an entry changed twice at one
    time, so one-by-one screening misses those; see the report of issue 18.)"""
    for names in (KARIM, SADDAM, KARIM, None, SADDAM, KARIM, SADDAM):
        # (Saddam as an Iraqi born in 1937, as listed: with the default subject's
        # birth year, 57 years from the list's, a name of common parts no longer alerts)
        # (Karim Benali, a name of common parts: his notices are one subject through
        # their passport; his name and full date of birth alone score just under
        # [alerts] link_score, 0.948 with reference rarity that leaves out fold 4)
        extra = ({"nationalities": ["IRQ"], "dob": {"value": "1937", "approximate": False}}
                 if names is SADDAM else {"dob": {"value": "1994-03-02", "approximate": False},
                                          "documents": KARIM_PASSPORT})
        publish(fra, BOTH, **({"names": names, **extra} if names else extra))


@pytest.mark.parametrize(("page_limit", "grouping"), [(100, True), (3, True), (100, False),
                                                      (3, False)])
def test_a_page_screened_as_a_batch_raises_what_one_by_one_screening_raises(
        coalition: Coalition, page_limit: int, grouping: bool) -> None:
    fra, irq, mli = coalition["FRA"], coalition["IRQ"], coalition["MLI"]
    for member in (irq, mli):
        _watchlist(member)
        member.node.config.federation.page_limit = page_limit
        member.node.config.alerts.grouping = grouping
    _traffic(fra)
    one_by_one = report_of(Poller(irq.node, on_notice=screening_hook(irq.node))
                           .poll_all(force=True), "FRA")
    batched = report_of(mli.poll(), "FRA")  # the poller's way: a page at a time
    assert one_by_one.ok and batched.ok, (one_by_one.error, batched.error)
    assert one_by_one.result.received == batched.result.received == 7
    alerts, groups = _alerts(mli), _groups(mli)
    matches = [g for g in groups if len(g) == 7 and isinstance(g[6], float)]
    assert len(matches) >= 6  # notices matched the list and earlier notices
    assert {m[4].startswith("notice:") for m in matches} == {True, False}  # list and notices
    if grouping:  # one alert per subject: Karim Benali, and Saddam Hussein
        assert len(alerts) == 2 < len(matches)
    else:  # one alert per match, as before grouping
        assert len(alerts) == len(matches)
    assert alerts == _alerts(irq)
    assert groups == _groups(irq)
    assert _match_entries(mli) == _match_entries(irq)
    assert len(_match_entries(mli)) == len(matches)  # every match audited
    for member in (irq, mli):
        assert verify_node_log(member.node).ok


def test_a_crash_in_the_middle_of_a_page_leaves_nothing_of_it(coalition: Coalition) -> None:
    fra, mli = coalition["FRA"], coalition["MLI"]
    _watchlist(mli)
    mli.node.config.federation.page_limit = 2
    for names in (KARIM, SADDAM, KARIM, SADDAM):
        publish(fra, ["MLI"], names=names)
    calls: list[int] = []

    def crash_on_second_page(work: Work, arrivals: list[Arrival]) -> None:
        screen_arrivals(work, arrivals)  # alerts and entries written, then the crash
        calls.append(len(arrivals))
        if len(calls) == 2:
            raise RuntimeError("power cut")

    report = report_of(Poller(mli.node, on_page=crash_on_second_page).poll_all(force=True),
                       "FRA")
    assert not report.ok and report.pages == 1
    with mli.node.store.read() as s:
        assert s.scalar(select(func.count()).select_from(ReceivedEnvelope)) == 2
        assert s.scalar(select(func.count()).select_from(WatchlistEntry)
                        .where(WatchlistEntry.source == "notice")) == 2
        first_page = {a.notice_id for a in s.scalars(select(Alert))}
        assert len(first_page) <= 2
    assert verify_node_log(mli.node).ok
    assert report_of(mli.poll(), "FRA").result.received == 2  # the page, again, whole
    with mli.node.store.read() as s:
        assert s.scalar(select(func.count()).select_from(ReceivedEnvelope)) == 4


def test_a_notice_corrected_within_a_page_is_one_entry_holding_the_correction(
        coalition: Coalition) -> None:
    fra, mli = coalition["FRA"], coalition["MLI"]
    _watchlist(mli)
    nid = publish(fra, ["MLI"], names=KARIM)
    status, body, _ = fra.api("PUT", f"/api/v1/notices/{nid}", token="officer",
                              body=notice(recipients=["MLI"], names=SADDAM,
                                          nationalities=["IRQ"], dob=SADDAM_DOB))
    assert status == 200 and body["version"] == 2
    later = publish(fra, ["MLI"], names=SADDAM, nationalities=["IRQ"], dob=SADDAM_DOB)
    report = report_of(mli.poll(), "FRA")
    assert report.ok, report.error
    assert (report.pages, report.result.received) == (1, 3)
    with mli.node.store.read() as s:
        entries = {e.data["notice"]: e for e in s.scalars(
            select(WatchlistEntry).where(WatchlistEntry.source == "notice"))}
        assert sorted(entries) == sorted([nid, later])
        assert entries[nid].names == [n["full"] for n in SADDAM]
        assert (entries[nid].data["version"], entries[nid].nationalities) == (2, ["IRQ"])
        # the later notice was screened against the correction, not the first version
        linked = set(s.scalars(select(AlertMatch.record_id)
                               .where(AlertMatch.notice_id == later)))
        assert f"notice:FRA:{nid}" in linked
