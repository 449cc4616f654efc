"""The alembic migrations build exactly the schema the models describe, on both stores."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from fts_share.storage import Store
from fts_share.storage.models import Base


def test_migrated_schema_matches_the_models(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    tables = set(inspect(store.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables and "alembic_version" in tables


def test_upgrading_twice_is_a_no_op(store: Store) -> None:
    store.create_schema()
    with store.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == "0002_seclimits"
