"""The job queue: long work leaves the web request. The one module that knows
procrastinate.

Two kinds of job: ``screen_batch`` (:func:`fts_share.services.batchjobs.run`) and
``import_watchlist`` (:func:`fts_share.services.listimports.run`). Each job's row in
our own tables holds its input, its progress and its results; the queue only
schedules and runs it, by id.

- **PostgreSQL**: a job is deferred to procrastinate in the transaction that stores
  its row (both or neither), and run by a worker: ``fts-share jobs worker HOME`` or
  the worker thread of each ``serve`` process. A worker whose heartbeat stops (its
  process died) has its jobs run again by another (procrastinate's stalled jobs,
  after ``[ops] job_stalled_seconds``); the rows' chunked progress makes the rerun
  start where the dead worker's last transaction ended.
- **SQLite** (one process, embedded): a job runs in a background thread of the
  process that stored it, once its transaction commits; :func:`resume_local` runs
  at start the jobs a stopped process left unfinished.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import event

from fts_share.clock import Clock, utcnow
from fts_share.errors import FtsError
from fts_share.services import batchjobs, listimports, metrics
from fts_share.services.node import Node
from fts_share.services.unit import Work, reading, unit_of_work
from fts_share.storage.queue_schema import conninfo

log = logging.getLogger(__name__)

QUEUE = "fts"
"""The procrastinate queue of this node's jobs."""

Runner = Callable[[Node, str, Clock], None]
TASKS: dict[str, Runner] = {"screen_batch": batchjobs.run,
                            "import_watchlist": listimports.run}

_local: set[tuple[str, str]] = set()  # (task, id) running in this process (SQLite)
_local_lock = threading.Lock()
_deferrers: dict[str, Any] = {}  # database URL: the app that defers to it
_deferrers_lock = threading.Lock()


def on_postgresql(node: Node) -> bool:
    """Whether the node's jobs go to procrastinate (else they run in-process)."""
    return node.store.dialect == "postgresql"


def enqueue(work: Work, task: str, job_id: str, *, clock: Clock = utcnow) -> None:
    """Queue ``task`` for the row ``job_id`` stored in ``work``'s transaction: on
    PostgreSQL in that same transaction; on SQLite it starts in a thread here once
    the transaction commits."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}")
    if on_postgresql(work.node):
        connection = work.session.connection().connection.driver_connection
        deferrer = _deferrer(work.node).tasks[task]
        deferrer.configure(connection=connection,
                           queueing_lock=f"{task}:{job_id}").defer(job_id=job_id)
    node = work.node
    event.listen(work.session, "after_commit",
                 lambda _session: _committed(node, task, job_id, clock), once=True)


def _committed(node: Node, task: str, job_id: str, clock: Clock) -> None:
    if not on_postgresql(node):
        start_local(node, task, job_id, clock)
    observe_depth(node, clock)


def observe_depth(node: Node, clock: Clock = utcnow) -> None:
    """Count the jobs waiting or running into ``fts_job_queue_depth`` (a failure to
    count is logged, never raised: it only delays the gauge)."""
    try:
        metrics.queue_depth(node.code, depth(node, clock()))
    except Exception:
        log.warning("could not count the job queue", exc_info=True)


def submit_import(node: Node, content: bytes, *, file_name: str, owner: str,
                  clock: Clock = utcnow) -> str:
    """Store a UN list import of ``content`` and queue it; its id."""
    with unit_of_work(node, clock()) as work:
        import_id = listimports.create(work, content=content, file_name=file_name,
                                       owner=owner)
        enqueue(work, "import_watchlist", import_id, clock=clock)
    return import_id


def start_local(node: Node, task: str, job_id: str, clock: Clock = utcnow) -> bool:
    """Run a job in a background thread of this process, unless it runs here already."""
    with _local_lock:
        if (task, job_id) in _local:
            return False
        _local.add((task, job_id))
    threading.Thread(target=_run_local, args=(node, task, job_id, clock), daemon=True,
                     name=f"fts-job-{task}-{job_id[:6]}").start()
    return True


def _run_local(node: Node, task: str, job_id: str, clock: Clock) -> None:
    try:
        _run(node, task, job_id, clock)
    except FtsError as exc:  # the row says it failed, and why; the thread ends
        log.warning("job %s %s failed: %s", task, job_id, exc.detail)
    except Exception:
        log.exception("job %s %s failed", task, job_id)
    finally:
        with _local_lock:
            _local.discard((task, job_id))


def _run(node: Node, task: str, job_id: str, clock: Clock) -> None:
    metrics.job_started(node.code)
    try:
        TASKS[task](node, job_id, clock)
    finally:
        metrics.job_ended(node.code)
        observe_depth(node, clock)


def resume_local(node: Node, clock: Clock = utcnow) -> int:
    """SQLite: run in this process the jobs a stopped process left unfinished; how
    many. PostgreSQL: nothing (the workers retry stalled jobs)."""
    if on_postgresql(node):
        return 0
    now = clock()
    started = [start_local(node, "screen_batch", i, clock)
               for i in batchjobs.unfinished(node, now)]
    started += [start_local(node, "import_watchlist", i, clock)
                for i in listimports.unfinished(node, now)]
    return sum(started)


def depth(node: Node, now: datetime) -> dict[str, int]:
    """Jobs waiting or running, by task (the gauge ``fts_job_queue_depth``)."""
    with reading(node, now) as work:
        return {"screen_batch": batchjobs.depth(work),
                "import_watchlist": listimports.depth(work)}


def _app(url: str, functions: dict[str, Callable[..., None]], **pool: Any) -> Any:
    """A procrastinate app on the database at ``url`` with the node's tasks."""
    import procrastinate

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(
        conninfo=conninfo(url), **pool))
    for name, function in functions.items():
        app.task(name=name, queue=QUEUE)(function)
    return app


def _make_app(node: Node, clock: Clock, **pool: Any) -> Any:
    """A worker's app: each task runs the node's job by its id."""
    return _app(node.store.url, {name: _task(node, name, clock) for name in TASKS}, **pool)


def _task(node: Node, name: str, clock: Clock) -> Callable[..., None]:
    def job(job_id: str) -> None:
        _run(node, name, job_id, clock)

    job.__name__ = job.__qualname__ = name
    return job


def _not_here(job_id: str) -> None:
    raise RuntimeError(f"job {job_id}: deferring apps do not run jobs")


def _deferrer(node: Node) -> Any:
    """The app this process defers with, one per database (never opened: each
    deferral runs on the connection of the transaction that stores the job's row)."""
    url = node.store.url
    with _deferrers_lock:
        if url not in _deferrers:
            _deferrers[url] = _app(url, dict.fromkeys(TASKS, _not_here))
        return _deferrers[url]


def work(node: Node, *, burst: bool = False, clock: Clock = utcnow,
         stop: threading.Event | None = None) -> None:
    """Run a procrastinate worker for the node's jobs (PostgreSQL). ``burst``: stop
    once no job is waiting; else run until ``stop`` is set (or the process is
    signalled, when this is the main thread). Jobs of dead workers are retried first,
    then every ``[ops] job_stalled_seconds``."""
    if not on_postgresql(node):
        raise ValueError("a queue worker needs PostgreSQL; on SQLite jobs run in-process")
    asyncio.run(_work(node, burst=burst, clock=clock, stop=stop))


async def _work(node: Node, *, burst: bool, clock: Clock,
                stop: threading.Event | None) -> None:
    stalled = node.config.ops.job_stalled_seconds
    app = _make_app(node, clock, min_size=1, max_size=4)
    main = threading.current_thread() is threading.main_thread()
    async with app.open_async():
        await _retry_stalled(app, stalled)
        runner = asyncio.create_task(app.run_worker_async(
            queues=[QUEUE], wait=not burst, install_signal_handlers=main and stop is None,
            name=f"fts-{node.code}-{os.getpid()}", delete_jobs="successful",
            update_heartbeat_interval=max(stalled / 4, 0.5), stalled_worker_timeout=stalled,
            fetch_job_polling_interval=2.0))
        if burst:
            await runner
            return
        while not runner.done():
            done, _ = await asyncio.wait({runner}, timeout=min(stalled, 5.0))
            if done:
                break
            if stop is not None and stop.is_set():
                runner.cancel()
                break
            await _retry_stalled(app, stalled)
            await asyncio.to_thread(observe_depth, node, clock)
        await asyncio.gather(runner, return_exceptions=True)


async def _retry_stalled(app: Any, seconds: float) -> int:
    """Queue again the jobs of workers silent for ``seconds``; how many."""
    jobs = list(await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=seconds))
    for job in jobs:
        log.warning("job %s %s: its worker stopped; retried", job.task_name, job.id)
        await app.job_manager.retry_job(job)
    return len(jobs)


RESTART_SECONDS = 5.0
"""how long a serve process's queue worker waits before it starts again after an error"""


class WorkerThread:
    """A queue worker in a background thread of a ``serve`` process (PostgreSQL)."""

    def __init__(self, node: Node, clock: Clock = utcnow) -> None:
        self.node, self.clock = node, clock
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="fts-jobs", daemon=True)

    def _run(self) -> None:
        """Run the worker; when it stops on an error (the database went away), start
        it again after :data:`RESTART_SECONDS`, until asked to stop."""
        while not self._stop.is_set():
            try:
                work(self.node, clock=self.clock, stop=self._stop)
            except Exception:
                log.exception("the job worker stopped; it starts again in %s s",
                              RESTART_SECONDS)
            self._stop.wait(RESTART_SECONDS)

    def start(self) -> WorkerThread:
        """Start the worker."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop taking jobs; wait a little for the one running."""
        self._stop.set()
        self.thread.join(timeout=10)
