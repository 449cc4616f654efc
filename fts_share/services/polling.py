"""Polling: a round over the partners' feeds (fetch, verify, ingest, back off from
failures), and the retention purge that runs with it.

Each partner is polled in its own thread, so a partner that is down, slow or answers
garbage does not hold up the others: :meth:`Poller.poll_all` polls them all in parallel
and waits for the last (the ``poll`` command, tests); :meth:`Poller.poll_due`, which
the background poller calls, starts every partner that is not being polled already and
returns at once (:mod:`fts_share.services.scheduling`), so a partner that drips its
answer holds its own slot until its request deadline and nobody else's round, and
failing partners are polled in slots of their own. A page and the partner's new
cursor are committed in one transaction; a redelivered envelope changes nothing.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from fts_share import heap
from fts_share.audit.log import record
from fts_share.clock import Clock, utcnow
from fts_share.errors import FtsError
from fts_share.federation.envelopes import Receiver
from fts_share.federation.feed import VerifiedPage
from fts_share.federation.http import PartnerClient
from fts_share.federation.poller import MAX_PAGES_PER_POLL, PeerReport, backoff_seconds, fetch_page
from fts_share.federation.roster import Member, Roster
from fts_share.services import logcheck, metrics
from fts_share.services.node import Node
from fts_share.services.receive_pool import Opening, ReceivePool
from fts_share.services.receiving import NoticeHook, PageHook, ingest_page, purge_version
from fts_share.services.roster import freshness, import_roster
from fts_share.services.scheduling import PeerScheduler
from fts_share.services.unit import Work
from fts_share.storage.audit_store import audit_store
from fts_share.storage.inbox import SqlInbox
from fts_share.storage.models import Peer
from fts_share.storage.notices import due_for_purge

log = logging.getLogger(__name__)

__all__ = ["PeerReport", "Poller", "purge_expired"]


def purge_expired(work: Work) -> int:
    """Purge every notice version whose review date has passed; return how many."""
    rows = due_for_purge(work.session, now=work.now)
    for row in rows:
        purge_version(work, row, reason="review date passed", actor="system")
        row.status = "purged"
    return len(rows)


class Poller:
    """Polls the partners of ``node``; ``clock`` is the only source of time."""

    def __init__(self, node: Node, *, clock: Clock = utcnow,
                 on_notice: NoticeHook | None = None, on_page: PageHook | None = None,
                 after_page: Callable[[str, int], None] | None = None) -> None:
        self.node, self.clock, self.on_notice, self.on_page = node, clock, on_notice, on_page
        settings = node.config.federation
        self.settings = settings
        self.client = PartnerClient(key=node.signing, timeout=settings.request_timeout,
                                    ttl=settings.signature_ttl)
        self.after_page = after_page
        # The next page is fetched ahead; large pages are verified and decrypted in
        # opening threads or worker processes (closed with us).
        self.receive_pool = ReceivePool(workers=settings.receive_workers,
                                        threads=settings.receive_threads)
        # Partners are fetched in parallel; on SQLite (one writer at a time) their pages
        # are committed one after the other rather than contending for the lock.
        self._commit_lock: Any = (threading.Lock() if node.store.dialect == "sqlite"
                                  else contextlib.nullcontext())
        self._scheduler: PeerScheduler | None = None

    def partners(self) -> list[Member]:
        """The active partners under the newest roster installed (by any process);
        none while that roster is stale (older than ``federation.roster_max_days``:
        logged, see :func:`fts_share.services.roster.freshness`)."""
        self.node.refresh_roster()
        now = self.clock()
        if freshness(self.node, now=now).stale:
            return []
        return self.node.roster.partners(exclude=self.node.code, now=now)

    def poll_due(self, *, slow_after: float | None = None) -> list[str]:
        """Start a poll of every active partner not being polled now, as slots allow,
        and return without waiting; the codes started now (the others start as slots
        free up). ``federation.poll_slots`` answering partners are polled at once, and
        beside them a quarter as many failing ones or polls slower than
        ``slow_after`` seconds (:mod:`fts_share.services.scheduling`). Partners in
        back-off skip themselves."""
        if self._scheduler is None:
            self._scheduler = PeerScheduler(self.poll_peer, slots=self.settings.poll_slots,
                                            slow_after=slow_after)
        return self._scheduler.tick(self.partners())

    def close(self) -> None:
        """Wait for the polls that :meth:`poll_due` started (each ends by its deadline),
        then stop the receiving worker processes."""
        try:
            if self._scheduler is not None:
                self._scheduler.close()
        finally:
            self.receive_pool.close()

    def poll_all(self, *, force: bool = False) -> list[PeerReport]:
        """Poll every active partner once (in parallel); ``force`` ignores back-off.
        The round collects garbage less often (:func:`fts_share.heap.fewer_collections`:
        an envelope's containers are freed by reference counting). The receiving
        worker processes are stopped when the round ends."""
        partners = self.partners()
        if not partners:
            return []
        try:
            with heap.fewer_collections(), \
                    ThreadPoolExecutor(max_workers=min(16, len(partners))) as pool:
                return list(pool.map(lambda m: self.poll_peer(m, force=force), partners))
        finally:
            self.receive_pool.close()

    def poll_peer(self, member: Member, *, force: bool = False) -> PeerReport:
        """Fetch and ingest ``member``'s feed until caught up (bounded per call)."""
        heap.settle_once("first poll")  # the long-lived heap, out of the collector's reach
        report = PeerReport(peer=member.code)
        with self.node.store.read() as session:
            peer = session.get(Peer, member.code)
            cursor = peer.cursor if peer else 0
            held_seq = peer.last_seq if peer else 0
            waiting = peer.next_attempt if peer else None
            tree_size = logcheck.held_size(session, member.code)
        if waiting is not None and waiting > self.clock() and not force:
            report.skipped = True
            return report
        try:
            self._poll_pages(member, report, cursor=cursor, tree_size=tree_size,
                             held_seq=held_seq)
        except Exception as exc:
            if not isinstance(exc, FtsError):
                log.exception("poll of %s failed unexpectedly", member.code)
            report.ok, report.error = False, str(exc) or type(exc).__name__
            try:
                self._failed(member.code, report.error)
            except Exception:
                log.exception("could not record the failed poll of %s", member.code)
        metrics.observe_poll(self.node.code, report)
        return report

    def _poll_pages(self, member: Member, report: PeerReport, *, cursor: int,
                    tree_size: int | None, held_seq: int = 0) -> None:
        """Fetch, verify and commit pages until caught up (or the bound per poll). With
        ``receive_threads`` (1 or more), the next page is fetched, verified and handed
        to the opening threads, if any, while this one is stored (:class:`_Ahead`)."""
        fetch = partial(self._fetch, member, held_seq=held_seq)
        with self._fetcher() as fetcher:
            now = self.clock()
            got = fetch(cursor=cursor, tree_size=tree_size, now=now, roster=self.node.roster), now
            for n in range(1, MAX_PAGES_PER_POLL + 1):
                (page, opening), now = got
                if page.roster_version and page.roster_version > self.node.roster.version:
                    self._update_roster(member, now=now)
                more = bool(page.items) and page.next < page.head and n < MAX_PAGES_PER_POLL
                ahead = (_Ahead.start(fetcher, fetch, page, tree_size=tree_size,
                                      roster=self.node.roster, now=self.clock())
                         if fetcher is not None and more else None)
                try:
                    tree_size = self._commit_page(member, page, report, now=now, more=more,
                                                  opening=opening)
                    report.pages += 1
                    if self.after_page is not None:
                        self.after_page(member.code, page.next)
                except BaseException:
                    if ahead is not None:  # the next page is given up, unread
                        ahead.drop()
                    raise
                if not more:
                    break
                taken = ahead.take(tree_size, self.node.roster) if ahead else None
                if taken is None:  # not fetched ahead, or not as it must be asked for now
                    now = self.clock()
                    taken = fetch(cursor=page.next, tree_size=tree_size, now=now,
                                  roster=self.node.roster), now
                got = taken

    def _fetch(self, member: Member, *, cursor: int, tree_size: int | None, now: datetime,
               roster: Roster, held_seq: int,
               early: bool = False) -> tuple[VerifiedPage, Opening | None]:
        """Fetch and verify a page; ``early`` (the next page, while this one is stored):
        and start opening it in the opening threads (if it would be opened there)."""
        # The signing key the roster in force lists (a rotation takes over at once).
        self.client.key = self.node.signer()
        page = fetch_page(self.client, member, roster=roster, me=self.node.code,
                          cursor=cursor, limit=self.settings.page_limit,
                          tree_size=tree_size, now=now,
                          max_bytes=self.settings.max_page_bytes, held_seq=held_seq)
        if not early:
            return page, None
        me = Receiver(code=self.node.code, keys=self.node.encryption)
        return page, self.receive_pool.ahead(page.items, roster=roster, origin=page.origin,
                                             me=me, now=now)

    def _fetcher(self) -> contextlib.AbstractContextManager[ThreadPoolExecutor | None]:
        """The thread that fetches the next page of one poll (none if ``receive_threads``
        is 0); leaving it waits for a fetch under way (at most ``request_timeout``)."""
        if self.receive_pool.threads < 1:
            return contextlib.nullcontext()
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="fts-share prefetch")

    def _commit_page(self, member: Member, page: VerifiedPage, report: PeerReport, *,
                     now: datetime, more: bool = True,
                     opening: Opening | None = None) -> int | None:
        """Ingest a page with the partner's tree heads and findings, in one transaction;
        with ``more`` (another page follows) return the size of the partner's largest
        head now held, for the next page's consistency proof (None otherwise: the poll
        ends, and the next one reads it again)."""
        with self._commit_lock, self.node.store.transaction() as session:
            work = Work(session=session, now=now, node=self.node)
            # Held here from the start: the session keeps only weak references to rows
            # it has flushed, and the page's ingest would otherwise read it once more.
            peer = SqlInbox(session).peer(member.code)
            result = ingest_page(work, page=page, on_notice=self.on_notice,
                                 on_page=self.on_page,
                                 opener=opening.chunks if opening
                                 else self.receive_pool.open_chunks)
            logcheck.check_page(work, page)
            tree_size = logcheck.held_size(session, member.code) if more else None
            peer.failures, peer.next_attempt = 0, None
            peer.last_success, peer.last_error = now, None
        report.result.add(result)
        return tree_size

    def _update_roster(self, member: Member, *, now: datetime) -> None:
        """Fetch the newer roster a partner announces; install it if the secretariat
        signed it (the pinned anchor decides, not the partner). A refused document is
        logged; polling goes on under the roster in force."""
        try:
            resp = self.client.request("GET", f"{member.url}/api/v1/roster", now=now)
            with self.node.store.transaction() as session:
                import_roster(Work(session=session, now=now, node=self.node), resp.json(),
                               actor=f"node:{member.code}")
        except FtsError as exc:
            with self.node.store.transaction() as session:
                record(audit_store(session), now=now, actor=f"node:{member.code}", action="reject",
                       object_type="roster", object_id=member.code, partner=member.code,
                       outcome="refused", detail={"reason": str(exc)[:500]})
            log.warning("roster offered by %s refused: %s", member.code, exc)

    def _failed(self, code: str, error: str) -> None:
        """Record a failed poll and schedule the next attempt with jittered back-off."""
        now = self.clock()
        with self.node.store.transaction() as session:
            inbox = SqlInbox(session)
            peer = inbox.peer(code)
            peer.failures = (peer.failures or 0) + 1
            delay = backoff_seconds(peer.failures, base=self.settings.backoff_base,
                                    maximum=self.settings.backoff_max)
            peer.next_attempt = now + timedelta(seconds=delay)
            peer.last_error = error[:2000]
            inbox.event(peer=code, kind="poll_failed", seq=None, detail=error, now=now)
            record(audit_store(session), now=now, actor=f"node:{code}", action="reject",
                   object_type="feed-page", object_id=code, partner=code,
                   outcome="refused", detail={"reason": error[:500]})
        log.warning("poll of %s failed: %s", code, error)


@dataclass(frozen=True)
class _Ahead:
    """The next page of a poll, fetched, verified and handed to the opening threads
    while this one is stored.

    It is asked for after this page (``page.next``), from the tree size this node will
    hold once this page's head is stored; it is used only if that is the size held
    after the commit, under the same roster, else it is dropped and asked for again
    (and dropped, unread, when this page's commit fails). Its time (``now``) is taken
    when its fetch starts, as for a page fetched after the commit."""

    future: Future[tuple[VerifiedPage, Opening | None]]
    tree_size: int | None
    roster: Roster
    now: datetime

    @classmethod
    def start(cls, fetcher: ThreadPoolExecutor,
              fetch: Callable[..., tuple[VerifiedPage, Opening | None]], page: VerifiedPage, *,
              tree_size: int | None, roster: Roster, now: datetime) -> _Ahead:
        """Fetch the page after ``page`` in ``fetcher``'s thread."""
        size = (page.tree_head or {}).get("size")
        expected = size if type(size) is int and size > (tree_size or 0) else tree_size
        return cls(fetcher.submit(fetch, cursor=page.next, tree_size=expected, now=now,
                                  roster=roster, early=True), expected, roster, now)

    def take(self, tree_size: int | None,
             roster: Roster) -> tuple[tuple[VerifiedPage, Opening | None], datetime] | None:
        """The page, its opening and its time if it was asked for as it would be now (its
        fetch's error, if it failed), else None (dropped)."""
        if tree_size != self.tree_size or roster is not self.roster:
            self.drop()
            return None
        return self.future.result(), self.now

    def drop(self) -> None:
        """Give the page up: its chunks not yet opened are not opened (when it arrives)."""
        def cancel(done: Future[tuple[VerifiedPage, Opening | None]]) -> None:
            opening = None if done.cancelled() or done.exception() else done.result()[1]
            if opening is not None:
                opening.cancel()

        self.future.add_done_callback(cancel)
