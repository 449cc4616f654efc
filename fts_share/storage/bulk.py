"""Many rows inserted with one statement, bound through the driver.

``session.execute(insert(table), rows)`` runs every value of every row through
SQLAlchemy's per-row parameter processing; for the hundreds of rows a feed page writes
(notice versions, their keys, received envelopes, audit entries and nodes) that costs
more than the driver's own ``executemany``. A :class:`BulkInsert` compiles its
statement once per dialect, keeps the bind processor of each parameter (the very ones
SQLAlchemy would apply) and hands the driver ready rows through
``Connection.exec_driver_sql``: the values stored are the same, and a failure is the
same wrapped ``DBAPIError``. With psycopg (PostgreSQL) a plain INSERT is a ``COPY ...
FROM STDIN`` instead: psycopg's ``executemany`` runs a Python loop per row, ``COPY``
writes the rows in C.

JSON parameters are serialised as SQLAlchemy serialises them (``json.dumps``), as
text; a list of texts (caveats, legal bases, recipients) is serialised once per
distinct list, and a time or date (a page's rows share a few) is converted once per
distinct value.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Date, DateTime
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.dml import Insert

Processor = Callable[[Any], Any] | None

#: Distinct lists of texts serialised so far (bounded: cleared when full).
_LIST_TEXTS: dict[tuple[str, ...], str] = {}
_LIST_TEXTS_MAX = 4096


def json_text(value: Any) -> str:
    """``json.dumps(value)``, remembered for a short list of texts, and written member
    by member for a flat object (an audit entry's detail)."""
    if type(value) is list and len(value) <= 8 and all(type(v) is str for v in value):
        key = tuple(value)
        text = _LIST_TEXTS.get(key)
        if text is None:
            if len(_LIST_TEXTS) >= _LIST_TEXTS_MAX:
                _LIST_TEXTS.clear()
            text = _LIST_TEXTS[key] = json.dumps(value)
        return text
    if type(value) is dict and len(value) <= 8:
        flat = _flat_object_text(value)
        if flat is not None:
            return flat
    return json.dumps(value)


_encode_ascii = json.encoder.encode_basestring_ascii  # json.dumps's escaping of a text
_CONSTANTS = {True: "true", False: "false", None: "null"}


def _flat_object_text(value: dict[Any, Any]) -> str | None:
    """``json.dumps(value)`` of an object whose names are texts and whose values are
    texts, integers, booleans or None, written as ``json.dumps`` writes them (its C
    escaping, ``int.__repr__``); None for any other object."""
    parts = []
    for name, member in value.items():
        kind = type(member)
        if type(name) is not str:
            return None
        if kind is str:
            text = _encode_ascii(member)
        elif kind is int:
            text = int.__repr__(member)
        elif member is None or kind is bool:
            text = _CONSTANTS[member]
        else:
            return None
        parts.append(f"{_encode_ascii(name)}: {text}")
    return "{" + ", ".join(parts) + "}"


def _remembered(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``process`` of an immutable value (a time, a date), converted once per value."""
    seen: dict[tuple[type, Any], Any] = {}

    def remembered(value: Any) -> Any:
        key = (type(value), value)
        out = seen.get(key, seen)
        if out is seen:
            if len(seen) >= 1024:
                seen.clear()
            out = seen[key] = process(value)
        return out
    return remembered


@dataclass(frozen=True)
class _Compiled:
    sql: str
    get: Callable[[Mapping[str, Any]], tuple[Any, ...]]
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]  # (position, processor)
    names: tuple[str, ...] | None  # None: positional, else the names of the values
    copy: str | None = None  # psycopg (PostgreSQL), a plain INSERT: the COPY statement instead


def _processor(type_: Any, dialect: Dialect) -> Processor:
    """The bind processor SQLAlchemy applies to a parameter of ``type_`` (JSON: as
    text, see :func:`json_text`)."""
    impl = type_.dialect_impl(dialect)
    if isinstance(impl, JSON):
        return json_text
    processor: Processor = impl.bind_processor(dialect)
    if processor is not None and isinstance(getattr(impl, "impl", impl), (DateTime, Date)):
        return _remembered(processor)
    return processor


@dataclass
class BulkInsert:
    """An INSERT of the parameters ``names`` (for a plain INSERT, the columns given),
    run for many rows at once."""

    statement: Insert
    names: tuple[str, ...]
    _compiled: dict[str, _Compiled] = field(default_factory=dict, repr=False)

    def _compile(self, dialect: Dialect) -> _Compiled:
        key = f"{dialect.name}+{dialect.driver}"
        compiled = self._compiled.get(key)
        if compiled is None:
            c = self.statement.compile(dialect=dialect, column_keys=list(self.names))
            if set(c.binds) != set(self.names):  # e.g. a column default not given
                raise ValueError(f"bulk insert binds {sorted(c.binds)}, not {self.names}")
            names = tuple(c.positiontup or ()) if c.positional else self.names
            processors = [(i, _processor(c.binds[n].type, dialect)) for i, n in enumerate(names)]
            get = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
            copy = None
            if dialect.driver == "psycopg" and self.statement.select is None:
                quote = dialect.identifier_preparer.quote
                copy = (f"COPY {dialect.identifier_preparer.format_table(self.statement.table)}"
                        f" ({', '.join(quote(n) for n in names)}) FROM STDIN")
            compiled = self._compiled[key] = _Compiled(
                sql=c.string, get=get, names=None if c.positional else names, copy=copy,
                processors=tuple((i, p) for i, p in processors if p is not None))
        return compiled

    def run(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert ``rows`` (each a mapping with every one of :attr:`names`)."""
        if not rows:
            return
        c = self._compile(connection.dialect)
        get, processors = c.get, c.processors
        bound = []
        for row in rows:
            values = list(get(row))
            for i, process in processors:
                values[i] = process(values[i])
            bound.append(values)
        if c.copy is not None:
            _copy(connection, c.copy, bound)
            return
        names = c.names
        params = ([tuple(b) for b in bound] if names is None
                  else [dict(zip(names, b)) for b in bound])
        connection.exec_driver_sql(c.sql, params)


def _copy(connection: Connection, sql: str, rows: list[list[Any]]) -> None:
    """PostgreSQL: ``COPY ... FROM STDIN`` of ``rows`` (text format: each value as the
    driver writes it, read by the column's input function, as a bound parameter is); a
    failure raises the ``DBAPIError`` that SQLAlchemy would raise."""
    raw = connection.connection.dbapi_connection
    assert raw is not None
    dialect = connection.dialect
    cursor = raw.cursor()
    try:
        with cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    except dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(
            sql, None, exc, dialect.loaded_dbapi.Error, hide_parameters=True,
            dialect=dialect, connection_invalidated=dialect.is_disconnect(exc, raw, cursor),
        ) from exc
    finally:
        cursor.close()
