"""``fts-share jobs``: the job queue's worker (PostgreSQL; :mod:`fts_share.services.jobqueue`)."""

from __future__ import annotations

from pathlib import Path

import click

from fts_share.cli.common import HOME
from fts_share.errors import ConfigError
from fts_share.services import jobqueue, logs, running


@click.group("jobs")
def jobs_group() -> None:
    """The job queue: batch screenings and list imports, out of the web request."""


@jobs_group.command("worker")
@click.argument("home", type=HOME)
@click.option("--burst", is_flag=True,
              help="Stop once no job is waiting (else run until stopped: SIGINT, SIGTERM).")
def worker(home: Path, burst: bool) -> None:
    """Run the jobs of the node's queue (PostgreSQL). Jobs of a worker that died are
    run again (after [ops] job_stalled_seconds). SQLite runs jobs in-process."""
    node = running.open_node(home)
    try:
        if not jobqueue.on_postgresql(node):
            raise ConfigError("the job queue needs PostgreSQL; on SQLite the node runs "
                              "its jobs in-process (fts-share serve)")
        logs.configure(node.config.ops)
        click.echo(f"{node.code}: job worker{' (burst)' if burst else ''} started", err=True)
        jobqueue.work(node, burst=burst)
    finally:
        node.close()
