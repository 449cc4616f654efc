"""Receiving with threads (``[federation] receive_threads``): the next page is fetched,
verified (and with 2 or more, opened) while this one is stored, and a page's chunks are
opened in threads beside the polling thread. What is stored, refused, audited and alerted is
the same as with the threads off; a page whose commit fails takes the page fetched
ahead of it with it; a partner that dies or drips its answer mid-prefetch fails the
poll after the pages already stored, as it does without threads."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import wait
from pathlib import Path
from typing import Any

import pytest
import test_faults as faults
from coalition import Coalition, Member
from helpers import events, peer, publish, received_seqs, report_of
from sqlalchemy import select
from test_arrival_batch import _alerts, _groups, _match_entries, _traffic, _watchlist
from test_ingest_pages import _bad_notice, _holding

from fts_share.clock import utcnow
from fts_share.config import FederationSettings, load_config
from fts_share.errors import ConfigError, FtsError
from fts_share.federation.envelopes import Receiver
from fts_share.federation.feed import VerifiedPage
from fts_share.federation.opening import Opened, open_items
from fts_share.federation.poller import fetch_page
from fts_share.services import logcheck, polling, receive_pool
from fts_share.services.arrival import arrival_screening
from fts_share.services.polling import Poller
from fts_share.services.receive_pool import ReceivePool
from fts_share.services.receiving import Arrival
from fts_share.services.unit import Work
from fts_share.storage.models import FederationEvent

BOTH = ["IRQ", "MLI"]
Fetched = list[tuple[int, int | None]]


@pytest.fixture
def pages_in_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every page, however small, opened in chunks by the opening threads."""
    monkeypatch.setattr(receive_pool, "MIN_ITEMS", 1)
    monkeypatch.setattr(receive_pool, "MIN_CHUNK", 1)


@pytest.fixture(params=[0, 1, 2], ids=["threads-off", "fetch-ahead", "open-in-threads"])
def threads(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
            pages_in_threads: None) -> Iterator[int]:
    """Pollers with ``n`` threads (0: none; 1: the next page fetched ahead; 2: and a
    thread that opens envelopes)."""
    n: int = request.param
    made: list[ReceivePool] = []

    class Counted(ReceivePool):
        def __init__(self, *, workers: int | None = None, threads: int | None = None,
                     min_items: int | None = None) -> None:
            super().__init__(workers=0, threads=n)
            made.append(self)

    monkeypatch.setattr(polling, "ReceivePool", Counted)
    yield n
    assert (sum(p.threaded_pages for p in made) > 0) == (n > 1)


@pytest.fixture
def fetched(monkeypatch: pytest.MonkeyPatch) -> Fetched:
    """The (cursor, tree size) of every page of FRA a poller fetched, in order."""
    calls: Fetched = []
    real = polling.fetch_page

    def spy(*args: Any, **kwargs: Any) -> VerifiedPage:
        if args[1].code == "FRA":
            calls.append((kwargs["cursor"], kwargs["tree_size"]))
        return real(*args, **kwargs)

    monkeypatch.setattr(polling, "fetch_page", spy)
    return calls


def _small_pages(*members: Member, limit: int = 2) -> None:
    for member in members:
        member.node.config.federation.page_limit = limit


def _refusals(member: Member) -> list[tuple[Any, ...]]:
    return [(e.kind, e.seq, e.detail) for e in events(member, "FRA")]


@pytest.mark.parametrize("scenario", [
    faults.test_bad_envelopes_in_a_signed_page_are_refused_and_skipped,
    faults.test_envelopes_from_non_members_or_for_others_are_refused,
    faults.test_envelopes_under_a_revoked_key_are_refused,
    faults.test_fork_is_detected_and_recorded,
], ids=["tampered", "wrong-recipient", "revoked-key", "replay-fork"])
def test_refusals_inside_pages_read_alike(coalition: Coalition, threads: int,
                                          scenario: Callable[[Coalition], None]) -> None:
    """The fault scenarios of ``test_faults.py``, over pages of two envelopes: their
    assertions (what is refused, with which kind and reason; what is stored and
    audited) hold with the threads on and off."""
    _small_pages(coalition["IRQ"], coalition["MLI"])
    scenario(coalition)


def test_threads_on_and_off_store_refuse_audit_and_alert_alike(
        coalition: Coalition, pages_in_threads: None, fetched: Fetched) -> None:
    fra, irq, mli = coalition["FRA"], coalition["IRQ"], coalition["MLI"]
    for member, n in ((irq, 0), (mli, 2)):
        _watchlist(member)
        member.node.config.federation.receive_threads = n
    _small_pages(irq, mli, limit=3)
    _traffic(fra)
    _bad_notice(fra, BOTH)
    faults._rewrite_outbox(fra, 2, lambda env: env.update(signature=faults.flip(
        env["signature"])))
    publish(fra, BOTH)
    off = Poller(irq.node, on_page=arrival_screening(irq.node))
    on = Poller(mli.node, on_page=arrival_screening(mli.node))
    assert (off.receive_pool.threads, on.receive_pool.threads) == (0, 2)
    reports = [report_of(p.poll_all(force=True), "FRA") for p in (off, on)]
    assert [(r.ok, r.pages, r.result.received, r.result.rejected) for r in reports] == [
        (True, 3, 7, 2)] * 2
    assert on.receive_pool.threaded_pages == 3 and off.receive_pool.threaded_pages == 0
    assert _holding(irq) == _holding(mli)
    assert _refusals(irq) == _refusals(mli) and len(_refusals(irq)) == 2
    assert _alerts(irq) == _alerts(mli) and _alerts(irq)
    assert _groups(irq) == _groups(mli)
    assert _match_entries(irq) == _match_entries(mli)
    # each page asked for once (the pages fetched ahead were used)
    assert [c for c, _ in fetched] == [0, 3, 6] * 2, fetched


def test_a_failed_commit_drops_the_page_fetched_ahead(coalition: Coalition, threads: int,
                                                      fetched: Fetched) -> None:
    fra, mli = coalition["FRA"], coalition["MLI"]
    _small_pages(mli)
    for _ in range(6):
        publish(fra, ["MLI"])
    calls: list[int] = []

    def crash_on_second_page(work: Work, arrivals: list[Arrival]) -> None:
        calls.append(len(arrivals))
        if len(calls) == 2:
            raise RuntimeError("power cut")

    report = report_of(Poller(mli.node, on_page=crash_on_second_page).poll_all(force=True),
                       "FRA")
    assert not report.ok and report.pages == 1 and "power cut" in (report.error or "")
    assert received_seqs(mli, "FRA") == [1, 2]
    # with the threads on, the third page was fetched while the second was stored
    assert [c for c, _ in fetched] == ([0, 2, 4] if threads else [0, 2])
    state = peer(mli, "FRA")
    assert state is not None and state.cursor == 2 and state.failures == 1
    again = report_of(Poller(mli.node).poll_all(force=True), "FRA")
    assert again.ok and (again.pages, again.result.received, again.result.duplicates) == (
        2, 4, 0)
    assert received_seqs(mli, "FRA") == [1, 2, 3, 4, 5, 6]
    assert events(mli, "FRA", "rejected") == []


@pytest.mark.parametrize("partner", ["dead", "slow"])
def test_a_partner_dying_or_dripping_mid_prefetch(coalition: Coalition, threads: int,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  partner: str) -> None:
    fra, mli = coalition["FRA"], coalition["MLI"]
    _small_pages(mli)
    for _ in range(5):
        publish(fra, ["MLI"])
    real = polling.fetch_page

    def second_page_fails(*args: Any, **kwargs: Any) -> VerifiedPage:
        if kwargs["cursor"] == 2:
            if partner == "dead":
                raise FtsError("FRA answered HTTP 503")
            time.sleep(0.3)  # the page comes late, while the first one is stored
        return real(*args, **kwargs)

    monkeypatch.setattr(polling, "fetch_page", second_page_fails)
    report = report_of(Poller(mli.node).poll_all(force=True), "FRA")
    if partner == "dead":
        assert not report.ok and report.pages == 1 and report.error == "FRA answered HTTP 503"
        assert received_seqs(mli, "FRA") == [1, 2]
        state = peer(mli, "FRA")
        assert state is not None and (state.cursor, state.failures) == (2, 1)
        with mli.node.store.read() as s:
            [failed] = s.scalars(select(FederationEvent)
                                 .where(FederationEvent.kind == "poll_failed")).all()
        assert failed.detail == "FRA answered HTTP 503"
        monkeypatch.setattr(polling, "fetch_page", real)
        report = report_of(Poller(mli.node).poll_all(force=True), "FRA")
        assert report.ok and (report.pages, report.result.received) == (2, 3)
    else:
        assert report.ok and (report.pages, report.result.received) == (3, 5)
    assert received_seqs(mli, "FRA") == [1, 2, 3, 4, 5]


def test_a_page_fetched_ahead_from_another_tree_size_is_fetched_again(
        coalition: Coalition, pages_in_threads: None, fetched: Fetched,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The next page is asked for ahead from the size of this page's tree head; if the
    size held after the commit is another (here: the head was not kept), it is asked
    for again from that size and the page fetched ahead is not used."""
    fra, mli = coalition["FRA"], coalition["MLI"]
    _small_pages(mli)
    mli.node.config.federation.receive_threads = 1
    for _ in range(4):
        publish(fra, ["MLI"])
    monkeypatch.setattr(logcheck, "held_size", lambda session, code: 1)
    report = report_of(Poller(mli.node).poll_all(force=True), "FRA")
    assert report.ok and (report.pages, report.result.received) == (2, 4)
    assert fetched[0][0] == 0 and fetched[-1] == (2, 1)  # the second page, from size 1
    assert len(fetched) == 3 and fetched[1][0] == 2 and fetched[1][1] != 1  # ahead
    assert received_seqs(mli, "FRA") == [1, 2, 3, 4]


@pytest.mark.parametrize("value", [-1, 65, True, "2", 1.5])
def test_a_bad_thread_count_is_refused_naming_the_setting(tmp_path: Path, value: Any) -> None:
    with pytest.raises(ConfigError, match="federation.receive_threads"):
        FederationSettings(receive_threads=value)
    with pytest.raises(ConfigError, match="receive_threads"):
        ReceivePool(threads=value)
    toml = {-1: "-1", 65: "65", True: "true", "2": '"2"', 1.5: "1.5"}[value]
    (tmp_path / "config.toml").write_text('[node]\ncode = "AAA"\nurl = "http://127.0.0.1:1"\n'
                                          f'[federation]\nreceive_threads = {toml}\n')
    with pytest.raises(ConfigError, match="federation.receive_threads"):
        load_config(tmp_path)


def test_the_default_fetches_ahead_and_opens_in_the_polling_thread() -> None:
    assert (ReceivePool(threads=0).threads, ReceivePool(threads=0).openers) == (0, 0)
    assert FederationSettings().receive_threads is None
    assert (ReceivePool().threads, ReceivePool().openers) == (1, 0)
    assert ReceivePool(threads=3).openers == 2
    # worker processes, when set, open the pages instead (the threads stay idle)
    assert ReceivePool(workers=2, threads=1, min_items=1).ahead(
        (object(),), roster=None, origin="FRA", me=None, now=None) is None  # type: ignore


def test_a_page_opened_in_threads_or_ahead_equals_one_opened_in_place(
        coalition: Coalition) -> None:
    """The same headers, contents, subjects and refusals, in page order; a page handed
    over ahead with other keys (or roster, or time) is opened again, in place."""
    fra, irq = coalition["FRA"], coalition["IRQ"]
    [publish(fra, ["IRQ"]) for _ in range(5)]
    faults._rewrite_outbox(fra, 2, lambda env: env.update(signature=faults.flip(
        env["signature"])))
    node, now = irq.node, utcnow()
    pool = ReceivePool(threads=2, min_items=1)
    try:
        page = fetch_page(Poller(node).client, node.roster.member("FRA", now=now),
                          roster=node.roster, me=node.code, cursor=0, limit=100,
                          tree_size=None, now=now)
        me = Receiver(code=node.code, keys=node.encryption)
        kwargs: dict[str, Any] = {"roster": node.roster, "origin": "FRA", "me": me, "now": now}
        here = [_plain(o) for o in open_items(page.items, **kwargs)]
        assert [_plain(o) for o in pool.open_page(page.items, **kwargs)] == here
        ahead = pool.ahead(page.items, **kwargs)
        assert ahead is not None
        assert [_plain(o) for c in ahead.chunks(page.items, **kwargs) for o in c] == here
        # handed over without the keys (every envelope would be refused): opened again
        stale = pool.ahead(page.items, **{**kwargs, "me": Receiver(code=node.code, keys={})})
        assert stale is not None
        wait([f for f in stale._futures if f is not None])  # opened (wrongly) already
        assert [_plain(o) for c in stale.chunks(page.items, **kwargs) for o in c] == here
        assert pool.threaded_pages == 3
    finally:
        pool.close()
    assert [o[3][0] is not None for o in here] == [False, True, False, False, False]


def _plain(o: Opened) -> Any:
    why = [(r.reason, r.kind) if r else None for r in (o.error, o.invalid, o.unread)]
    body = (o.opened.payload, o.opened.signed, o.opened.signature, o.opened.statement) \
        if o.opened else None
    return (o.header, body, o.read, why)
