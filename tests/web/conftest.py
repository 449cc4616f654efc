"""Fixtures of the web tests: a small coalition (tests/coalition.py) whose nodes serve
the pages, Flask test clients signed in with a role, and a watchlist at B."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import coalition
import pytest
from flask import Flask
from flask.testing import FlaskClient
from page_tour import prepare
from playwright.sync_api import Browser, sync_playwright
from web_helpers import CHROMIUM, sign_in

from fts_share.app import create_app


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


@pytest.fixture(scope="module")
def tour(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[coalition.Coalition,
                                                                     dict[str, str]]]:
    """FRA and IRQ on SQLite, serving, with the data of the page tour (page_tour.prepare);
    one per test module."""
    folder = tmp_path_factory.mktemp("tour")
    counter = iter(range(100))

    def urls() -> str:
        return f"sqlite:///{folder}/db{next(counter)}.sqlite"

    c = coalition.build(folder, urls, [("FRA", "member"), ("IRQ", "member")],
                        post_quantum={"FRA": False, "IRQ": False})
    ids = prepare(c)
    yield c, ids
    c.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium, one per test module (the browser tests skip their module where
    it is missing outside CI)."""
    assert CHROMIUM.exists(), f"{CHROMIUM} is required in CI"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()
