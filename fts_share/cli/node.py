"""Commands that run a node: ``init``, ``serve``, ``poll`` and ``purge``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from fts_share.cli.common import HOME, load_passphrase
from fts_share.clock import utcnow
from fts_share.services import logs, metrics, running

POLL_COLUMNS = ("peer", "ok", "pages", "received", "duplicates", "rejected", "error")


@click.command()
@click.argument("home", type=HOME)
@click.option("--node", "code", required=True, help="This partner's code, e.g. FRA.")
@click.option("--url", required=True, help="The base URL partners reach this node at.")
@click.option("--database-url", default=None, help="A database URL (default: SQLite in HOME).")
@click.option("--no-pq", is_flag=True, help="Do not create a hybrid post-quantum key.")
def init(home: Path, code: str, url: str, database_url: str | None, no_pq: bool) -> None:
    """Create a node home: config, keys, database.

    Private keys are protected with the passphrase in FTS_SHARE_KEY_PASSPHRASE, if set.
    """
    cfg = running.create_home(home, code=code, url=url, passphrase=load_passphrase(),
                              post_quantum=not no_pq, database_url=database_url)
    click.echo(f"node {cfg.code} created in {cfg.home}")
    click.echo(f"public keys for the secretariat: {cfg.home / 'keys' / 'public.json'}")


@click.command()
@click.argument("home", type=HOME)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--no-poll", is_flag=True, help="Serve only; do not poll partners.")
@click.option("--workers", default=1, show_default=True, type=int,
              help="Worker processes (gunicorn; PostgreSQL only). One process serves "
                   "SQLite, with waitress.")
@click.option("--no-jobs", is_flag=True,
              help="PostgreSQL: run no job queue worker in this process (run "
                   "'fts-share jobs worker HOME' instead). SQLite runs jobs in-process.")
def serve(home: Path, host: str, port: int, no_poll: bool, workers: int,
          no_jobs: bool) -> None:
    """Run the node: API, web pages, the poller and a job queue worker (waitress;
    gunicorn workers with --workers N on PostgreSQL, one of which polls)."""
    from fts_share.app import create_app  # (imported here: only serve needs Flask)
    from fts_share.services import serving

    if workers != 1:
        click.echo(f"serving {home} on http://{host}:{port} with {workers} workers")
        running.serve_workers(home, host=host, port=port, workers=workers, poll=not no_poll,
                              make_app=lambda node: create_app(node=node), jobs=not no_jobs)
        return
    node = running.open_node(home)
    logs.configure(node.config.ops)  # JSON lines with request ids ([ops] log_format)
    server = serving.make_server(create_app(node=node), host=host, port=port,
                                 trust_forwarded=bool(node.config.limits.trusted_proxies))
    # Without polling the loop still runs: it signs the audit heads.
    poller = running.background_poller(node, interval=node.config.federation.poll_interval,
                                       poll=not no_poll)
    poller.start()
    jobs = running.start_jobs(node, worker=not no_jobs)
    click.echo(f"{node.code} serving on http://{host}:{port}")
    try:
        server.run()
    finally:
        if jobs is not None:
            jobs.stop()
        poller.stop()
        running.flush_refusals(node)


@click.command()
@click.argument("home", type=HOME)
@click.option("--json", "as_json", is_flag=True)
def poll(home: Path, as_json: bool) -> None:
    """Poll every partner once."""
    node = running.open_node(home)
    try:
        with metrics.dropped_unless_shared():  # a process that serves no /metrics
            rows = [{k: r[k] for k in POLL_COLUMNS} for r in running.poll_once(node)]
    finally:
        node.close()  # on SQLite, the last commits checkpointed from the write-ahead log
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        status = "ok" if r["ok"] else f"failed: {r['error']}"
        click.echo(f"{r['peer']}: {status}; received {r['received']}, "
                   f"duplicates {r['duplicates']}, rejected {r['rejected']}")


@click.command()
@click.argument("home", type=HOME)
def purge(home: Path) -> None:
    """Purge the content of every notice past its review date."""
    node = running.open_node(home)
    try:
        count = running.purge(node, now=utcnow())
    finally:
        node.close()
    click.echo(f"purged {count} notice version(s)")
