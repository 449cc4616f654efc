"""procrastinate's tables in the node's PostgreSQL database (the job queue of
:mod:`fts_share.services.jobqueue`); SQLite has none (jobs run in-process).

procrastinate ships its schema as SQL; it is applied once, by migration
``0014_jobqueue``, and applying it again is a no-op. Its tables are procrastinate's,
not the models': :func:`is_ours` keeps them out of alembic's comparisons.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

PREFIX = "procrastinate_"


def is_ours(name: str | None) -> bool:
    """Whether a table (or index, type) of the database belongs to the models."""
    return not (name or "").startswith(PREFIX)


def include_name(name: str | None, type_: str, _parents: MutableMapping[Any, Any]) -> bool:
    """alembic's ``include_name`` hook: leave procrastinate's tables alone."""
    return type_ != "table" or is_ours(name)


def apply_procrastinate_schema(conn: Any) -> bool:
    """Create procrastinate's tables, types and functions on a PostgreSQL connection
    (SQLAlchemy) unless they exist; whether it did. SQLite: nothing."""
    if conn.dialect.name != "postgresql":
        return False
    if conn.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar() is not None:
        return False
    from procrastinate.schema import SchemaManager

    # no parameters: psycopg sends the script as is (several statements, % untouched)
    conn.connection.driver_connection.execute(SchemaManager.get_schema())
    return True


def conninfo(url: str) -> str:
    """A libpq connection string for a SQLAlchemy PostgreSQL URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
