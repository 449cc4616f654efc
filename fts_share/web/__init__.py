"""Server-rendered pages for liaison officers and compliance reviewers.

One blueprint per area (:mod:`.auth`, :mod:`.officer`, :mod:`.screening`,
:mod:`.search`, :mod:`.reviewer`), in English, French and Arabic (Flask-Babel), with CSRF protection
on every form (Flask-WTF's ``CSRFProtect``, checked by the web blueprints only: the
JSON API authenticates with bearer tokens and request signatures, never cookies) and
security headers on every response.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from fts_share.web import bidi, i18n, security

TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def init_app(app: Flask) -> None:
    """Register the web blueprints, Babel, CSRF and the security headers on ``app``."""
    from fts_share.http import context
    from fts_share.web import admin, auth, officer, reviewer, screening, search

    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # the web blueprints check
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid as long as the session
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    if app.config.get("SESSION_COOKIE_NAME", "session") == "session":
        # One cookie per node: browsers share cookies across ports of one host.
        state = app.extensions.get(context.EXTENSION)
        code = state.node.code if state is not None else "node"
        secure = bool(app.config.get("SESSION_COOKIE_SECURE"))
        app.config["SESSION_COOKIE_NAME"] = ("__Host-" if secure else "") + f"fts-{code}"
    security.csrf.init_app(app)
    i18n.babel.init_app(app, locale_selector=i18n.select_locale)
    security.init_app(app)
    i18n.init_app(app)
    bidi.init_app(app)
    _template_globals(app)
    for module in (auth, officer, screening, search, reviewer, admin):
        app.register_blueprint(module.bp)
    app.add_url_rule("/", "web_root", auth.root)


def _template_globals(app: Flask) -> None:
    from fts_share.countries import BY_ALPHA3
    from fts_share.web import badges, labels, users

    def values(form: object, name: str) -> list[str]:
        """The values of a (multi-valued) form field, from a MultiDict or a dict."""
        getlist = getattr(form, "getlist", None)
        if getlist is not None:
            return list(getlist(name))
        value = form.get(name) if isinstance(form, dict) else None
        return list(value) if isinstance(value, (list, tuple)) else ([value] if value else [])

    def country_name(code: str | None) -> str:
        """A country's short name in the page's language (the code if unknown)."""
        found = BY_ALPHA3.get(code or "")
        return found.name(i18n.current()) if found else (code or "")

    app.add_template_global(users.current_user, "current_user")
    app.add_template_global(labels.label, "label")
    app.add_template_global(labels.message, "message")
    app.add_template_global(lambda role: labels.label("user_role", role), "role_label")
    app.add_template_global(values, "values")
    app.add_template_global(country_name, "country_name")
    app.add_template_global(badges.new_alert_count, "new_alert_count")
