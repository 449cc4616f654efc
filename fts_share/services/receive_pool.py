"""The threads, or worker processes, that verify and decrypt large received pages.

Verifying two Ed25519 signatures, an HPKE open, an AES-GCM decryption and parsing the
statement is most of the work of receiving an envelope, and it needs nothing from the
database: :func:`fts_share.federation.opening.open_item` does it. A page of at least
:data:`MIN_ITEMS` envelopes is split into chunks opened, in order of preference:

- in ``[federation] receive_workers`` processes when it is 2 or more
  (``concurrent.futures``, ``spawn``: a worker inherits no connection, thread or lock
  of this process);
- else, when ``[federation] receive_threads`` is 2 or more, in that many threads of
  this process but one (the first fetches the next page, :mod:`~fts_share.services.polling`;
  default :func:`default_threads`): the signature checks and decryptions (libsodium,
  OpenSSL) release the GIL, so a thread opens the next chunk while the polling thread
  stores this one; the keys stay where they are, nothing is copied or pickled;
- else (smaller pages, or both settings 0) in the polling thread.

Wherever it runs, the same function runs and the chunks come back in page order, so
what is stored, refused and recorded does not depend on where an envelope was opened.
The threads share only immutable things: the page's items, the roster in force, the
node's keys (``cryptography`` and PyNaCl objects, safe to use from several threads);
the database session stays on the polling thread.

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
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
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
#: chunks per worker (or thread) and page (smaller chunks even out their shares)
CHUNKS_PER_WORKER = 2
#: the most worker processes or opening threads that can be configured
MAX_PARALLEL = 64
#: the fewest envelopes in a chunk given to an opening thread
MIN_CHUNK = 8


def default_threads() -> int:
    """``receive_threads`` when it is not set: 1, a thread that fetches and verifies
    the next page while one is stored, and no opening threads. Measured on 2 shared
    CPUs (``docs/benchmarks.md``, session 22), fetching ahead costs no CPU, while each
    opening thread cost 5-18 % more CPU per envelope for no steady wall-clock gain.
    An operator of a machine with idle cores opts in with 2 or more."""
    return 1


def default_workers() -> int:
    """Worker processes when ``receive_workers`` is not set: none.

    Measured on 2 CPUs the pool cost 28-36 % more CPU per envelope than opening in
    the polling process and gained no wall-clock time (``docs/benchmarks.md``,
    "Receiving throughput, third round"), and without it the decryption keys stay in
    one process. An operator of a larger machine opts in with ``receive_workers``.
    """
    return 0


class ReceivePool:
    """Opens a page's envelopes in the polling thread, in opening threads or in a pool
    of worker processes."""

    def __init__(self, *, workers: int | None = None, threads: int | None = None,
                 min_items: int | None = None) -> None:
        self.workers = _count("receive_workers", workers, default_workers)
        self.threads = _count("receive_threads", threads, default_threads)
        """threads beside the polling thread: one fetches ahead, the others open"""
        self.openers = max(0, self.threads - 1)
        self.min_items = max(1, MIN_ITEMS if min_items is None else min_items)
        self.pooled_pages = 0
        """pages opened by the worker processes (not in this process)"""
        self.threaded_pages = 0
        """pages handed to the opening threads"""
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._identity: tuple[str, frozenset[str]] | None = None
        self._threads: ThreadPoolExecutor | None = None

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
        if len(items) >= self.min_items and self.workers <= 1 and self.openers >= 1:
            yield from self._open_in_threads(items, roster=roster, origin=origin, me=me,
                                             now=now)
            return
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

    def ahead(self, items: Sequence[PageItem], *, roster: Roster, origin: str,
              me: Receiver, now: datetime) -> Opening | None:
        """Start opening a page in the opening threads before it is ingested (the next
        page, while this one is stored); None if it would not be opened in threads."""
        if len(items) < self.min_items or self.workers > 1 or self.openers < 1:
            return None
        return Opening(self._start_threads(), items, roster=roster, origin=origin, me=me,
                       now=now, size=self._chunk_size(len(items)))

    def _open_in_threads(self, items: Sequence[PageItem], *, roster: Roster, origin: str,
                         me: Receiver, now: datetime) -> Iterator[list[Opened]]:
        """The chunks of a page opened by the opening threads and this one, in order."""
        opening = Opening(self._start_threads(), items, roster=roster, origin=origin, me=me,
                          now=now, size=self._chunk_size(len(items)), here=1)
        yield from opening.chunks(items, roster=roster, origin=origin, me=me, now=now)

    def _chunk_size(self, n: int) -> int:
        return max(MIN_CHUNK, -(-n // ((self.openers + 1) * CHUNKS_PER_WORKER)))

    def _start_threads(self) -> ThreadPoolExecutor:
        """The opening threads (started on first use), counting a page handed to them."""
        with self._lock:
            self.threaded_pages += 1
            if self._threads is None:
                self._threads = ThreadPoolExecutor(
                    max_workers=self.openers, thread_name_prefix="fts-share opening")
            return self._threads

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
        """Stop the worker processes and the opening threads (waiting for them to end);
        started again on demand."""
        with self._lock:
            executor, self._executor, self._identity = self._executor, None, None
            threads, self._threads = self._threads, None
        for pool in (executor, threads):
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)


def _count(setting: str, value: object, default: Callable[[], int]) -> int:
    """A count of processes or threads as configured (None: ``default()``), or
    :class:`ConfigError` naming the setting."""
    if value is None:
        return default()
    if type(value) is not int or not 0 <= value <= MAX_PARALLEL:
        raise ConfigError(f"federation.{setting}: expected an integer from 0 to "
                          f"{MAX_PARALLEL}, got {value!r}")
    return value


class Opening:
    """A page's chunks handed to the opening threads; :meth:`chunks` takes them in page
    order, opening in the calling thread each chunk no thread has started (rather than
    wait), and the first ``here`` chunks. Chunks not taken are cancelled when the taker
    stops (a failed page)."""

    def __init__(self, executor: ThreadPoolExecutor, items: Sequence[PageItem], *,
                 roster: Roster, origin: str, me: Receiver, now: datetime, size: int,
                 here: int = 0) -> None:
        self._items, self._roster, self._origin, self._now = items, roster, origin, now
        self._me, self._keys = me.code, dict(me.keys)
        self._parts = [items[i:i + size] for i in range(0, len(items), size)]
        self._futures = [None if n < here else
                         executor.submit(open_items, part, roster=roster, origin=origin,
                                         me=me, now=now)
                         for n, part in enumerate(self._parts)]

    def chunks(self, items: Sequence[PageItem], *, roster: Roster, origin: str,
               me: Receiver, now: datetime) -> Iterator[list[Opened]]:
        """An ``Opener``: the opened chunks of ``items``, in order; the page is opened
        afresh, here, if it is not the page (or roster, keys, time) handed over."""
        if not self._handed(items, roster, origin, me, now):
            self.cancel()
            yield open_items(items, roster=roster, origin=origin, me=me, now=now)
            return
        try:
            for part, future in zip(self._parts, self._futures):
                if future is None or future.cancel():
                    yield open_items(part, roster=roster, origin=origin, me=me, now=now)
                else:
                    yield future.result()
        finally:
            self.cancel()

    def _handed(self, items: Sequence[PageItem], roster: Roster, origin: str, me: Receiver,
                now: datetime) -> bool:
        """True if these are the very page, roster, origin, keys and time handed over."""
        return (items is self._items and roster is self._roster and origin == self._origin
                and now == self._now and me.code == self._me
                and me.keys.keys() == self._keys.keys()
                and all(me.keys[kid] is key for kid, key in self._keys.items()))

    def cancel(self) -> None:
        """Cancel the chunks no thread has started (a started one runs to its end)."""
        for future in self._futures:
            if future is not None:
                future.cancel()
