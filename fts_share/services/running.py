"""Running a node from the command line: open or create its home, serve it, poll the
partners, purge expired content.

The one place where the command line reaches the node's home, the HTTP server and the
polling loop (:mod:`fts_share.services.polling`).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fts_share.clock import utcnow
from fts_share.config import NodeConfig, load_config
from fts_share.services import refusals
from fts_share.services.arrival import arrival_screening
from fts_share.services.node import Node, init_home
from fts_share.services.polling import Poller, purge_expired
from fts_share.services.serving import BackgroundPoller, ServerThread, make_server, reserve_port
from fts_share.services.unit import unit_of_work

__all__ = ["ServerThread", "background_poller", "create_home", "flush_refusals",
           "make_server", "open_node", "poll_once", "purge", "reserve_port"]


def open_node(home: Path, *, passphrase: bytes | None = None) -> Node:
    """Open the node at ``home``."""
    return Node.open(home, passphrase=passphrase)


def create_home(home: Path, *, code: str, url: str, passphrase: bytes | None = None,
                post_quantum: bool = True, database_url: str | None = None) -> NodeConfig:
    """Create a node home (config, keys, database) and return its configuration."""
    init_home(home, code=code, url=url, passphrase=passphrase, post_quantum=post_quantum,
              database_url=database_url)
    return load_config(home)


def background_poller(node: Node, *, interval: float) -> BackgroundPoller:
    """A poller loop (not started) that screens every received notice."""
    return BackgroundPoller(node, interval=interval, on_page=arrival_screening(node))


def poll_once(node: Node) -> list[dict[str, Any]]:
    """Poll every partner once (screening what arrives); one row per partner."""
    reports = Poller(node, on_page=arrival_screening(node)).poll_all(force=True)
    return [{"peer": r.peer, "ok": r.ok, "pages": r.pages, "received": r.result.received,
             "decrypted": r.result.decrypted, "duplicates": r.result.duplicates,
             "rejected": r.result.rejected, "error": r.error} for r in reports]


def purge(node: Node, *, now: datetime) -> int:
    """Purge the content of every notice past its review date; how many versions."""
    with unit_of_work(node, now) as work:
        return purge_expired(work)


def flush_refusals(node: Node) -> int:
    """Write the counted refusals, the current minute's too (a node that stops)."""
    return refusals.flush_closed(node, utcnow(), stopping=True)
