"""What committed transactions wrote, tallied for the node's metrics.

A writer notes what it adds to a session (:func:`note`: audit appends by action,
alerts by kind); when the transaction commits, the tally goes to the callback
registered for the session's engine (:func:`observe`); when it rolls back, the tally
is dropped. So a counter never counts what was not stored. A tally holds names and
labels only, never a row's content.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

Tally = Counter[tuple[str, str]]
"""How many of each (what, label) a transaction wrote."""

_KEY = "fts_share.observe.tally"
_observers: WeakKeyDictionary[Engine, Callable[[Tally], None]] = WeakKeyDictionary()


def note(session: Session, what: str, label: str = "", count: int = 1) -> None:
    """Tally ``count`` rows of ``what`` (with ``label``) written in ``session``'s
    transaction."""
    tally: Tally | None = session.info.get(_KEY)
    if tally is None:  # (not setdefault: a Counter built for every row noted)
        tally = session.info[_KEY] = Counter()
    tally[(what, label)] += count


def observe(engine: Engine, callback: Callable[[Tally], None]) -> None:
    """Call ``callback`` with the tally of every transaction committed on ``engine``."""
    _observers[engine] = callback


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    tally: Tally | None = session.info.pop(_KEY, None)
    if not tally:
        return
    bind = session.bind
    callback = _observers.get(bind) if isinstance(bind, Engine) else None
    if callback is not None:
        callback(tally)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_KEY, None)
