"""Sign-in with a bearer token, sign-out, the language switch and the root page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from fts_share.errors import Unauthenticated
from fts_share.web import errors, i18n, security, users

bp = Blueprint("auth", __name__, template_folder="templates", static_folder="static",
               static_url_path="/web-static")
bp.before_request(security.check_csrf)
errors.register(bp)


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths are followed after sign-in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def root() -> ResponseReturnValue:
    """``/``: the user's home page, or the sign-in page."""
    user = users.current_user()
    return redirect(url_for(user.home if user else "auth.sign_in"))


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> ResponseReturnValue:
    """Sign in with the token ``fts-share user add`` printed. The token is checked and
    forgotten: it is never written back into a page or the session."""
    error = None
    nxt = _safe_next(request.values.get("next"))
    if request.method == "POST":
        token = (request.form.get("token") or "").strip()
        if not token:
            error = _("Enter your access token.")
        else:
            try:
                user = users.sign_in(token)
            except Unauthenticated as exc:
                reason = getattr(exc, "reason", "invalid token")
                users.refuse(None, f"{reason} at sign-in", object_type="session",
                             object_id="sign-in")
                error = _("This token is not valid, expired or revoked.")
            else:
                return redirect(nxt or url_for(user.home))
        return render_template("signin.html", error=error, next=nxt), 401
    if users.current_user() is not None and not nxt:
        return redirect(url_for(users.current_user().home))  # type: ignore[union-attr]
    return render_template("signin.html", error=None, next=nxt)


@bp.post("/sign-out")
def sign_out() -> ResponseReturnValue:
    """End the session."""
    users.sign_out()
    return redirect(url_for("auth.sign_in"))


@bp.post("/language")
def language() -> ResponseReturnValue:
    """Switch the language (kept in the session) and go back."""
    lang = request.form.get("lang")
    if lang in i18n.LANGUAGES:
        session["lang"] = lang
    return redirect(_safe_next(request.form.get("back")) or url_for("web_root"))


@bp.get("/no-pages")
@users.require("admin")
def no_pages() -> ResponseReturnValue:
    """Administrators work with the command line; there are no pages for them."""
    return render_template("no_pages.html")
