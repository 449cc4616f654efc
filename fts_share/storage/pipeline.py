"""PostgreSQL (psycopg): statements sent together, in one round trip.

In pipeline mode the client sends every statement without waiting for the answer of
the one before; the server still runs them one after the other, each with its own
snapshot (READ COMMITTED) taken when it starts. So a read that must follow a lock
(the audit log's size, read once its append lock is held) is sent with it, and the
transaction waits for one answer instead of two.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError


def pipelined(connection: Connection,
              queries: Sequence[tuple[str, Mapping[str, Any]]]) -> list[list[tuple[Any, ...]]]:
    """Run ``queries`` (SQL in the driver's ``%(name)s`` style, parameters) in order, in
    the connection's transaction, in one round trip; the rows of each. A failure raises
    the ``DBAPIError`` that SQLAlchemy would raise."""
    raw = connection.connection.dbapi_connection
    assert raw is not None
    dialect = connection.dialect
    cursors = [raw.cursor() for _ in queries]
    try:
        with raw.pipeline():
            for cursor, (sql, params) in zip(cursors, queries):
                cursor.execute(sql, params)
        return [[tuple(row) for row in cursor.fetchall()] if cursor.description else []
                for cursor in cursors]
    except dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(
            queries[0][0], None, exc, dialect.loaded_dbapi.Error, hide_parameters=True,
            dialect=dialect, connection_invalidated=dialect.is_disconnect(exc, raw, None),
        ) from exc
    finally:
        for cursor in cursors:
            cursor.close()
