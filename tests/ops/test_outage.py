"""A node whose PostgreSQL server crashes and comes back, tried from outside with the
real server the tests start: while it is down /healthz stays 200, /readyz and every
request that needs the store answer 503 problem+json (never 500), partners record a
failed poll; once it is back the node resumes by itself, with nothing lost and
nothing received twice."""

from __future__ import annotations

import io
import itertools
import json
import logging
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import pg_server
import pytest
from coalition import Coalition, Member, build, notice, sqlite_databases
from protocol import wire_schemas
from sqlalchemy import create_engine, func, select, text

from fts_share.config import OpsSettings
from fts_share.errors import StoreUnavailable
from fts_share.services import logs, running
from fts_share.services.reviewing import verify_node_log
from fts_share.storage import Store
from fts_share.storage.models import Notice, ReceivedEnvelope

pytestmark = pytest.mark.postgresql


@pytest.fixture
def own_pg() -> Iterator[pg_server.PgServer]:
    """A PostgreSQL server of this test alone (the session's stays up for the others)."""
    try:
        server = pg_server.start(durable=True)  # halted below: no acknowledged commit lost
    except RuntimeError as exc:
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    yield server
    server.stop()


@pytest.fixture
def pair(tmp_path: Path, own_pg: pg_server.PgServer) -> Iterator[Coalition]:
    """FRA on the test's own PostgreSQL server, IRQ on SQLite."""
    admin = create_engine(own_pg.url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE fts_outage"))
    admin.dispose()
    store = Store(own_pg.url("fts_outage"))
    store.create_schema()
    store.dispose()
    urls = itertools.chain([own_pg.url("fts_outage")],
                           iter(sqlite_databases(tmp_path), None))
    c = build(tmp_path, lambda: next(urls), [("FRA", "member"), ("IRQ", "member")])
    yield c
    c.close()


@contextmanager
def json_logs() -> Iterator[list[dict[str, Any]]]:
    """The node's JSON log lines written inside the block (as ``serve`` logs them)."""
    root = logging.getLogger()
    level, buffer, lines = root.level, io.StringIO(), []
    handler = logs.configure(OpsSettings(), stream=buffer)
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        lines.extend(json.loads(line) for line in buffer.getvalue().splitlines())


def signed_in(member: Member) -> Callable[[str], tuple[int, str]]:
    """A browser-like client of ``member``'s pages, signed in as its officer: GET a
    page, get (status, HTML)."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(path: str, data: bytes | None = None) -> tuple[int, str]:
        try:
            with opener.open(member.url + path, data=data, timeout=30) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    _, form = get("/sign-in")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert csrf is not None
    body = urllib.parse.urlencode({"csrf_token": csrf.group(1),
                                   "token": member.tokens["officer"]}).encode()
    assert get("/sign-in", body)[0] == 200
    return get


def _received(member_store: Store) -> int:
    with member_store.read() as s:
        return int(s.scalar(select(func.count()).select_from(ReceivedEnvelope)) or 0)


def _wait_ready(call: Callable[[], int], deadline: float = 60.0) -> int:
    """The first status of ``call`` that is not 503, waiting for the server to come up
    (a wait, not a timing assertion)."""
    end = time.monotonic() + deadline
    status = call()
    while status == 503 and time.monotonic() < end:
        time.sleep(0.5)
        status = call()
    return status


def test_the_node_answers_503_while_postgresql_is_down_and_resumes(
        pair: Coalition, own_pg: pg_server.PgServer) -> None:
    fra, irq = pair["FRA"], pair["IRQ"]
    assert fra.node.store.dialect == "postgresql" and irq.node.store.dialect == "sqlite"
    status, _, _ = fra.api("POST", "/api/v1/notices", token="officer",
                           body=notice(recipients=["IRQ"]))
    assert status == 201
    assert {r.peer: r.ok for r in irq.poll()} == {"FRA": True}

    browser = signed_in(fra)
    assert browser("/officer/")[0] == 200

    own_pg.halt()
    status, page = browser("/officer/")
    assert status == 503 and "Temporarily unavailable" in page  # a page, not a trace
    assert fra.api("GET", "/healthz")[0] == 200
    status, problem, headers = fra.api("GET", "/readyz")
    assert status == 503 and "store" in problem["not_ready"]
    wire_schemas.check(problem, "readiness", "/$defs/not-ready")
    assert "127.0.0.1" not in str(problem) and "postgres" not in problem["detail"]
    with json_logs() as lines:
        for method, path, body in (("POST", "/api/v1/notices", notice(recipients=["IRQ"])),
                                   ("GET", "/api/v1/notices", None),
                                   ("GET", "/api/v1/alerts", None)):
            status, problem, headers = fra.api(method, path, token="officer", body=body,
                                               headers={"X-Request-ID": f"outage{path}"})
            assert status == 503, (path, problem)
            assert headers["Content-Type"] == "application/problem+json"
            assert problem["type"].endswith("/unavailable")
            assert int(headers["Retry-After"]) >= 1
            wire_schemas.check(problem, "problem")
    warned = [line for line in lines if line["level"] == "WARNING"
              and line.get("request_id") == "outage/api/v1/notices"]
    assert warned and "database does not answer" in warned[0]["message"]
    assert fra.api("GET", "/api/v1/node")[0] == 200  # what needs no store is still served
    report = {r.peer: r for r in irq.poll()}["FRA"]
    assert not report.ok and "503" in str(report.error)  # the partner records a failure
    with pytest.raises(StoreUnavailable):
        fra.poll()  # FRA's own polling pauses: a clear error, nothing half done

    own_pg.resume()
    assert _wait_ready(lambda: fra.api("GET", "/readyz")[0]) == 200
    status, _, _ = fra.api("POST", "/api/v1/notices", token="officer",
                           body=notice(recipients=["IRQ"]))
    assert status == 201
    assert browser("/officer/")[0] == 200  # the officer's session survived the outage
    report = {r.peer: r for r in irq.poll()}["FRA"]
    assert report.ok and report.result.received == 1 and report.result.duplicates == 0
    assert _received(irq.node.store) == 2  # both notices, each once
    with fra.node.store.read() as s:
        assert s.scalar(select(func.count()).select_from(Notice)) == 2  # none half-stored
    assert {r.peer: r.ok for r in fra.poll()} == {"IRQ": True}
    assert verify_node_log(fra.node).ok and verify_node_log(irq.node).ok


def _wait_for(check: Callable[[], bool], deadline: float = 60.0) -> bool:
    end = time.monotonic() + deadline
    while not check():
        if time.monotonic() > end:
            return False
        time.sleep(0.2)
    return True


def _held_from(member: Member, origin: str) -> int:
    try:
        with member.node.store.read() as s:
            return int(s.scalar(select(func.count()).select_from(ReceivedEnvelope)
                                .where(ReceivedEnvelope.origin == origin)) or 0)
    except StoreUnavailable:
        return -1


def test_the_background_poller_pauses_and_resumes_by_itself(
        pair: Coalition, own_pg: pg_server.PgServer) -> None:
    """FRA's poller (as ``serve`` runs it) keeps going through the outage and fetches
    what IRQ published meanwhile once the database is back, each envelope once."""
    fra, irq = pair["FRA"], pair["IRQ"]
    poller = running.background_poller(fra.node, interval=0.2)
    poller.start()
    try:
        assert irq.api("POST", "/api/v1/notices", token="officer",
                       body=notice(recipients=["FRA"]))[0] == 201
        assert _wait_for(lambda: _held_from(fra, "IRQ") == 1)
        own_pg.halt()
        assert irq.api("POST", "/api/v1/notices", token="officer",
                       body=notice(recipients=["FRA"]))[0] == 201
        assert _wait_for(lambda: fra.api("GET", "/readyz")[0] == 503)
        time.sleep(1.0)  # a few failed rounds while the database is down
        own_pg.resume()
        assert _wait_for(lambda: _held_from(fra, "IRQ") == 2)
    finally:
        poller.stop()
    assert poller.thread.is_alive() is False
    assert _held_from(fra, "IRQ") == 2  # each once
    report = {r.peer: r for r in fra.poll()}["IRQ"]
    assert report.ok and report.result.received == 0  # nothing left, nothing again
    assert verify_node_log(fra.node).ok
