"""Checks every request passes before any view: a path with a control character is
refused (422, ``path`` named) and recorded as refused access; a query argument with
a NUL or other control character is refused (422, the argument named) before it can
reach a store (PostgreSQL refuses NUL in text, and a log line must stay one line)."""

from __future__ import annotations

import re

from flask import Flask, request

from fts_share.api import auth
from fts_share.errors import ValidationError

CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_request() -> None:
    """The app's first ``before_request``: refuse control characters in the path
    (recorded) and in query arguments."""
    if CONTROL.search(request.path):
        raise auth._refuse(None, "control character in the path",
                           ValidationError({"path": ["contains a control character"]}))
    bad = sorted({CONTROL.sub("?", name)[:64] for name, value in request.args.items(multi=True)
                  if CONTROL.search(name) or CONTROL.search(value)})
    if bad:
        raise ValidationError({name: ["contains a control character"] for name in bad})


def init_app(app: Flask) -> None:
    """Install :func:`check_request` before every request of ``app``."""
    app.before_request(check_request)
