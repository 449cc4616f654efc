"""Helpers of the web tests (imported by the tests and the fixtures)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import coalition
from flask.testing import FlaskClient

from fts_share.clock import utcnow
from fts_share.services.unit import Work
from fts_share.services.watchlist_import import import_csv

#: The Debian chromium package's browser, which the browser tests drive (required in CI).
CHROMIUM = Path("/usr/bin/chromium")

#: The national watchlist at B that the test notice (Karim Benali) matches.
WATCHLIST = ("id,name,aliases,dob,nationality\n"
             "W-17,Karim Ben Ali,Abou Souleymane al-Faransi,1994,FRA\n"
             "W-18,Omar Haddad,,1980,SYR\n")


def add_watchlist(member: coalition.Member) -> None:
    """Load :data:`WATCHLIST` into ``member``'s watchlists."""
    with member.node.store.transaction() as db:
        import_csv(Work(db, utcnow(), member.node), WATCHLIST, list_name="national",
                   actor="system")


def csrf_of(html: str) -> str:
    """The CSRF token written into a page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def shown(html: str) -> str:
    """A page's text without its tags: numbers isolated in ``<bdi>`` read as shown."""
    return re.sub(r"<[^>]+>", "", html)


def sign_in(client: FlaskClient, token: str) -> Any:
    """Sign in through the form (with its CSRF token)."""
    page = client.get("/sign-in")
    return client.post("/sign-in", data={"token": token, "csrf_token": csrf_of(page.text)})




def catalogue(lang: str) -> Any:
    """``t(msgid, **params)``: ``msgid`` as the ``lang`` catalogue translates it (the
    English itself for ``en``), with its placeholders filled in."""
    from pathlib import Path

    from babel.support import Translations

    import fts_share.web

    folder = Path(fts_share.web.__file__).parent / "translations"
    translations = Translations.load(str(folder), [lang])

    def t(msgid: str, **params: Any) -> str:
        text = translations.gettext(msgid)
        return text % params if params else text

    return t
