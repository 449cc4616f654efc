"""The soak's polling rounds (``bench_soak.py``), in the soak's one process or in
several (``--processes P``).

``ThreadPolling`` is the one-process path: every node that is up polls all its
partners through the parent's transport, ``workers`` nodes at a time (threads that
share one interpreter lock), then the retention purge runs node by node.

``ProcessPolling`` forks ``P`` persistent worker processes once, after the parent has
built the coalition (homes, keys, SQLite files, the UN list imports) and closed its
database connections (no SQLite connection crosses a fork). Each worker builds its own
transport (a Flask app for every node: any node can be served from any process, since
every node is a SQLite file on disk, and SQLite's locks and busy timeout work across
processes) and polls a fixed share of the nodes each round (node ``i`` of the sorted
codes in worker ``i % P``), so that each node's screening index is built and held in
one process only; it builds those indexes (and writes their snapshots) at its start,
as the one-process path does in its setup. Each round the parent sends every worker
the round's down node (refused by every worker's transport) and whether to purge; the
worker polls its share ``workers`` nodes at a time, purges its share, collects its
garbage and answers its counts (polls, refused requests, answer bytes), its CPU time
and its memory. Publishing, the catch-up check of the down node and the final checks
stay in the parent.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import multiprocessing
import os
import random
import time
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from multiprocessing.connection import Connection
from typing import Any, Protocol

from fts_share.clock import utcnow
from fts_share.services import index_snapshots, running


class Coalition(Protocol):
    """What the rounds need of ``tests/coalition.Coalition``."""

    members: dict[str, Any]

    def __getitem__(self, code: str) -> Any: ...


class Transport(Protocol):
    """What the rounds need of ``bench_soak.Transport``."""

    down: str | None
    requests: int
    refused: int
    bytes: int

    def install(self) -> None: ...


# -- memory ------------------------------------------------------------------------------
def _status_mb(path: str, key: str) -> float:
    """A ``kB`` field of a /proc file of this process, in MB (NaN if absent)."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _sqlite_memory() -> Any:
    """``sqlite3_memory_used`` of the SQLite library the ``sqlite3`` module uses, if
    it is a shared library this process can reach (None otherwise)."""
    name = ctypes.util.find_library("sqlite3")
    if name is None:
        return None
    try:
        fn = ctypes.CDLL(name).sqlite3_memory_used
    except (OSError, AttributeError):
        return None
    fn.restype = ctypes.c_int64
    return fn


_SQLITE_MEMORY = _sqlite_memory()


def sqlite_mb() -> float:
    """The heap SQLite holds in this process (page caches, statements), in MB."""
    return _SQLITE_MEMORY() / 1e6 if _SQLITE_MEMORY is not None else float("nan")


def memory() -> dict[str, float]:
    """This process's memory after a garbage collection: resident set (``VmRSS``: pages
    shared with other processes counted whole), proportional set (``Pss``: each shared
    page divided among its sharers, the machine's other processes that map the same
    libraries included), the anonymous part of it (``Pss_Anon``: the heap; anonymous
    pages are shared only with processes forked from a common parent, so its sum over
    the soak's processes is the heap they hold together, each page once, whatever else
    runs on the machine) and SQLite's heap."""
    gc.collect()
    rollup = "/proc/self/smaps_rollup"
    return {"rss_mb": _status_mb("/proc/self/status", "VmRSS:"),
            "pss_mb": _status_mb(rollup, "Pss:"), "heap_mb": _status_mb(rollup, "Pss_Anon:"),
            "sqlite_mb": sqlite_mb()}


# -- one process's share of a round --------------------------------------------------------
def poll_nodes(c: Coalition, order: Sequence[str], *, workers: int) -> dict[str, Any]:
    """Every node of ``order`` polls all its partners once, ``workers`` at a time."""
    def one(code: str) -> list[dict[str, Any]]:
        return running.poll_once(c[code].node)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        rows = [r for rs in pool.map(one, order) for r in rs]
    errors = Counter(str(r["error"])[:120] for r in rows if not r["ok"])
    return {"received": sum(r["received"] for r in rows),
            "duplicates": sum(r["duplicates"] for r in rows),
            "rejected": sum(r["rejected"] for r in rows),
            "failed": sum(not r["ok"] for r in rows), "errors": errors}


def purge_nodes(c: Coalition, codes: Sequence[str], *, down: str | None,
                at: datetime | None) -> int:
    """The retention purge at ``at`` on every node of ``codes`` that is up (none
    without ``at``); how many versions it purged."""
    if at is None:
        return 0
    return sum(running.purge(c[code].node, now=at) for code in codes if code != down)


def _counts(transport: Transport) -> tuple[int, int, int]:
    return transport.requests, transport.refused, transport.bytes


def _share_round(c: Coalition, share: list[str], rng: random.Random, transport: Transport,
                 *, down: str | None, purge_at: datetime | None, workers: int
                 ) -> dict[str, Any]:
    """Poll, then purge, ``share``; the counts (the transport's as differences)."""
    before = _counts(transport)
    transport.down = down
    order = [x for x in share if x != down]
    rng.shuffle(order)
    got = poll_nodes(c, order, workers=workers)
    got["purged"] = purge_nodes(c, share, down=down, at=purge_at)
    after = _counts(transport)
    got.update(requests=after[0] - before[0], refused=after[1] - before[1],
               bytes=after[2] - before[2])
    return got


def merge(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The sum of several processes' round counts (the errors' counters added)."""
    out: dict[str, Any] = {}
    for part in parts:
        for k, v in part.items():
            out[k] = out[k] + v if k in out else v
    return out


# -- the two ways of running rounds ----------------------------------------------------------
class ThreadPolling:
    """The one-process path (the soak as it ran before ``--processes``)."""

    processes = 1

    def __init__(self, c: Coalition, codes: list[str], transport: Transport, *,
                 seed: int, workers: int) -> None:
        self.c, self.codes, self.transport = c, codes, transport
        self.rng, self.workers = random.Random(seed), workers
        self.warm_s = 0.0
        transport.install()

    def round(self, *, down: str | None, purge_at: datetime | None) -> dict[str, Any]:
        """One round: the counts (``procs``, the workers' figures: none here)."""
        got = _share_round(self.c, self.codes, self.rng, self.transport, down=down,
                           purge_at=purge_at, workers=self.workers)
        got["procs"] = []
        return got

    def close(self) -> None:
        """Nothing to stop."""


def _worker(conn: Connection, c: Coalition, share: list[str],
            make_transport: Callable[[], Transport], seed: int, workers: int) -> None:
    """A worker process's life: build its transport and its share's indexes, then
    answer rounds until told to stop."""
    try:
        for m in c.members.values():  # connections the parent held are not ours
            m.node.store.engine.dispose(close=False)
            m.node.store._read_engine.dispose(close=False)
        transport = make_transport()
        transport.install()
        t0 = time.perf_counter()
        for code in share:
            index_snapshots.write_if_due(c[code].node, utcnow())
        conn.send({"warm_s": time.perf_counter() - t0})
        rng = random.Random(seed)
        c0 = time.process_time()
        while True:
            task = conn.recv()
            if task is None:
                break
            got = _share_round(c, share, rng, transport, workers=workers, **task)
            c1 = time.process_time()
            got["procs"] = [{"pid": os.getpid(), "cpu_s": c1 - c0, **memory()}]
            c0 = c1
            conn.send(got)
    except Exception:  # noqa: BLE001  # any failure goes to the parent, which stops
        conn.send({"worker_error": traceback.format_exc()})
    finally:
        for m in c.members.values():
            m.node.store.dispose()
        conn.close()


class ProcessPolling:
    """``processes`` persistent worker processes, each polling a fixed share of the
    nodes (see the module docstring)."""

    def __init__(self, c: Coalition, codes: list[str], make_transport: Callable[[], Transport],
                 *, processes: int, seed: int, workers: int) -> None:
        self.processes = processes
        for m in c.members.values():  # no SQLite connection crosses the fork
            m.node.store.dispose()
        gc.collect()
        ctx = multiprocessing.get_context("fork")
        self.conns: list[Connection] = []
        self.procs: list[Any] = []
        t0 = time.perf_counter()
        for k in range(processes):
            mine, theirs = ctx.Pipe()
            share = codes[k::processes]
            p = ctx.Process(target=_worker, name=f"soak-worker-{k}", daemon=True,
                            args=(theirs, c, share, make_transport, seed * 1000 + k, workers))
            p.start()
            theirs.close()
            self.conns.append(mine)
            self.procs.append(p)
        self._answers()
        self.warm_s = time.perf_counter() - t0
        """the workers' start: their transports and indexes, side by side"""

    def _answers(self) -> list[dict[str, Any]]:
        out = [conn.recv() for conn in self.conns]
        failed = [a["worker_error"] for a in out if "worker_error" in a]
        if failed:
            raise RuntimeError("a soak worker failed:\n" + "\n".join(failed))
        return out

    def round(self, *, down: str | None, purge_at: datetime | None) -> dict[str, Any]:
        """One round in every worker; the counts summed, and in ``procs`` each
        worker's CPU seconds and memory at the end of its share of the round."""
        for conn in self.conns:
            conn.send({"down": down, "purge_at": purge_at})
        return merge(self._answers())

    def close(self) -> None:
        """Stop the workers (each closes its connections) and wait for them."""
        for conn in self.conns:
            try:
                conn.send(None)
            except OSError:
                pass
        for p in self.procs:
            p.join(timeout=60)
            if p.is_alive():
                p.terminate()
                p.join()
