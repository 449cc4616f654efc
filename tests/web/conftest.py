"""Fixtures of the web tests: a small coalition (tests/coalition.py) whose nodes serve
the pages, Flask test clients signed in with a role, and a watchlist at B."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

import coalition
from fts_share.app import create_app
from fts_share.clock import utcnow
from fts_share.screening.importer import import_csv

#: The national watchlist at B that the test notice (Karim Benali) matches.
WATCHLIST = ("id,name,aliases,dob,nationality\n"
             "W-17,Karim Ben Ali,Abou Souleymane al-Faransi,1994,FRA\n"
             "W-18,Omar Haddad,,1980,SYR\n")


def add_watchlist(member: coalition.Member) -> None:
    """Load :data:`WATCHLIST` into ``member``'s watchlists."""
    with member.node.store.transaction() as db:
        import_csv(db, WATCHLIST, list_name="national", now=utcnow(), actor="system")


@pytest.fixture
def pair(tmp_path: Path, store_urls: Callable[[], str]) -> Iterator[coalition.Coalition]:
    """Two nodes, FRA and IRQ, not serving (Flask test clients talk to them)."""
    c = coalition.build(tmp_path, store_urls, [("FRA", "member"), ("IRQ", "member")],
                        post_quantum={"FRA": False, "IRQ": False}, start=False)
    yield c
    c.close()


@pytest.fixture
def app(pair: coalition.Coalition) -> Flask:
    """The app of node FRA."""
    flask_app = create_app(node=pair["FRA"].node)
    flask_app.config["TESTING"] = True
    return flask_app


def csrf_of(html: str) -> str:
    """The CSRF token written into a page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def sign_in(client: FlaskClient, token: str) -> Any:
    """Sign in through the form (with its CSRF token)."""
    page = client.get("/sign-in")
    return client.post("/sign-in", data={"token": token, "csrf_token": csrf_of(page.text)})


@pytest.fixture
def officer(app: Flask, pair: coalition.Coalition) -> FlaskClient:
    """A client signed in as FRA's officer."""
    client = app.test_client()
    assert sign_in(client, pair["FRA"].tokens["officer"]).status_code == 302
    return client


@pytest.fixture
def reviewer(app: Flask, pair: coalition.Coalition) -> FlaskClient:
    """A client signed in as FRA's reviewer."""
    client = app.test_client()
    assert sign_in(client, pair["FRA"].tokens["reviewer"]).status_code == 302
    return client
