"""Bidirectional text: data inside a page is isolated from the words around it.

In an Arabic page, a date such as ``2026-12-05 03:16``, a reference such as
``QDi.299``, a partner code or a Latin name would otherwise be reordered by the
Unicode bidirectional algorithm ("03:16 2026-12-05"). Each filter wraps its value in
``<bdi>`` (HTML's isolate): ``bdi`` lets the value choose its own direction (names,
free text), ``ltr`` forces left to right (codes, references, numbers, dates), and
``when`` writes a time as a ``<time>`` element read left to right.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import Flask
from markupsafe import Markup, escape


def bdi(value: Any) -> Markup:
    """``value`` isolated, its direction taken from its first strong character."""
    if value is None or value == "":
        return Markup("")
    return Markup("<bdi>%s</bdi>") % (value,)


def ltr(value: Any) -> Markup:
    """``value`` isolated and written left to right (a code, reference or number)."""
    if value is None or value == "":
        return Markup("")
    return Markup('<bdi dir="ltr">%s</bdi>') % (value,)


def when(value: Any, minutes: bool = True) -> Markup:
    """A date or time as ``<time>``, read left to right; ``-`` when there is none.

    Aware datetimes are shown in UTC (``YYYY-MM-DD HH:MM``); dates and strings (an
    RFC 3339 time or a partial date such as ``1994-05``) as they are."""
    if value is None or value == "":
        return Markup("-")
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        machine = value.strftime("%Y-%m-%dT%H:%M:%SZ")
        shown = value.strftime("%Y-%m-%d %H:%M" if minutes else "%Y-%m-%d")
    elif isinstance(value, date):
        machine = shown = value.isoformat()
    else:
        text = str(value)
        machine = text
        shown = text[:16].replace("T", " ") if "T" in text else text
    return Markup('<time datetime="%s"><bdi dir="ltr">%s</bdi></time>') % (
        escape(machine), shown)


def init_app(app: Flask) -> None:
    """Register the filters ``bdi``, ``ltr`` and ``when`` (and as globals)."""
    for name, func in (("bdi", bdi), ("ltr", ltr), ("when", when)):
        app.add_template_filter(func, name)
        app.add_template_global(func, name)
