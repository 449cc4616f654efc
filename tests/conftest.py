"""Shared fixtures: the store matrix (SQLite and a real PostgreSQL server).

Every test that takes ``store_url`` (or a fixture built on it) runs twice: once on an
embedded SQLite file and once on a fresh database of a real PostgreSQL server that
this test session starts itself. In CI (``CI`` set) a missing PostgreSQL is an error,
never a skip.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import pg_server
from coalition import Coalition, build, sqlite_databases

SHARED_DATA = Path(os.environ.get("FTS_SHARED_DATA") or
                   Path(__file__).resolve().parents[1].parent / "shared" / "data")
_counter = itertools.count()


@pytest.fixture(scope="session")
def pg() -> Iterator[pg_server.PgServer | None]:
    """The session's PostgreSQL server (or None outside CI when none can be started)."""
    try:
        server = pg_server.start()
    except RuntimeError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    # A template database that holds the migrated schema, cloned per test.
    from sqlalchemy import create_engine, text

    from fts_share.storage import Store

    admin = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE fts_template"))
    store = Store(server.url("fts_template"))
    store.create_schema()
    store.dispose()
    admin.dispose()
    yield server
    server.stop()


def _pg_database(server: pg_server.PgServer) -> str:
    from sqlalchemy import create_engine, text

    name = f"fts_test_{os.getpid()}_{next(_counter)}"
    admin = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE fts_template'))
    admin.dispose()
    return server.url(name)


def _drop_databases(server: pg_server.PgServer, names: list[str]) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def backend(request: pytest.FixtureRequest) -> str:
    """The storage backend of this run of the test: ``sqlite`` or ``postgresql``."""
    return str(request.param)


@pytest.fixture
def store_urls(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], str]:
    """A factory of URLs of fresh, migrated databases on this test's backend."""
    if backend == "postgresql":
        server = request.getfixturevalue("pg")
        made: list[str] = []

        def make_pg() -> str:
            url = _pg_database(server)
            made.append(url.rsplit("/", 1)[1])
            return url

        # Drop them afterwards: a thousand leftover databases cost gigabytes of disk.
        request.addfinalizer(lambda: _drop_databases(server, made))
        return make_pg
    return sqlite_databases(tmp_path)


@pytest.fixture
def sqlite_store_urls(tmp_path: Path) -> Callable[[], str]:
    """Fresh migrated SQLite databases only: for the browser tests, which exercise the
    pages (the stores are covered by the test-client tests on both backends)."""
    return sqlite_databases(tmp_path)


@pytest.fixture
def store_url(store_urls: Callable[[], str]) -> str:
    """A URL of an empty, migrated node database, on SQLite and on PostgreSQL."""
    return store_urls()


@pytest.fixture
def store(store_url: str) -> Iterator[object]:
    """A :class:`fts_share.storage.Store` on the parametrised backend."""
    from fts_share.storage import Store

    s = Store(store_url)
    yield s
    s.dispose()


@pytest.fixture
def shared_data() -> Path:
    """The real data beside the project (skips, saying so, when it is absent)."""
    if not SHARED_DATA.exists():
        pytest.skip(f"real data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def coalition(tmp_path: Path, store_urls: Callable[[], str]) -> Iterator[Coalition]:
    """A running three-partner coalition (two members, one observer), on each store."""
    c = build(tmp_path, store_urls, [("FRA", "member"), ("IRQ", "member"), ("MLI", "observer")],
              post_quantum={"IRQ": True, "FRA": True, "MLI": False})
    yield c
    c.close()
