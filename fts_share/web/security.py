"""Security headers on every response, and CSRF checking for the web blueprints."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_wtf.csrf import CSRFProtect

#: No inline scripts or styles: the one script and the stylesheet are static files.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
csrf = CSRFProtect()
"""Flask-WTF's CSRF protection, bound by the app factory; the web blueprints check it."""
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _headers(resp: Response) -> Response:
    for name, value in HEADERS.items():
        resp.headers.setdefault(name, value)
    resp.headers.setdefault("Content-Security-Policy", CSP)
    if resp.mimetype == "text/html":
        resp.headers.setdefault("Cache-Control", "no-store")
    if request.is_secure:
        resp.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return resp


def check_csrf() -> None:
    """``before_request`` of the web blueprints: every unsafe request needs the token
    (a form field ``csrf_token`` or the ``X-CSRFToken`` header)."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()


def init_app(app: Flask) -> None:
    """Add the security headers to every response of ``app``."""
    app.after_request(_headers)
