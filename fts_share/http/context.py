"""Per-app state (the node, the clock) and the request helpers both porches use.

``work()`` and ``read()`` give a :class:`~fts_share.services.unit.Work` for a service
call; ``json_body()`` and ``load_args()`` read a request with errors of the product's
hierarchy (``fts_share.errors``), which ``fts_share.api.problems`` maps to problem+json.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from flask import Flask, current_app, request
from marshmallow import Schema
from marshmallow import ValidationError as MarshmallowError

from fts_share import jsontext
from fts_share.clock import Clock
from fts_share.errors import MalformedRequest, ValidationError, hide_odd_members
from fts_share.services import unit
from fts_share.services.unit import Work

if TYPE_CHECKING:
    
    from fts_share.services.node import Node

EXTENSION = "fts_share"


@dataclass
class AppState:
    """What a running node app holds."""

    node: Node
    clock: Clock
    services: dict[str, Any] = field(default_factory=dict)


def init_app(app: Flask, *, node: Node, clock: Clock) -> None:
    """Attach the node and the clock to ``app``; every request sees the newest roster
    installed, whichever process installed it (:meth:`Node.roster_may_change`)."""
    app.extensions[EXTENSION] = AppState(node=node, clock=clock)
    app.before_request(node.roster_may_change)


def state() -> AppState:
    """The current app's state."""
    return cast(AppState, current_app.extensions[EXTENSION])


def node() -> Node:
    """The current app's node."""
    return state().node


def now() -> datetime:
    """The current time, from the app's clock."""
    return state().clock()


@contextmanager
def work() -> Iterator[Work]:
    """A unit of work (one write transaction, committed on success) at the app's time."""
    with unit.unit_of_work(node(), now()) as uow:
        yield uow


@contextmanager
def read() -> Iterator[Work]:
    """A unit of work for reads only, at the app's time."""
    with unit.reading(node(), now()) as uow:
        yield uow


def vocabularies() -> dict[str, list[str]]:
    """The configured legal bases and purposes (as the request schemas take them)."""
    h = node().config.handling
    return {"legal_bases": list(h.legal_bases), "purposes": list(h.purposes)}


def json_body() -> Any:
    """The request body as JSON; anything else is a MalformedRequest problem."""
    if not request.mimetype or request.mimetype != "application/json":
        raise MalformedRequest("the body must be application/json")
    return jsontext.loads(request.get_data(cache=True), error=MalformedRequest)


def printable(text: str) -> str:
    """``text`` with its control characters written as ``\\xNN`` (for logs and audit
    entries: one line, and no NUL, which PostgreSQL refuses in text)."""
    return "".join(c if " " <= c != "\x7f" else f"\\x{ord(c):02x}" for c in text)


def load_args(schema: Schema, data: Any | None = None) -> dict[str, Any]:
    """Load query arguments (or ``data``) with a marshmallow schema; errors become a
    ValidationError naming the fields."""
    try:
        return dict(schema.load(request.args.to_dict() if data is None else data))
    except MarshmallowError as exc:
        raise ValidationError(hide_odd_members(exc.messages_dict)) from None
