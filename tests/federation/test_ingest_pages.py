"""A page is stored the same whether its envelopes only insert rows (staged and written
in bulk) or read and change what is held (stored one by one, each in a savepoint): a
node that screens on arrival and one that does not end up holding the same."""

from __future__ import annotations

import uuid
from typing import Any

from coalition import Coalition, Member, notice
from helpers import events, publish, report_of
from sqlalchemy import select

from fts_share.clock import utcnow
from fts_share.services import dissemination
from fts_share.services.polling import Poller
from fts_share.services.reviewing import verify_node_log
from fts_share.services.unit import Work
from fts_share.storage.audit_tables import AuditEntry
from fts_share.storage.models import Notice, NoticeKey, Peer, ReceivedEnvelope
from fts_share.storage.notices import read_content

BOTH = ["IRQ", "MLI"]


def _bad_notice(member: Member, recipients: list[str]) -> str:
    """A validly sealed envelope whose notice lacks its handling section."""
    notice_id = str(uuid.uuid4())
    body = notice(recipients=recipients)
    del body["handling"]
    body["provenance"] = {"id": notice_id, "version": 1, "supersedes": None,
                          "origin": member.code, "officer": "officer",
                          "created": "2026-11-20T10:00:00Z", "recipients": recipients}
    with member.node.store.transaction() as s:
        dissemination.append(Work(session=s, now=utcnow(), node=member.node),
                             payload={"notice": body},
                      kind="notice", label="AMBER", recipients=recipients,
                      notice_id=notice_id, notice_version=1)
    return notice_id


def _holding(member: Member) -> dict[str, Any]:
    """What ``member`` holds: versions (status, content readable), envelopes, audit."""
    with member.node.store.read() as s:
        versions = {}
        for row in s.scalars(select(Notice).where(Notice.origin == "FRA")):
            # Content opens only with the data key of this very version (bound to it).
            readable = s.get(NoticeKey, row.id) is not None and bool(
                read_content(s, member.node.storage_key, row))
            versions[(row.notice_id, row.version)] = (row.status, row.purged_at is not None,
                                                      readable)
        received = list(s.scalars(select(ReceivedEnvelope.seq).order_by(ReceivedEnvelope.seq)))
        entries = [(e.action, e.object_type, e.object_id, e.object_version, e.outcome)
                   for e in s.scalars(select(AuditEntry).where(AuditEntry.partner == "FRA")
                                      .order_by(AuditEntry.seq))
                   if e.object_type in ("notice", "envelope")]
    return {"versions": versions, "received": received, "audit": entries}


def test_a_page_is_stored_alike_with_and_without_screening(coalition: Coalition) -> None:
    fra, irq, mli = coalition["FRA"], coalition["IRQ"], coalition["MLI"]
    first, second = publish(fra, BOTH), publish(fra, BOTH)
    bad = _bad_notice(fra, BOTH)
    status, body, _ = fra.api("PUT", f"/api/v1/notices/{first}", token="officer",
                              body=notice(recipients=BOTH, nationalities=["FRA", "DZA"]))
    assert status == 200 and body["version"] == 2
    third = publish(fra, BOTH)
    assert fra.api("POST", f"/api/v1/notices/{second}/withdraw", token="officer",
                   body={"reason": "closed"})[0] == 200
    fourth = publish(fra, BOTH)

    plain = report_of(Poller(irq.node).poll_all(force=True), "FRA")  # no screening hook
    screened = report_of(mli.poll(), "FRA")
    for report in (plain, screened):
        assert report.ok, report.error
        assert (report.pages, report.result.received, report.result.rejected) == (1, 6, 1)
        assert report.result.notices == [(first, 1), (second, 1), (first, 2), (third, 1),
                                         (fourth, 1)]
    held = _holding(irq)
    assert held == _holding(mli)
    assert held["received"] == [1, 2, 4, 5, 6, 7]
    assert held["versions"] == {
        (first, 1): ("superseded", True, False), (first, 2): ("active", False, True),
        (second, 1): ("withdrawn", True, False), (third, 1): ("active", False, True),
        (fourth, 1): ("active", False, True)}
    assert [a for a, *_ in held["audit"]] == ["receive", "receive", "reject", "purge",
                                              "receive", "receive", "purge", "withdraw",
                                              "receive"]
    [refused] = events(irq, "FRA", "rejected")
    assert refused.seq == 3 and "bad content" in refused.detail
    with irq.node.store.read() as s:
        assert s.scalars(select(Notice).where(Notice.notice_id == bad)).first() is None
    assert verify_node_log(irq.node).ok

    # Delivered again from the start: every envelope is a duplicate, nothing changes.
    with irq.node.store.transaction() as s:
        state = s.get(Peer, "FRA")
        assert state is not None
        state.cursor = 0
    again = report_of(Poller(irq.node).poll_all(force=True), "FRA")
    assert (again.result.received, again.result.duplicates, again.result.rejected) == (0, 6, 1)
    assert _holding(irq)["versions"] == held["versions"]


def test_a_version_seen_twice_on_one_page_is_refused_the_second_time(
        coalition: Coalition) -> None:
    """Two envelopes carrying the same notice version: the first is stored, the second
    refused as a fork, though the first is still only staged when the second comes."""
    fra, irq = coalition["FRA"], coalition["IRQ"]
    nid = publish(fra, ["IRQ"])
    with fra.node.store.transaction() as s:
        sealed = s.scalars(select(Notice).where(Notice.notice_id == nid)).one()
        content = read_content(s, fra.node.storage_key, sealed)
        dissemination.append(Work(session=s, now=utcnow(), node=fra.node), payload=content,
                             kind="notice",
                      label="AMBER", recipients=["IRQ"], notice_id=nid, notice_version=1)
    report = report_of(Poller(irq.node).poll_all(force=True), "FRA")
    assert report.ok and (report.result.received, report.result.rejected) == (1, 1)
    [fork] = events(irq, "FRA", "fork")
    assert fork.seq == 2 and "already received" in fork.detail
    assert _holding(irq)["received"] == [1]


def test_reshared_notices_without_screening(coalition: Coalition) -> None:
    """A re-shared notice is staged like any new version; a re-shared copy of a version
    already held only records the envelope."""
    fra, irq, mli = coalition["FRA"], coalition["IRQ"], coalition["MLI"]
    known, new = publish(fra, BOTH), publish(fra, ["IRQ"])
    report_of(Poller(irq.node).poll_all(force=True), "FRA")
    assert report_of(Poller(mli.node).poll_all(force=True), "FRA").result.received == 1
    share = {"purpose": "investigation", "legal_basis": ["UNSCR-2178"], "recipients": ["MLI"]}
    for nid in (known, new):
        status, out, _ = irq.api("POST", f"/api/v1/notices/{nid}/share", token="officer",
                                 body=share)
        assert status == 200, out
    report = report_of(Poller(mli.node).poll_all(force=True), "IRQ")
    assert report.ok, report.error
    assert (report.result.received, report.result.duplicates) == (2, 1)
    assert report.result.notices == [(new, 1)]
    status, opened, _ = mli.api("GET", f"/api/v1/notices/{new}?purpose=investigation"
                                "&legal_basis=UNSCR-2178", token="officer")
    assert status == 200 and opened["origin"] == "FRA"
    assert opened["verified_author"] == fra.node.signing.kid
    with mli.node.store.read() as s:
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.action == "receive",
                                                     AuditEntry.object_id == new)).all()
    assert entry.partner == "FRA" and entry.detail["shared_by"] == "IRQ"


def test_the_heap_is_frozen_once_per_process_at_the_first_poll(
        coalition: Coalition, monkeypatch: Any) -> None:
    """The first poll of a process moves what is alive then out of the cyclic
    collector's reach; a later poll freezes nothing more (what a freeze keeps is
    bounded by one moment's garbage), and what is received is the same."""
    import gc

    from fts_share import heap

    fra, irq = coalition["FRA"], coalition["IRQ"]
    monkeypatch.setattr(heap, "_settled", set())  # a process that has not settled yet
    gc.unfreeze()
    try:
        first = publish(fra, ["IRQ"])
        report = report_of(Poller(irq.node).poll_all(force=True), "FRA")
        assert report.ok and report.result.notices == [(first, 1)]
        frozen = gc.get_freeze_count()
        assert frozen > 0
        second = publish(fra, ["IRQ"])
        report = report_of(Poller(irq.node).poll_all(force=True), "FRA")
        assert report.ok and report.result.notices == [(second, 1)]
        assert gc.get_freeze_count() <= frozen  # (frozen objects dropped since are freed)
    finally:
        gc.unfreeze()
