"""Writing the watchlist index snapshot that worker processes map when they start
(``screening.snapshots``): on demand (``fts-share index snapshot HOME``) and, in the
process holding the poller lock, once the changes since the last snapshot pass
``WatchlistIndex.snapshot_after`` records (``write_if_due``, each poll round).

The screening service (and with it the matching engine) is imported by the functions
that need the index, so that a poll that screens nothing does not load it."""

from __future__ import annotations

import logging
from datetime import datetime

from fts_share.services.node import WATCHLIST_INDEX, Node
from fts_share.services.unit import unit_of_work
from fts_share.storage.watchlist import SqlWatchlist

log = logging.getLogger(__name__)


def snapshot_due(node: Node) -> bool:
    """Whether this process has loaded the node's watchlist index and it is due a new
    snapshot (``WatchlistIndex.snapshot_due``); loads nothing."""
    index = node.caches.get(WATCHLIST_INDEX)
    return index is not None and bool(index.snapshot_due)


def write_snapshot(node: Node, now: datetime) -> int:
    """Build the watchlist index from the store and write it as the newest snapshot;
    returns the change number it covers."""
    from fts_share.services.screening import watchlist_index

    with unit_of_work(node, now) as work:
        return watchlist_index(node).write_snapshot(SqlWatchlist(work.session), now=now)


def write_if_due(node: Node, now: datetime) -> int | None:
    """Write a new snapshot if this process's index has gathered more changes than
    ``snapshot_after`` over its snapshot; returns its stamp (``None``: not due)."""
    from fts_share.services.screening import current_index

    with unit_of_work(node, now) as work:
        index = current_index(work)
        if not index.snapshot_due:
            return None
        stamp = index.write_snapshot(SqlWatchlist(work.session), now=now)
    log.info("index snapshot of change %d written", stamp)
    return stamp
