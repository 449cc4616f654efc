"""A partner's notice whose subject or movement has the wrong shape (validly signed
and encrypted: a buggy or hostile partner node) is refused and recorded, naming the
field; the rest of the page is stored, on a node that screens on arrival and on one
that does not, and the link is not blocked."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from coalition import Coalition, Member, notice
from helpers import events, publish, report_of
from sqlalchemy import select

from fts_share.clock import utcnow
from fts_share.services import dissemination
from fts_share.services.polling import Poller
from fts_share.services.unit import Work
from fts_share.storage.models import Notice, WatchlistEntry

BOTH = ["IRQ", "MLI"]


def _send(member: Member, body: dict[str, Any]) -> str:
    notice_id = str(uuid.uuid4())
    body["handling"].update(review_date="2027-11-20", purposes=["investigation"])
    body["provenance"] = {"id": notice_id, "version": 1, "supersedes": None,
                          "origin": member.code, "officer": "officer",
                          "created": "2026-11-20T10:00:00Z", "recipients": BOTH}
    with member.node.store.transaction() as s:
        dissemination.append(Work(session=s, now=utcnow(), node=member.node),
                             payload={"notice": body},
                      kind="notice", label="AMBER", recipients=BOTH,
                      notice_id=notice_id, notice_version=1)
    return notice_id


@pytest.mark.parametrize("field,bad", [
    ("dob", "not a date"),                       # a string that is not a date
    ("dob", ["1994"]),                           # a list
    ("names", "Karim Benali"),                   # a string, not a list of names
    ("names", [{"full": 42}]),                   # a name that is not text
    ("nationalities", "FRA"),                    # a string, not a list
    ("documents", [{"number": None}]),           # a document without type or number
])
def test_a_malformed_subject_is_refused_and_the_page_goes_on(
        coalition: Coalition, field: str, bad: Any) -> None:
    fra, irq, mli = coalition["FRA"], coalition["IRQ"], coalition["MLI"]
    before = publish(fra, BOTH)
    body = notice(recipients=BOTH)
    body["subject"][field] = bad
    bad_id = _send(fra, body)
    after = publish(fra, BOTH)
    for member, report in ((irq, report_of(Poller(irq.node).poll_all(force=True), "FRA")),
                           (mli, report_of(mli.poll(), "FRA"))):  # mli screens on arrival
        assert report.ok, report.error
        assert (report.result.received, report.result.rejected) == (2, 1)
        assert [n for n, _ in report.result.notices] == [before, after]
        [refused] = events(member, "FRA", "rejected")
        assert f"notice.subject.{field}" in refused.detail
        with member.node.store.read() as s:
            assert s.scalars(select(Notice).where(Notice.notice_id == bad_id)).first() is None
            assert s.get(WatchlistEntry, f"notice:FRA:{bad_id}") is None
        # the link is not blocked: the next poll finds nothing new and no error
        again = report_of(Poller(member.node).poll_all(force=True), "FRA")
        assert again.ok and again.result.received == 0


def test_a_malformed_movement_is_refused(coalition: Coalition) -> None:
    fra, mli = coalition["FRA"], coalition["MLI"]
    body = notice(recipients=BOTH)
    body["movement"] = "departure from Paris"
    _send(fra, body)
    report = report_of(mli.poll(), "FRA")
    assert report.ok and (report.result.received, report.result.rejected) == (0, 1)
    [refused] = events(mli, "FRA", "rejected")
    assert "notice.movement" in refused.detail


def test_a_dob_shorthand_from_a_partner_is_refused_and_the_long_form_screened(
        coalition: Coalition) -> None:
    """ "dob": "1994" is a shorthand of the officer's input only: the wire carries the
    normal form (notice.schema.json#/$defs/wire), so a partner that sends the shorthand
    is refused, naming the field; the long form is screened as a date."""
    fra, mli = coalition["FRA"], coalition["MLI"]
    _send(fra, notice(recipients=BOTH, dob="1994"))
    notice_id = _send(fra, notice(recipients=BOTH, dob={"value": "1994",
                                                        "approximate": False}))
    report = report_of(mli.poll(), "FRA")
    assert report.ok and (report.result.received, report.result.rejected) == (1, 1)
    [refused] = events(mli, "FRA", "rejected")
    assert "notice.subject.dob" in refused.detail
    with mli.node.store.read() as s:
        entry = s.get(WatchlistEntry, f"notice:FRA:{notice_id}")
        assert entry is not None and entry.dobs == ["1994"]
