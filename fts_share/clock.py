"""Time, passed in.

Domain code takes ``now: datetime`` arguments; only the edges (the app, the CLI, the
poller loop) call :func:`utcnow`. Every timestamp is timezone-aware UTC and is written
on the wire as RFC 3339 with a ``Z`` suffix.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The current time, aware, in UTC, truncated to microseconds."""
    return datetime.now(UTC)


def to_rfc3339(when: datetime) -> str:
    """Format an aware datetime as RFC 3339 UTC with a ``Z`` suffix."""
    if when.tzinfo is None:
        raise ValueError("naive datetime")
    return when.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_rfc3339(text: str) -> datetime:
    """Parse an RFC 3339 timestamp into an aware UTC datetime (``ValueError`` if bad)."""
    if not isinstance(text, str) or len(text) > 40:
        raise ValueError("not a timestamp")
    value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError("timestamp without a time zone")
    return value.astimezone(UTC)
