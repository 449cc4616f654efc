"""The node's logs: one JSON object per line, each with the request it belongs to.

:func:`configure` installs the format of the node's ``[ops]`` settings on the root
logger (``fts-share serve`` calls it). Every line logged while a request is served
carries that request's id (:data:`REQUEST_ID`, set by ``fts_share.http.tracing``
from a well-formed ``X-Request-ID`` or generated, and echoed in the response). Lines
of the poller and other background work carry none.

What is logged never includes a request's body: a line names routes, statuses,
partner codes and reasons, not names, dates of birth or document numbers.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

from fts_share.config import OpsSettings

REQUEST_ID: ContextVar[str | None] = ContextVar("fts_request_id", default=None)
"""The id of the request this thread is serving (None outside a request)."""

_WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}")
_HANDLER_NAME = "fts-share"
#: Attributes of every LogRecord; anything else given as ``extra=`` is written too.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def request_id(offered: str | None) -> str:
    """``offered`` (a client's X-Request-ID) if it is well formed, else a new id."""
    if offered and _WELL_FORMED.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, and the
    record's extra fields (``log.info("...", extra={"peer": "IRQ"})``)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname, "logger": record.name,
            "message": record.getMessage()}
        rid = REQUEST_ID.get()
        if rid is not None:
            line["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The classic one-line format, with the request id when there is one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        rid = REQUEST_ID.get()
        return f"{text} [request {rid}]" if rid is not None else text


def configure(settings: OpsSettings, stream: TextIO | None = None) -> logging.Handler:
    """Log to ``stream`` (standard error) in the format of ``settings``, replacing a
    handler an earlier call installed; returns the handler."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "task queue depth" noise
    return handler
