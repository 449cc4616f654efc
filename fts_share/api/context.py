"""Per-app state (the node, the clock) and helpers the views share."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterator

from flask import Flask, current_app, request
from contextlib import contextmanager
from sqlalchemy.orm import Session

from fts_share.clock import Clock
from marshmallow import Schema
from marshmallow import ValidationError as MarshmallowError

from fts_share.errors import MalformedRequest, ValidationError
from fts_share.node import Node

EXTENSION = "fts_share"


@dataclass
class AppState:
    """What a running node app holds."""

    node: Node
    clock: Clock
    services: dict[str, Any] = field(default_factory=dict)


def init_app(app: Flask, *, node: Node, clock: Clock) -> None:
    """Attach the node and the clock to ``app``."""
    app.extensions[EXTENSION] = AppState(node=node, clock=clock)


def state() -> AppState:
    """The current app's state."""
    return current_app.extensions[EXTENSION]


def node() -> Node:
    """The current app's node."""
    return state().node


def now() -> datetime:
    """The current time, from the app's clock."""
    return state().clock()


@contextmanager
def transaction() -> Iterator[Session]:
    """A database transaction on the node's store."""
    with node().store.transaction() as session:
        yield session


@contextmanager
def reading() -> Iterator[Session]:
    """A read-only session on the node's store."""
    with node().store.read() as session:
        yield session


def json_body() -> Any:
    """The request body as JSON; anything else is a MalformedRequest problem."""
    if not request.mimetype or request.mimetype != "application/json":
        raise MalformedRequest("the body must be application/json")
    raw = request.get_data(cache=True)
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedRequest(f"the body is not valid JSON: {exc}") from exc
    except RecursionError:
        raise MalformedRequest("the body is not valid JSON: nested too deeply") from None


def load_args(schema: Schema, data: Any | None = None) -> dict[str, Any]:
    """Load query arguments (or ``data``) with a marshmallow schema; errors become a
    ValidationError naming the fields."""
    try:
        return dict(schema.load(request.args.to_dict() if data is None else data))
    except MarshmallowError as exc:
        raise ValidationError(exc.messages_dict) from None
