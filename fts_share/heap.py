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
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["fewer_collections", "settle_once"]

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
