"""Serving a node with several worker processes over PostgreSQL (``serve --workers N``).

gunicorn runs the workers: a well-kept pre-fork server whose arbiter restarts a
worker that dies and replaces workers one at a time on ``HUP``, which waitress (one
process, threads) does not do. It is used programmatically (``BaseApplication``), with
``preload_app`` off: nothing of the node is opened in the arbiter, and each worker,
after the fork, opens its own node (configuration, keys, database engine), builds its
app and starts its poller loop and its job queue worker thread. The poller loops of all workers compete for one
PostgreSQL advisory lock (:mod:`fts_share.storage.leader`): exactly one polls. Each
worker's screening index follows the store's change sequence
(:mod:`fts_share.screening.index`), so what one worker receives the others find.

SQLite is the single-process embedded default: it is refused here with more than one
worker (:func:`check_workers`), and ``--workers 1`` serves with waitress as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

from fts_share.clock import utcnow
from fts_share.config import load_config
from fts_share.errors import ConfigError
from fts_share.services import logs, metrics, refusals
from fts_share.services.node import Node
from fts_share.services.serving import BackgroundPoller

log = logging.getLogger(__name__)

AppFactory = Callable[[Node], Any]
PollerFactory = Callable[[Node], BackgroundPoller]
JobsFactory = Callable[[Node], Any]

WORKER_THREADS = 8
"""Request threads per worker (gunicorn ``gthread``), as many as waitress's."""
WORKER_TIMEOUT = 120
"""Seconds a silent worker is given before the arbiter restarts it (a cold start
imports the matching engine)."""


def check_workers(home: Path, workers: int) -> None:
    """Refuse a number of workers that the node's store cannot serve: SQLite is one
    process's embedded store (:class:`~fts_share.errors.ConfigError`)."""
    if workers < 1:
        raise ConfigError("--workers must be at least 1")
    url = load_config(home).resolved_database_url
    if workers > 1 and not url.startswith("postgresql"):
        raise ConfigError(
            "SQLite is the single-process embedded default: it serves one worker "
            "(--workers 1). For several workers, use PostgreSQL "
            "(fts-share init HOME --database-url postgresql+psycopg://...).")


def _child_exit(_server: Any, worker: Any) -> None:
    """In the arbiter, when a worker exits: forget its live gauges (multiprocess
    metrics, :func:`fts_share.services.metrics.worker_exited`)."""
    metrics.worker_exited(int(worker.pid))


class NodeWorkers(BaseApplication):  # type: ignore[misc]  # gunicorn is untyped
    """gunicorn serving one node home with ``workers`` processes; each worker opens
    the node after the fork (``load``) and stops its poller when it exits."""

    def __init__(self, home: Path, *, host: str, port: int, workers: int,
                 open_node: Callable[[Path], Node], make_app: AppFactory,
                 make_poller: PollerFactory | None, make_jobs: JobsFactory | None = None,
                 forwarded_allow_ips: list[str] | None = None) -> None:
        self.home, self.host, self.port, self.workers = home, host, port, workers
        self._open_node, self._make_app, self._make_poller = open_node, make_app, make_poller
        self._forwarded = forwarded_allow_ips or []
        self._make_jobs = make_jobs
        self.node: Node | None = None
        self.poller: BackgroundPoller | None = None
        self.jobs: Any = None
        super().__init__()

    def load_config(self) -> None:
        """gunicorn's settings: the bind address, the workers, no preloading."""
        settings: dict[str, Any] = {
            "bind": f"{self.host}:{self.port}", "workers": self.workers,
            "worker_class": "gthread", "threads": WORKER_THREADS,
            "preload_app": False, "timeout": WORKER_TIMEOUT, "graceful_timeout": 15,
            "proc_name": f"fts-share {self.home.name}",
            "forwarded_allow_ips": ",".join(self._forwarded) or "127.0.0.1",
            "worker_exit": self._worker_exit,
            "child_exit": _child_exit,
        }
        for key, value in settings.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        """In a worker, after the fork: open the node, its app and its poller loop."""
        node = self.node = self._open_node(self.home)
        logs.configure(node.config.ops)
        app = self._make_app(node)
        if self._make_poller is not None:
            self.poller = self._make_poller(node)
            self.poller.start()
        if self._make_jobs is not None:  # a queue worker thread in each worker
            self.jobs = self._make_jobs(node)
        return app

    def _worker_exit(self, _server: Any, _worker: Any) -> None:
        """A worker stops: stop its poller (giving up the lock), write the refusals."""
        if self.poller is not None:
            self.poller.stop()
        if self.jobs is not None:
            self.jobs.stop()
        if self.node is not None:
            try:
                refusals.flush_closed(self.node, utcnow(), stopping=True)
            except Exception:
                log.exception("could not write the counted refusals")
