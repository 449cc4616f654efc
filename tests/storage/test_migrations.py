"""The alembic migrations build exactly the schema the models describe, on both stores."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from fts_share.storage import Store
from fts_share.storage.migrate import alembic_config, upgrade
from fts_share.storage.queue_schema import apply_procrastinate_schema, include_name
from fts_share.storage.schema import METADATA


def test_migrated_schema_matches_the_models(store: Store) -> None:
    with store.engine.connect() as conn:
        # procrastinate's tables (PostgreSQL, the job queue) are procrastinate's
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        diff = compare_metadata(context, METADATA)
    assert diff == []
    tables = set(inspect(store.engine).get_table_names())
    assert set(METADATA.tables) <= tables and "alembic_version" in tables


def test_upgrading_twice_is_a_no_op(store: Store) -> None:
    store.create_schema()
    with store.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == _head()


def _head() -> str:
    """The newest revision of the migration scripts."""
    from pathlib import Path

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    import fts_share.storage

    folder = Path(fts_share.storage.__file__).parent / "migrations"
    config = Config()
    config.set_main_option("script_location", str(folder))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def test_the_job_queue_schema_is_procrastinates_on_postgresql_only(store: Store) -> None:
    """Migration 0014 applied procrastinate's schema on PostgreSQL; applying it again
    does nothing (SQLite has none: jobs run in-process)."""
    with store.engine.begin() as conn:
        assert apply_procrastinate_schema(conn) is False
    tables = set(inspect(store.engine).get_table_names())
    assert ("procrastinate_jobs" in tables) == (store.dialect == "postgresql")
    assert "watchlist_imports" in tables


@pytest.fixture
def empty_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database, never migrated, on this test's backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    server = request.getfixturevalue("pg")
    name = f"fts_mig_{os.getpid()}_{tmp_path.name[-12:].replace('-', '_')}"
    admin = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.url(name)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _result(ref: str, name: str, measures: list[str]) -> dict[str, Any]:
    hits = [{"reference": "un:QDi.1", "score": 0.9, "measures": measures}] if measures else []
    return {"ref": ref, "name": name, "hit": bool(hits), "hits": hits}


def test_0015_moves_the_jobs_rows_and_results_into_their_table(empty_url: str) -> None:
    """A running job keeps its unscreened rows and the results it has; a done job its
    results; a failed job none. Purpose and legal basis stay with the job."""
    store = Store(empty_url)
    upgrade(store.engine, "0014_jobqueue")
    when = datetime(2026, 12, 6, tzinfo=UTC)
    rows = [{"ref": f"R{i}", "name": f"Name {i}"} for i in range(3)]
    jobs = [("run", "running", {"rows": rows, "purpose": "p", "legal_basis": ["b"]},
             [_result("R0", "Name 0", ["AF"])], 1),
            ("done", "done", None, [_result("R0", "A", []), _result("R1", "B", ["TB"])], 2),
            ("fail", "failed", None, [_result("R0", "A", [])], 1)]
    with store.engine.begin() as conn:
        conn.execute(text("INSERT INTO users (id, name, role, created, disabled) "
                          "VALUES (1, 'o', 'officer', :t, false)"), {"t": when})
        for job_id, status, request, results, done in jobs:
            conn.execute(text(
                "INSERT INTO screening_jobs (id, owner, actor, status, total, done, created,"
                " heartbeat, expires, request, results) VALUES (:id, 1, 'user:o', :s, :total,"
                " :done, :t, :t, :t, :req, :res)"),
                {"id": job_id, "s": status, "total": len(request["rows"]) if request else done,
                 "done": done, "t": when, "req": json.dumps(request) if request else None,
                 "res": json.dumps(results)})
    store.create_schema()
    with store.engine.connect() as conn:
        stored = conn.execute(text("SELECT job_id, row, input, result FROM screening_job_rows"
                                   " ORDER BY job_id, row")).all()
        left = dict(conn.execute(text("SELECT id, request FROM screening_jobs")).all())
        summaries = dict(conn.execute(text("SELECT id, summary FROM screening_jobs")).all())
    by_job: dict[str, list[Any]] = {}
    for job_id, row, given, result in stored:
        by_job.setdefault(job_id, []).append(
            (row, json.loads(given) if given else None, json.loads(result) if result else None))
    # a screened row keeps its result only; the others their input, to be screened
    assert by_job["run"] == [(0, None, jobs[0][3][0]), (1, rows[1], None), (2, rows[2], None)]
    assert [(r, g, res["name"]) for r, g, res in by_job["done"]] == [
        (0, None, "A"), (1, None, "B")]
    assert "fail" not in by_job
    assert json.loads(left["run"]) == {"purpose": "p", "legal_basis": ["b"]}
    assert left["done"] is None
    assert json.loads(summaries["done"]) == {"with_hits": 1, "measures": ["TB"]}
    assert "results" not in {c["name"] for c in inspect(store.engine).get_columns("screening_jobs")}
    with store.engine.begin() as conn:  # the rows go with their job, on both stores
        conn.execute(text("DELETE FROM screening_jobs WHERE id = 'done'"))
        assert conn.execute(text("SELECT count(*) FROM screening_job_rows "
                                 "WHERE job_id = 'done'")).scalar() == 0
    with store.engine.begin() as conn:  # and back: the job rows as they were
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, "0014_jobqueue")
    with store.engine.connect() as conn:
        back = dict(conn.execute(text("SELECT id, request FROM screening_jobs")).all())
        results = conn.execute(text("SELECT results FROM screening_jobs WHERE id = 'run'"))
        assert json.loads(results.scalar_one()) == jobs[0][3]
    assert json.loads(back["run"])["rows"][1:] == rows[1:]
    store.dispose()
