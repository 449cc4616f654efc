"""Per-partner polls over bounded poll slots, in two lanes.

Each partner is polled on its own: a tick marks every partner that is not being polled
already as due, and a due partner starts as soon as a slot of its lane is free (at the
tick, or when a poll ends), least recently started first, so that every partner has its
turn however many there are. The call returns at once.

A partner whose last poll failed (down, garbage, a deadline passed) is polled in a
lane of its own, ``slots // 4`` slots (at least one), beside the ``slots`` of the
partners that answer. A poll still running after ``slow_after`` seconds (a partner
that drips its answer) leaves the answering lane too. A partner that drips or is down
therefore holds a slot that no answering partner needs, until its whole-request
deadline (:mod:`fts_share.federation.http`); it never delays the polls of another
partner. One in back-off is skipped by the poll itself (``Peer.next_attempt``).
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fts_share.federation.poller import PeerReport
from fts_share.federation.roster import Member

log = logging.getLogger(__name__)

PollOne = Callable[[Member], PeerReport]

ANSWERING, FAILING = "answering", "failing"
"""The two lanes: partners whose last poll succeeded (or that were never polled), and
partners whose last poll failed or whose poll under way is slow."""


@dataclass
class _Running:
    lane: str
    since: float
    thread: threading.Thread


class PeerScheduler:
    """Runs ``poll`` for each partner, one poll per partner at a time: at most
    ``slots`` polls of answering partners and ``max(1, slots // 4)`` of failing ones
    at once. A poll running for more than ``slow_after`` seconds (None: never) counts
    as failing from the next tick. ``on_report`` sees every finished poll."""

    def __init__(self, poll: PollOne, *, slots: int, slow_after: float | None = None,
                 on_report: Callable[[PeerReport], None] | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.poll, self.on_report, self.slow_after = poll, on_report, slow_after
        self.slots = max(1, slots)
        self.caps = {ANSWERING: self.slots, FAILING: max(1, self.slots // 4)}
        self._monotonic = monotonic
        self._running: dict[str, _Running] = {}
        self._due: dict[str, Member] = {}
        self._failing: set[str] = set()
        self._started: dict[str, int] = {}
        self._order = itertools.count()
        self._closed = False
        self._lock = threading.Lock()

    def tick(self, partners: Sequence[Member]) -> list[str]:
        """Mark each of ``partners`` not being polled now as due (in place of the
        partners due before), start those a free slot allows, and return their codes.
        Does not wait; the others start as slots free up."""
        with self._lock:
            if self._closed:
                return []
            self._demote_slow()
            self._due = {m.code: m for m in partners if m.code not in self._running}
            return self._start_due()

    def busy(self) -> set[str]:
        """The partners being polled now."""
        with self._lock:
            return set(self._running)

    def lanes(self) -> dict[str, str]:
        """The lane of each poll under way, by partner code."""
        with self._lock:
            return {code: run.lane for code, run in self._running.items()}

    def _demote_slow(self) -> None:
        if self.slow_after is None:
            return
        now = self._monotonic()
        for run in self._running.values():
            if run.lane == ANSWERING and now - run.since > self.slow_after:
                run.lane = FAILING

    def _start_due(self) -> list[str]:
        """Start the due partners that a free slot of their lane allows, least
        recently started first (the lock is held)."""
        started: list[str] = []
        held = {ANSWERING: 0, FAILING: 0}
        for run in self._running.values():
            held[run.lane] += 1
        for member in sorted(self._due.values(), key=lambda m: self._started.get(m.code, -1)):
            lane = FAILING if member.code in self._failing else ANSWERING
            if held[lane] >= self.caps[lane]:
                continue
            held[lane] += 1
            del self._due[member.code]
            self._started[member.code] = next(self._order)
            thread = threading.Thread(target=self._run, args=(member,), daemon=True,
                                      name=f"fts-poll-{member.code}")
            self._running[member.code] = _Running(lane, self._monotonic(), thread)
            thread.start()
            started.append(member.code)
        return started

    def _run(self, member: Member) -> None:
        report: PeerReport | None = None
        try:
            report = self.poll(member)
        except Exception:  # the poll records its own failures; this is the unexpected
            log.exception("poll of %s failed unexpectedly", member.code)
        finally:
            with self._lock:
                self._running.pop(member.code, None)
                if report is None or not report.ok:
                    self._failing.add(member.code)
                elif not report.skipped:
                    self._failing.discard(member.code)
                if not self._closed:
                    self._start_due()
        if report is not None and self.on_report is not None:
            try:
                self.on_report(report)
            except Exception:
                log.exception("poll report hook failed")

    def close(self) -> None:
        """Start no more polls and wait for those running (each ends by its deadline)."""
        with self._lock:
            self._closed = True
            self._due.clear()
            threads = [run.thread for run in self._running.values()]
        for thread in threads:
            thread.join()
