"""How old the roster in force is: fresh, aging (warn) or stale (refuse).

The secretariat re-issues the roster regularly, so a node whose roster is old has
missed revocations and key changes. Two thresholds, in days after the roster's
``issued`` time (``[federation] roster_warn_days`` and ``roster_max_days``; 0 turns
either off): from the first the roster is *aging* and the node says so; from the
second it is *stale* and the node neither polls nor serves partners until a fresher
roster is imported. Time is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fts_share.clock import to_rfc3339

FRESH, AGING, STALE = "fresh", "aging", "stale"
STATES = (FRESH, AGING, STALE)


@dataclass(frozen=True)
class Freshness:
    """The age of a roster version at some time, and what it means."""

    version: int
    issued: datetime
    age: timedelta
    state: str
    warn_days: int
    max_days: int

    @property
    def age_days(self) -> float:
        """The age in days (one decimal)."""
        return round(self.age.total_seconds() / 86400, 1)

    @property
    def stale(self) -> bool:
        """True when the node must neither poll nor serve partners."""
        return self.state == STALE

    def message(self) -> str:
        """One line for the operator (logs, problem details, pages)."""
        base = (f"the roster in force (version {self.version}, issued "
                f"{to_rfc3339(self.issued)}) is {self.age_days} days old")
        if self.state == STALE:
            return (f"{base}, older than federation.roster_max_days ({self.max_days}): "
                    "the node neither polls nor serves partners until a fresher roster "
                    "is imported ('fts-share roster import')")
        if self.state == AGING:
            return (f"{base}, older than federation.roster_warn_days ({self.warn_days}): "
                    "ask the secretariat for a fresh roster")
        return base

    def to_json(self) -> dict[str, Any]:
        """As ``node-info.schema.json`` ``roster.freshness``."""
        return {"state": self.state, "age_days": self.age_days,
                "warn_days": self.warn_days, "max_days": self.max_days}


def assess(*, version: int, issued: datetime, now: datetime, warn_days: int,
           max_days: int) -> Freshness:
    """The freshness at ``now`` of roster ``version`` issued at ``issued`` (a roster
    dated in the future counts as just issued)."""
    age = max(now - issued, timedelta(0))
    if max_days and age >= timedelta(days=max_days):
        state = STALE
    elif warn_days and age >= timedelta(days=warn_days):
        state = AGING
    else:
        state = FRESH
    return Freshness(version=version, issued=issued, age=age, state=state,
                     warn_days=warn_days, max_days=max_days)
