"""The alembic migrations build exactly the schema the models describe, on both stores."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from fts_share.storage import Store
from fts_share.storage.models import Base
from fts_share.storage.queue_schema import apply_procrastinate_schema, include_name


def test_migrated_schema_matches_the_models(store: Store) -> None:
    with store.engine.connect() as conn:
        # procrastinate's tables (PostgreSQL, the job queue) are procrastinate's
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
    tables = set(inspect(store.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables and "alembic_version" in tables


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
