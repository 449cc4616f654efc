"""Refused unauthenticated requests, counted per source and minute
(:mod:`fts_share.services.refusals`) instead of one audit entry each; the counters of
closed minutes are written to the log at the first request after the minute closes."""

from __future__ import annotations

import threading
from datetime import datetime

from flask import Flask, current_app, request

from fts_share.http import clients, context, operations
from fts_share.services import refusals

EXTENSION = "fts_share_refusals"


class _NextFlush:
    """When this worker next writes the closed minutes' counters (the start of the
    minute after the last flush)."""

    def __init__(self) -> None:
        self.due: datetime | None = None
        self.lock = threading.Lock()

    def take(self, now: datetime) -> bool:
        with self.lock:
            if self.due is not None and now < self.due:
                return False
            self.due = refusals.next_minute(now)
            return True


def count(reason: str) -> None:
    """Count a refused, unauthenticated request of this request's client address."""
    refusals.count(context.node(), context.now(), source=clients.client_address(),
                   reason=reason)


def _flush_if_due() -> None:
    if operations.is_operations_request(request.blueprint):
        return  # a probe must not wait on (or fail with) the database
    now = context.now()
    due: _NextFlush = current_app.extensions[EXTENSION]
    if due.take(now):
        refusals.flush_closed(context.node(), now)


def init_app(app: Flask) -> None:
    """Flush closed minutes before the first request of each new minute."""
    app.extensions[EXTENSION] = _NextFlush()
    app.before_request(_flush_if_due)
