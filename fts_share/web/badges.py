"""What every officer page shows: how many match alerts are new, with a link to them
(a count, never a name)."""

from __future__ import annotations

import logging

from flask import g

from fts_share.http import context
from fts_share.services import alerts

log = logging.getLogger(__name__)


def new_alert_count() -> int:
    """How many alerts are new (read once per request; 0 if the store cannot say, so
    that the menu never breaks a page, an error page included)."""
    if "fts_new_alerts" not in g:
        try:
            with context.read() as work:
                g.fts_new_alerts = alerts.count(work, "new")
        except Exception:  # the menu's badge must not turn a page into an error
            log.warning("could not count the new alerts", exc_info=True)
            g.fts_new_alerts = 0
    return int(g.fts_new_alerts)
