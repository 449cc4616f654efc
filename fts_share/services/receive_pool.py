"""The worker processes that verify and decrypt large received pages.

Verifying two Ed25519 signatures, an HPKE open, an AES-GCM decryption and parsing the
statement is most of the work of receiving an envelope, and it needs nothing from the
database: :func:`fts_share.federation.opening.open_item` does it. A page of at least
:data:`MIN_ITEMS` envelopes is split into chunks opened in ``[federation]
receive_workers`` processes (``concurrent.futures``, ``spawn``: a
worker inherits no connection, thread or lock of this process); smaller pages, and
every page when the setting is 0 or 1, are opened in this process. Either way the
same function runs and the results come back in page order, so what is stored,
refused and recorded does not depend on where an envelope was opened.

The node's decryption keys are given to the workers once, as raw bytes, when the
pool starts, and live in those processes until the pool is closed
(``docs/security.md``); the pool is started again when the node's keys change. Only
page items, the roster in force, the time and the results cross the boundary.

:class:`ReceivePool` is owned by a :class:`~fts_share.services.polling.Poller` and
closed with it (``poll_all`` closes it when the round ends); if a worker dies, the
page is opened in this process and the pool is started afresh for the next one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from datetime import datetime
from typing import TYPE_CHECKING

from fts_share.errors import ConfigError
from fts_share.federation.envelopes import Receiver
from fts_share.federation.feed import PageItem
from fts_share.federation.opening import Opened, init_worker, key_material, open_chunk, open_items
from fts_share.federation.roster import Roster

if TYPE_CHECKING:  # multiprocessing is imported when a pool starts, not by every poll
    from concurrent.futures import ProcessPoolExecutor

log = logging.getLogger(__name__)

#: pages with fewer envelopes are opened in this process (starting and feeding the
#: workers costs more than it saves)
MIN_ITEMS = 32
#: chunks per worker and page (smaller chunks even out the workers' shares)
CHUNKS_PER_WORKER = 2


def default_workers() -> int:
    """Worker processes when ``receive_workers`` is not set: none.

    Measured on 2 CPUs the pool cost 28-36 % more CPU per envelope than opening in
    the polling process and gained no wall-clock time (``docs/benchmarks.md``,
    "Receiving throughput, third round"), and without it the decryption keys stay in
    one process. An operator of a larger machine opts in with ``receive_workers``.
    """
    return 0


class ReceivePool:
    """Opens a page's envelopes in this process or in a pool of worker processes."""

    def __init__(self, *, workers: int | None = None, min_items: int | None = None) -> None:
        if workers is not None and (type(workers) is not int or workers < 0):
            raise ConfigError(f"federation.receive_workers: expected an integer >= 0, "
                              f"got {workers!r}")
        self.workers = default_workers() if workers is None else workers
        self.min_items = max(1, MIN_ITEMS if min_items is None else min_items)
        self.pooled_pages = 0
        """pages opened by the worker processes (not in this process)"""
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._identity: tuple[str, frozenset[str]] | None = None

    @property
    def running(self) -> bool:
        """True while worker processes are started."""
        return self._executor is not None

    def open_page(self, items: Sequence[PageItem], *, roster: Roster, origin: str,
                  me: Receiver, now: datetime) -> list[Opened]:
        """:func:`~fts_share.federation.opening.open_item` of each item, in order."""
        return [o for chunk in self.open_chunks(items, roster=roster, origin=origin, me=me,
                                                 now=now) for o in chunk]

    def open_chunks(self, items: Sequence[PageItem], *, roster: Roster, origin: str,
                    me: Receiver, now: datetime) -> Iterator[list[Opened]]:
        """:meth:`open_page` a chunk at a time, in order, each as soon as it is opened
        (the receiver stores one chunk while the workers open the next)."""
        if self.workers <= 1 or len(items) < self.min_items:
            yield open_items(items, roster=roster, origin=origin, me=me, now=now)
            return
        size = -(-len(items) // (self.workers * CHUNKS_PER_WORKER))
        starts = range(0, len(items), size)
        done = 0
        try:
            executor = self._start(me)
            futures: list[Future[list[Opened]]] = [
                executor.submit(open_chunk, list(items[i:i + size]), roster, origin, now)
                for i in starts]
            for future in futures:
                opened = future.result()
                done += len(opened)
                yield opened
        except RuntimeError as exc:  # BrokenProcessPool, or the pool closed meanwhile
            log.warning("receiving pool unavailable (%s); opening the page in-process",
                        type(exc).__name__)
            self.close()
            yield open_items(items[done:], roster=roster, origin=origin, me=me, now=now)
            return
        self.pooled_pages += 1

    def _start(self, me: Receiver) -> ProcessPoolExecutor:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        identity = (me.code, frozenset(me.keys))
        with self._lock:
            if self._executor is not None and self._identity != identity:
                self._executor.shutdown(wait=True, cancel_futures=True)  # keys changed
                self._executor = None
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                    initializer=init_worker,
                    initargs=(me.code, key_material(list(me.keys.values()))))
                self._identity = identity
            return self._executor

    def close(self) -> None:
        """Stop the worker processes (waiting for them to end); opened again on demand."""
        with self._lock:
            executor, self._executor, self._identity = self._executor, None, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
