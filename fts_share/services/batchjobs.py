"""Batch screening jobs: stored in the database, run as jobs of the queue
(:mod:`fts_share.services.jobqueue`) in chunks, resumed after a restart, removed after
their retention time (``[api] batch_retention_hours``).

Each chunk of rows is screened, logged and added to the job's results in one
transaction: a process that dies mid-chunk leaves the job at its last whole chunk, and
whoever resumes it (a queue worker retrying a stalled job) starts from there, so no row is screened twice
and none is skipped. The queue only schedules and runs :func:`run`; the progress and
results are this table's. The results hold the rows' names and hits (personal data): they are
shown to the job's owner only and deleted when the job expires.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select

from fts_share.errors import NotFound, RateLimited
from fts_share.services import screening
from fts_share.services.node import Node
from fts_share.services.unit import Work, reading, unit_of_work
from fts_share.storage.jobs_tables import ScreeningJob

#: rows screened per transaction
CHUNK = 100
#: jobs running at once on one node
MAX_RUNNING = 20


def purge_expired(work: Work) -> int:
    """Delete the jobs whose retention time has passed; how many."""
    gone = work.session.execute(delete(ScreeningJob).where(ScreeningJob.expires <= work.now))
    return int(getattr(gone, "rowcount", 0) or 0)


def create(work: Work, *, rows: list[dict[str, Any]], purpose: str,
           legal_basis: list[str], owner: int, actor: str) -> str:
    """Store a new job (to run: :func:`run`, or queue it with
    :func:`fts_share.services.jobqueue.enqueue`); its id. Too many running: 429."""
    purge_expired(work)
    running = work.session.scalar(select(func.count()).select_from(ScreeningJob)
                                  .where(ScreeningJob.status == "running")) or 0
    if running >= MAX_RUNNING:
        raise RateLimited("too many batch screenings are running; try again later",
                          retry_after=30)
    hours = work.node.config.api.batch_retention_hours
    job = ScreeningJob(id=secrets.token_urlsafe(16), owner=owner, actor=actor,
                       status="running", total=len(rows), done=0, created=work.now,
                       heartbeat=work.now, expires=work.now + timedelta(hours=hours),
                       request=json.dumps({"rows": rows, "purpose": purpose,
                                           "legal_basis": legal_basis}, default=str),
                       results="[]")
    work.session.add(job)
    return job.id


def get(node: Node, job_id: str, *, owner: int, now: datetime) -> dict[str, Any]:
    """The job as the owner's pages show it (404 for anyone else, or once expired)."""
    with reading(node, now) as work:
        job = work.session.get(ScreeningJob, job_id)
        if job is None or job.owner != owner or job.expires <= now:
            raise NotFound("no such screening job")
        return {"id": job.id, "status": job.status, "total": job.total, "done": job.done,
                "created": job.created, "finished": job.finished, "expires": job.expires,
                "error": job.error,
                "results": json.loads(job.results) if job.status == "done" else None}


def _why(exc: Exception) -> str:
    detail = getattr(exc, "detail", None)
    return str(detail)[:300] if detail else "unexpected error"


def fail(node: Node, job_id: str, exc: Exception, now: datetime) -> None:
    """Mark a job that raised as failed (its rows dropped), so its page says so."""
    with unit_of_work(node, now) as work:
        job = work.session.get(ScreeningJob, job_id)
        if job is not None and job.status == "running":
            job.status, job.error, job.finished = "failed", _why(exc), work.now
            job.request = None


def unfinished(node: Node, now: datetime) -> list[str]:
    """The jobs not yet done (to resume in-process at start, on SQLite)."""
    with reading(node, now) as work:
        return list(work.session.scalars(select(ScreeningJob.id)
                                         .where(ScreeningJob.status == "running")))


def depth(work: Work) -> int:
    """How many jobs are waiting or running."""
    return int(work.session.scalar(select(func.count()).select_from(ScreeningJob)
                                   .where(ScreeningJob.status == "running")) or 0)


def run(node: Node, job_id: str, clock: Callable[[], datetime]) -> None:
    """Screen the job's remaining rows, one chunk per transaction, until it is done; a
    job that raises is marked failed (and the error raised again)."""
    try:
        while _chunk(node, job_id, clock()):
            pass
    except Exception as exc:  # the page must say it failed, not spin forever
        fail(node, job_id, exc, clock())
        raise


def _chunk(node: Node, job_id: str, now: datetime) -> bool:
    """Screen the next chunk; False when there is nothing (more) to do."""
    with unit_of_work(node, now) as work:
        job = work.session.get(ScreeningJob, job_id, with_for_update=True)
        if job is None or job.status != "running" or job.request is None:
            return False
        request = json.loads(job.request)
        rows = request["rows"][job.done:job.done + CHUNK]
        screened = screening.screen(work, queries=screening.iter_queries(rows),
                                    purpose=request["purpose"],
                                    legal_basis=request["legal_basis"], actor=job.actor,
                                    batch=True)
        for row, result in zip(rows, screened, strict=True):
            result["name"] = row["name"]
        job.results = json.dumps(json.loads(job.results) + screened)
        job.done += len(rows)
        job.heartbeat = now
        if job.done >= job.total:
            job.status, job.finished, job.request = "done", now, None
            return False
        return True
