"""Per-partner polls over a bounded pool of poll slots.

Each partner is polled on its own: a tick starts a poll of every partner that is not
being polled already, while a slot is free, and returns at once. A partner whose
answer is slow or drips in holds one slot until its whole-request deadline
(:mod:`fts_share.federation.http`), and never delays the polls of another partner;
one in back-off is skipped by the poll itself (``Peer.next_attempt``, jittered).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from fts_share.federation.poller import PeerReport
from fts_share.federation.roster import Member

log = logging.getLogger(__name__)

PollOne = Callable[[Member], PeerReport]


class PeerScheduler:
    """Runs ``poll`` for each partner in a pool of ``slots`` threads, one poll per
    partner at a time. ``on_report`` sees every finished poll (metrics, tests)."""

    def __init__(self, poll: PollOne, *, slots: int,
                 on_report: Callable[[PeerReport], None] | None = None) -> None:
        self.poll, self.slots, self.on_report = poll, max(1, slots), on_report
        self._busy: set[str] = set()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=self.slots, thread_name_prefix="fts-poll")

    def tick(self, partners: Sequence[Member]) -> list[str]:
        """Start a poll of each of ``partners`` not being polled now, while slots are
        free (in the order given); return the codes started. Does not wait."""
        started: list[str] = []
        with self._lock:
            for member in partners:
                if len(self._busy) >= self.slots:
                    break
                if member.code in self._busy:
                    continue
                self._busy.add(member.code)
                started.append(member.code)
                self._pool.submit(self._run, member)
        return started

    def busy(self) -> set[str]:
        """The partners being polled now."""
        with self._lock:
            return set(self._busy)

    def _run(self, member: Member) -> None:
        report: PeerReport | None = None
        try:
            report = self.poll(member)
        except Exception:  # the poll records its own failures; this is the unexpected
            log.exception("poll of %s failed unexpectedly", member.code)
        finally:
            with self._lock:
                self._busy.discard(member.code)
        if report is not None and self.on_report is not None:
            try:
                self.on_report(report)
            except Exception:
                log.exception("poll report hook failed")

    def close(self) -> None:
        """Start no more polls and wait for those running (each ends by its deadline)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
