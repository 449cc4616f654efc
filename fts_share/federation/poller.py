"""The poller: fetch every partner's feed, verify, ingest, back off from failures.

Each partner is polled in its own thread, so a partner that is down, slow or answers
garbage does not hold up the others. A page and the partner's new cursor are committed
in one transaction; a redelivered envelope changes nothing.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable
from urllib.parse import urlencode

from fts_share.audit.log import record
from fts_share.storage.audit_store import audit_store
from fts_share.clock import Clock, utcnow
from fts_share.errors import FtsError
from fts_share.federation import logcheck, roster_store
from fts_share.federation.feed import verify_page
from fts_share.federation.http import PartnerClient
from fts_share.federation.ingest import IngestResult, NoticeHook, ingest_page
from fts_share.federation.roster import Member
from fts_share.node import Node
from fts_share.storage.models import FederationEvent, Peer

log = logging.getLogger(__name__)
MAX_PAGES_PER_POLL = 50


@dataclass
class PeerReport:
    """The outcome of polling one partner."""

    peer: str
    ok: bool = True
    skipped: bool = False
    pages: int = 0
    result: IngestResult = field(default_factory=IngestResult)
    error: str | None = None


class Poller:
    """Polls the partners of ``node``; ``clock`` is the only source of time."""

    def __init__(self, node: Node, *, clock: Clock = utcnow,
                 on_notice: NoticeHook | None = None,
                 after_page: Callable[[str, int], None] | None = None) -> None:
        self.node, self.clock, self.on_notice = node, clock, on_notice
        settings = node.config.federation
        self.settings = settings
        self.client = PartnerClient(key=node.signing, timeout=settings.request_timeout,
                                    ttl=settings.signature_ttl)
        self.after_page = after_page
        # Partners are fetched in parallel; on SQLite (one writer at a time) their pages
        # are committed one after the other rather than contending for the lock.
        self._commit_lock: Any = (threading.Lock() if node.store.dialect == "sqlite"
                                  else contextlib.nullcontext())

    def poll_all(self, *, force: bool = False) -> list[PeerReport]:
        """Poll every active partner once (in parallel); ``force`` ignores back-off."""
        self.node.forget_roster()
        partners = self.node.roster.partners(exclude=self.node.code, now=self.clock())
        if not partners:
            return []
        with ThreadPoolExecutor(max_workers=min(16, len(partners))) as pool:
            return list(pool.map(lambda m: self.poll_peer(m, force=force), partners))

    def poll_peer(self, member: Member, *, force: bool = False) -> PeerReport:
        """Fetch and ingest ``member``'s feed until caught up (bounded per call)."""
        report = PeerReport(peer=member.code)
        store = self.node.store
        with store.read() as session:
            peer = session.get(Peer, member.code)
            cursor = peer.cursor if peer else 0
            waiting = peer.next_attempt if peer else None
            tree_size = logcheck.held_size(session, member.code)
        if waiting is not None and waiting > self.clock() and not force:
            report.skipped = True
            return report
        try:
            for _ in range(MAX_PAGES_PER_POLL):
                now = self.clock()
                limit = self.settings.page_limit
                query = {"after": cursor, "limit": limit}
                if tree_size:
                    query["tree_size"] = tree_size
                url = f"{member.url}/api/v1/feed?{urlencode(query)}"
                resp = self.client.request("GET", url, now=now)
                if resp.status != 200:
                    raise FtsError(f"{member.code} answered HTTP {resp.status}")
                page = verify_page(resp.json(), roster=self.node.roster, origin=member.code,
                                   recipient=self.node.code, after=cursor, limit=limit, now=now)
                if page.roster_version and page.roster_version > self.node.roster.version:
                    self._update_roster(member, now=now)
                with self._commit_lock, store.transaction() as session:
                    res = ingest_page(session, self.node, page=page, now=now,
                                      on_notice=self.on_notice)
                    logcheck.check_page_head(session, roster=self.node.roster, peer=member.code,
                                             head_doc=page.tree_head,
                                             proof_doc=page.tree_consistency, now=now)
                    logcheck.check_relayed_heads(session, roster=self.node.roster,
                                                 relayed_by=member.code, me=self.node.code,
                                                 heads=page.peer_heads, now=now)
                    logcheck.record_reported_findings(session, peer=member.code,
                                                      findings=page.findings, now=now)
                    tree_size = logcheck.held_size(session, member.code)
                    peer = session.get(Peer, member.code)
                    assert peer is not None
                    peer.failures, peer.next_attempt = 0, None
                    peer.last_success, peer.last_error = now, None
                report.pages += 1
                for name in ("received", "decrypted", "duplicates", "rejected"):
                    setattr(report.result, name,
                            getattr(report.result, name) + getattr(res, name))
                report.result.notices.extend(res.notices)
                cursor = page.next
                if self.after_page is not None:
                    self.after_page(member.code, cursor)
                if not page.items or page.next >= page.head:
                    break
        except Exception as exc:  # noqa: BLE001 - one partner's failure never stops the others
            if not isinstance(exc, FtsError):
                log.exception("poll of %s failed unexpectedly", member.code)
            report.ok, report.error = False, str(exc) or type(exc).__name__
            try:
                self._failed(member.code, report.error)
            except Exception:  # noqa: BLE001 - e.g. the database itself is failing
                log.exception("could not record the failed poll of %s", member.code)
        return report

    def _update_roster(self, member: Member, *, now: datetime) -> None:
        """Fetch the newer roster a partner announces; install it if the secretariat
        signed it (the pinned anchor decides, not the partner). A refused document is
        logged; polling goes on under the roster in force."""
        try:
            resp = self.client.request("GET", f"{member.url}/api/v1/roster", now=now)
            with self.node.store.transaction() as session:
                roster_store.install(session, self.node, resp.json(), now=now,
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
            peer = session.get(Peer, code)
            if peer is None:
                peer = Peer(code=code, cursor=0, last_seq=0, failures=0)
                session.add(peer)
            peer.failures = (peer.failures or 0) + 1
            delay = min(self.settings.backoff_max,
                        self.settings.backoff_base * 2 ** min(peer.failures - 1, 16))
            peer.next_attempt = now + timedelta(seconds=delay * random.uniform(0.8, 1.0))
            peer.last_error = error[:2000]
            session.add(FederationEvent(at=now, peer=code, kind="poll_failed",
                                        seq=None, detail=error[:2000]))
            record(audit_store(session), now=now, actor=f"node:{code}", action="reject",
                   object_type="feed-page", object_id=code, partner=code,
                   outcome="refused", detail={"reason": error[:500]})
        log.warning("poll of %s failed: %s", code, error)

