"""A process's long-lived objects moved out of the cyclic collector's reach.

A node process holds a large, stable heap: modules and mappers, the node with its
roster and keys, and once screening runs, the watchlist index (~80,000 small objects
for the UN list). Receiving allocates many short-lived containers per envelope; they
bring collections on, and each full collection walks the whole long-lived heap
without freeing any of it. In a screening poll of 2,000 envelopes that was 0.4 of
4.7 CPU-s, and without screening ~4 % of a poll (docs/benchmarks.md, "Screening on
arrival, sixth round" and "Receiving throughput, eighth round").

:func:`settle_once` freezes the heap (``gc.freeze``) the first time a given moment of
the process's life is reached. Frozen objects are still freed by reference counting
when dropped; cyclic garbage among them (garbage not collected yet at that moment, or
objects alive then that become cyclic garbage later) is never collected. Hence once
per moment and per process: what stays is bounded by what a few moments hold.

:func:`fewer_collections` raises the young generation's threshold for a block of
work, such as the one round of ``fts-share poll``: an envelope's short-lived
containers are mostly freed by reference counting before a collection would walk
them, so collecting every 20,000 new containers instead of CPython's 700 walks far
fewer (a screening poll of 2,000 envelopes: 0.17 -> 0.06 CPU-s in the collector,
0.5 MB more at its peak; docs/benchmarks.md, "The fixed cost of one fts-share poll
process").

:func:`collector_paused` keeps the collector off for a block that only builds
long-lived objects (a command's imports: SQLAlchemy, the storage models, the services;
~120,000 objects of which a full collection then finds ~560 unreachable) and settles
the heap after it: collecting there walked the growing heap again and again for
nothing (~0.03 CPU-s of an idle ``fts-share poll``; docs/benchmarks.md, session 20,
r20-startup).

:func:`end_process` ends a command-line process once its work is done and its output
written, without the interpreter's teardown (freeing every module's objects one by
one: ~0.01 CPU-s after an idle poll, ~0.07 once numba and the watchlist index are
loaded).
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused", "end_process", "fewer_collections", "settle_once"]

#: new container objects between two collections of the young generation in a
#: :func:`fewer_collections` block (CPython's default: 700)
YOUNG_THRESHOLD = 20_000

_lock = threading.Lock()
_settled: set[str] = set()
"""the moments already reached in this process"""


def settle_once(moment: str) -> bool:
    """Freeze the heap if ``moment`` (e.g. ``"first poll"``) is reached for the first
    time in this process; return whether it froze now."""
    with _lock:
        if moment in _settled:
            return False
        _settled.add(moment)
    gc.freeze()
    return True


@contextmanager
def fewer_collections(young: int = YOUNG_THRESHOLD) -> Iterator[None]:
    """Within the block, collect the young generation every ``young`` new container
    objects (the older generations' thresholds unchanged); the thresholds in force
    before are restored after it."""
    before = gc.get_threshold()
    gc.set_threshold(young, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


@contextmanager
def collector_paused(moment: str) -> Iterator[None]:
    """Within the block the cyclic collector does not run; after it, the heap is
    settled (:func:`settle_once` with ``moment``), so the objects the block made are
    never walked by a later collection. For blocks that make long-lived objects only
    (imports): what cyclic garbage they leave stays (bounded: once per moment)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        settle_once(moment)  # before the collector is back: else its next young
        if was_enabled:      # collection walks everything the block made
            gc.enable()


def end_process(status: int) -> None:
    """End this process with ``status`` as the interpreter would, less its teardown:
    the threads that are not daemons are joined, the ``atexit`` functions run (logging's
    handlers flushed and closed, worker processes reaped, temporary folders removed),
    standard output and error flushed; then the process exits at once (``os._exit``),
    without freeing its objects one by one. Only for the end of a command-line process
    that closed what it opened (its database, its files): objects still open are not
    finalised."""
    current = threading.current_thread()
    for thread in threading.enumerate():
        if thread is not current and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    os._exit(status)
