"""Batch screening jobs: stored in the database, run as jobs of the queue
(:mod:`fts_share.services.jobqueue`) in chunks, resumed after a restart, removed after
their retention time (``[api] batch_retention_hours``).

A job's rows are stored one per table row (:class:`ScreeningJobRow`), inserted at
once when the job is created. Each chunk reads only its own rows, and its results
are written (one statement, which also clears the rows' input: the result keeps the
ref and name) in the transaction that logs the chunk's screening and
moves the job's ``done`` on: a process that dies mid-chunk leaves the job at its last
whole chunk, and whoever resumes it (a queue worker retrying a stalled job) starts
from there, so no row is screened twice and none is skipped, and a chunk costs the
same whether it is the first or the thousandth. The queue only schedules and runs
:func:`run`; the progress and results are these tables'. The results hold the rows'
names and hits (personal data): they are shown to the job's owner only and deleted
when the job expires.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from fts_share.errors import NotFound, RateLimited
from fts_share.services import screening
from fts_share.services.node import Node
from fts_share.services.unit import Work, reading, unit_of_work
from fts_share.storage.jobs_tables import ScreeningJob, ScreeningJobRow

#: rows screened per transaction
CHUNK = 100
#: jobs running at once on one node
MAX_RUNNING = 20
#: the summary of a job with no row screened yet
EMPTY_SUMMARY: dict[str, Any] = {"with_hits": 0, "measures": []}


def purge_expired(work: Work) -> int:
    """Delete the jobs whose retention time has passed, with their rows; how many."""
    expired = select(ScreeningJob.id).where(ScreeningJob.expires <= work.now)
    work.session.execute(delete(ScreeningJobRow).where(ScreeningJobRow.job_id.in_(expired)))
    gone = work.session.execute(delete(ScreeningJob).where(ScreeningJob.expires <= work.now))
    return int(getattr(gone, "rowcount", 0) or 0)


def create(work: Work, *, rows: list[dict[str, Any]], purpose: str,
           legal_basis: list[str], owner: int, actor: str) -> str:
    """Store a new job and its rows (to run: :func:`run`, or queue it with
    :func:`fts_share.services.jobqueue.enqueue`); its id. Too many running: 429."""
    purge_expired(work)
    if depth(work) >= MAX_RUNNING:
        raise RateLimited("too many batch screenings are running; try again later",
                          retry_after=30)
    hours = work.node.config.api.batch_retention_hours
    job = ScreeningJob(id=secrets.token_urlsafe(16), owner=owner, actor=actor,
                       status="running", total=len(rows), done=0, created=work.now,
                       heartbeat=work.now, expires=work.now + timedelta(hours=hours),
                       request=json.dumps({"purpose": purpose, "legal_basis": legal_basis}),
                       summary=json.dumps(EMPTY_SUMMARY))
    work.session.add(job)
    work.session.flush()  # the rows' foreign key
    if rows:
        work.session.execute(insert(ScreeningJobRow), [
            {"job_id": job.id, "row": i, "input": json.dumps(row, default=str)}
            for i, row in enumerate(rows)])
    return job.id


def _owned(work: Work, job_id: str, owner: int) -> ScreeningJob:
    job = work.session.get(ScreeningJob, job_id)
    if job is None or job.owner != owner or job.expires <= work.now:
        raise NotFound("no such screening job")
    return job


def get(node: Node, job_id: str, *, owner: int, now: datetime,
        with_results: bool = True) -> dict[str, Any]:
    """The job as the owner's pages show it (404 for anyone else, or once expired):
    ``results`` every row's result once done (None before, or if not
    ``with_results``: read a page with :func:`results`), ``summary`` the rows with
    a hit and the measure codes seen."""
    with reading(node, now) as work:
        job = _owned(work, job_id, owner)
        found = {"id": job.id, "status": job.status, "total": job.total, "done": job.done,
                 "created": job.created, "finished": job.finished, "expires": job.expires,
                 "error": job.error, "results": None,
                 "summary": json.loads(job.summary) if job.summary else EMPTY_SUMMARY}
        if job.status == "done" and with_results:
            found["results"] = _read(work, job_id, 0, None)
        return found


def results(node: Node, job_id: str, *, owner: int, now: datetime, offset: int = 0,
            limit: int | None = None) -> list[dict[str, Any]]:
    """A done job's results in row order, from row ``offset``, at most ``limit``."""
    with reading(node, now) as work:
        job = _owned(work, job_id, owner)
        return _read(work, job.id, offset, limit) if job.status == "done" else []


def _read(work: Work, job_id: str, offset: int, limit: int | None) -> list[dict[str, Any]]:
    query = (select(ScreeningJobRow.result).where(ScreeningJobRow.job_id == job_id,
                                                  ScreeningJobRow.row >= offset)
             .order_by(ScreeningJobRow.row))
    if limit is not None:
        query = query.limit(limit)
    return [json.loads(r) for r in work.session.scalars(query) if r is not None]


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
            work.session.execute(delete(ScreeningJobRow)
                                 .where(ScreeningJobRow.job_id == job_id))


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


def _summed(summary: str | None, screened: list[dict[str, Any]]) -> str:
    """The job's summary with a chunk's results added."""
    before = json.loads(summary) if summary else EMPTY_SUMMARY
    measures = set(before["measures"]) | {m for r in screened for h in r.get("hits", [])
                                          for m in h.get("measures") or []}
    return json.dumps({"with_hits": before["with_hits"] + sum(1 for r in screened
                                                              if r.get("hit")),
                       "measures": sorted(measures)})


def _chunk(node: Node, job_id: str, now: datetime) -> bool:
    """Screen the next chunk; False when there is nothing (more) to do."""
    with unit_of_work(node, now) as work:
        job = work.session.get(ScreeningJob, job_id, with_for_update=True)
        if job is None or job.status != "running" or job.request is None:
            return False
        request = json.loads(job.request)
        numbered = work.session.execute(
            select(ScreeningJobRow.row, ScreeningJobRow.input)
            .where(ScreeningJobRow.job_id == job_id, ScreeningJobRow.row >= job.done)
            .order_by(ScreeningJobRow.row).limit(CHUNK)).all()
        rows = [json.loads(r.input) for r in numbered]
        screened = screening.screen(work, queries=screening.iter_queries(rows),
                                    purpose=request["purpose"],
                                    legal_basis=request["legal_basis"], actor=job.actor,
                                    batch=True)
        for row, result in zip(rows, screened, strict=True):
            result["name"] = row["name"]
        if numbered:
            work.session.execute(update(ScreeningJobRow), [
                {"job_id": job_id, "row": n.row, "result": json.dumps(result), "input": None}
                for n, result in zip(numbered, screened, strict=True)])
        job.summary = _summed(job.summary, screened)
        job.done += len(rows)
        job.heartbeat = now
        if job.done >= job.total:
            job.status, job.finished, job.request = "done", now, None
            return False
        return True
