"""Languages: English, French and Arabic; the choice is kept in the session, else the
browser's Accept-Language decides."""

from __future__ import annotations

from typing import Any

from flask import Flask, request, session
from flask_babel import Babel, get_locale

LANGUAGES = {"en": "English", "fr": "Français", "ar": "العربية"}
RTL = frozenset({"ar"})
babel = Babel()
DEFAULT = "en"


def select_locale() -> str:
    """The language of this request."""
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    return request.accept_languages.best_match(list(LANGUAGES)) or DEFAULT


def current() -> str:
    """The current language code."""
    return str(get_locale() or DEFAULT)


def _context() -> dict[str, Any]:
    lang = current()
    from fts_share.http import context

    return {"lang": lang, "text_dir": "rtl" if lang in RTL else "ltr", "languages": LANGUAGES,
            "node_code": context.node().code}


def init_app(app: Flask) -> None:
    """Make ``lang``, ``text_dir`` and ``languages`` available to every template."""
    app.context_processor(_context)
