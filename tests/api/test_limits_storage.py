"""The in-memory limit counters (``memory://``, the default): counting starts no
thread (the ``limits`` package's own storage started one per expiry, the main cost of
the limits in docs/benchmarks.md), a counter past its window counts from zero again,
and expired counters are swept from memory."""

from __future__ import annotations

import threading
import time

from limits import parse
from limits.strategies import FixedWindowRateLimiter

from fts_share.http.limits import SweptMemoryStorage


def test_counting_starts_no_thread_and_windows_expire(monkeypatch) -> None:
    storage = SweptMemoryStorage("fts-memory://")
    storage.timer.join()  # the one timer MemoryStorage starts when it is made
    limiter = FixedWindowRateLimiter(storage)
    item = parse("3 per second")
    threads = threading.active_count()
    assert all(limiter.hit(item, "client", "a") for _ in range(3))
    assert not limiter.hit(item, "client", "a")
    for i in range(200):
        limiter.hit(item, "client", f"k{i}")
    assert threading.active_count() == threads and not storage.timer.is_alive()
    time.sleep(1.1)
    assert limiter.hit(item, "client", "a")  # a new window
    monkeypatch.setattr(SweptMemoryStorage, "SWEEP_SECONDS", 0.0)
    time.sleep(1.1)
    limiter.hit(item, "client", "b")  # the sweep runs inline
    assert set(storage.storage) <= {item.key_for("client", "b")}
