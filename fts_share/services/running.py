"""Running a node from the command line: open or create its home, serve it, poll the
partners, purge expired content.

The one place where the command line reaches the node's home, the polling loop
(:mod:`fts_share.services.polling`) and the serving process's parts (the poller loop,
the job queue, gunicorn's workers: :mod:`~fts_share.services.serving`,
:mod:`~fts_share.services.jobqueue`, :mod:`~fts_share.services.workers`). Those three
are imported by the functions that serve, not here: ``fts-share poll`` and ``purge``
do not load them (start-up cost, docs/benchmarks.md). Nor does a poll load the
screening engine (the matching index, numpy, numba) before a page arrives to screen.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fts_share import heap
from fts_share.clock import utcnow
from fts_share.config import NodeConfig, load_config
from fts_share.services import index_snapshots, refusals
from fts_share.services.node import Node, init_home
from fts_share.services.notifying import Notifier
from fts_share.services.polling import Poller, purge_expired
from fts_share.services.unit import Work, unit_of_work

if TYPE_CHECKING:
    from fts_share.services.jobqueue import WorkerThread
    from fts_share.services.receiving import Arrival, PageHook
    from fts_share.services.serving import BackgroundPoller

__all__ = ["background_poller", "create_home", "flush_refusals", "open_node", "poll_once",
           "purge", "serve_workers", "start_jobs"]


def open_node(home: Path, *, passphrase: bytes | None = None) -> Node:
    """Open the node at ``home``."""
    return Node.open(home, passphrase=passphrase)


def create_home(home: Path, *, code: str, url: str, passphrase: bytes | None = None,
                post_quantum: bool = True, database_url: str | None = None) -> NodeConfig:
    """Create a node home (config, keys, database) and return its configuration."""
    init_home(home, code=code, url=url, passphrase=passphrase, post_quantum=post_quantum,
              database_url=database_url)
    return load_config(home)


def background_poller(node: Node, *, interval: float, poll: bool = True) -> BackgroundPoller:
    """A poller loop (not started) that screens every received notice; it polls only
    while this process holds the poller's lease (on PostgreSQL an advisory lock, so
    one process of those that serve the node polls)."""
    from fts_share.services.arrival import arrival_screening
    from fts_share.services.serving import BackgroundPoller
    from fts_share.storage.leader import poller_lease

    lease = poller_lease(node.store, name=f"fts-share poller {node.code} pid={os.getpid()}")
    return BackgroundPoller(node, interval=interval, on_page=arrival_screening(node),
                            lease=lease, poll=poll)


def start_jobs(node: Node, *, worker: bool = True) -> WorkerThread | None:
    """The jobs of a serving process: on PostgreSQL a queue worker thread (started;
    none without ``worker``); on SQLite the jobs a stopped process left unfinished
    are resumed here (jobs run in-process)."""
    from fts_share.services import jobqueue

    if not jobqueue.on_postgresql(node):
        jobqueue.resume_local(node)
        return None
    return jobqueue.WorkerThread(node).start() if worker else None


def serve_workers(home: Path, *, host: str, port: int, workers: int, poll: bool,
                  make_app: Callable[[Node], Any], jobs: bool = True) -> None:
    """Serve the node at ``home`` with ``workers`` gunicorn worker processes
    (PostgreSQL only: :func:`~fts_share.services.workers.check_workers`); each opens
    the node and builds its app with ``make_app`` after the fork, and, with ``poll``,
    runs a poller loop that polls while it holds the poller's lock, and with ``jobs``
    a queue worker thread. Returns when the arbiter stops (SIGTERM, SIGINT)."""
    from fts_share.services.workers import NodeWorkers, check_workers

    check_workers(home, workers)
    trusted = load_config(home).limits.trusted_proxies
    # Without polling the loop still runs: its lease holder signs the audit heads.
    make_poller = (lambda node: background_poller(
        node, interval=node.config.federation.poll_interval, poll=poll))
    NodeWorkers(home, host=host, port=port, workers=workers, open_node=open_node,
                make_app=make_app, make_poller=make_poller,
                make_jobs=(lambda node: start_jobs(node)) if jobs else None,
                forwarded_allow_ips=list(trusted)).run()


def poll_once(node: Node) -> list[dict[str, Any]]:
    """Poll every partner once (screening what arrives), then notify the new alerts
    (``[notify]``); one row per partner. Then, as the serving loop does each round, a
    new index snapshot is written if the index this poll screened with has gathered
    more than ``snapshot_after`` changes over the one it mapped: the next poll maps it
    instead of replaying those changes again (a poll that screened nothing loaded no
    index and writes nothing). The round collects garbage less often
    (:func:`fts_share.heap.fewer_collections`)."""
    with heap.fewer_collections():
        notifier = Notifier.of(node)
        notifier.begin(utcnow())
        reports = Poller(node, on_page=_screening_on_arrival(node)).poll_all(force=True)
        notifier.after_round(utcnow())
        if index_snapshots.snapshot_due(node):
            index_snapshots.write_if_due(node, utcnow())
    return [{"peer": r.peer, "ok": r.ok, "pages": r.pages, "received": r.result.received,
             "decrypted": r.result.decrypted, "duplicates": r.result.duplicates,
             "rejected": r.result.rejected, "error": r.error} for r in reports]


def _screening_on_arrival(node: Node) -> PageHook:
    """``arrival.arrival_screening``, imported at the first page that arrives."""

    def on_page(work: Work, arrivals: list[Arrival]) -> object:
        from fts_share.services.arrival import arrival_screening

        return arrival_screening(node)(work, arrivals)

    return on_page


def purge(node: Node, *, now: datetime) -> int:
    """Purge the content of every notice past its review date; how many versions."""
    with unit_of_work(node, now) as work:
        return purge_expired(work)


def flush_refusals(node: Node) -> int:
    """Write the counted refusals, the current minute's too (a node that stops)."""
    return refusals.flush_closed(node, utcnow(), stopping=True)
