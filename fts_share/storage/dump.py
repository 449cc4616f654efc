"""Consistent copies of a node's database, and bringing one back.

- SQLite: the online backup API (:meth:`sqlite3.Connection.backup`), which copies a
  consistent state while the node keeps writing;
- PostgreSQL: ``pg_dump --format=custom`` (one consistent snapshot of the database)
  and ``pg_restore --clean --if-exists`` into the configured database.

The PostgreSQL programs are looked up in ``FTS_SHARE_PG_BINDIR``, then under
``/usr/lib/postgresql/*/bin`` (newest first), then on ``PATH``.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url

from fts_share.errors import ConfigError

DUMP_TIMEOUT = 3600.0


def store_kind(url: str) -> str:
    """``sqlite`` or ``postgresql`` (:class:`ConfigError` for anything else)."""
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise ConfigError(f"backup: unsupported database {name!r}")
    return name


def sqlite_path(url: str) -> Path:
    """The file of a SQLite URL (an in-memory database cannot be backed up)."""
    database = make_url(url).database
    if not database or database == ":memory:":
        raise ConfigError("backup: an in-memory SQLite database has no file to back up")
    return Path(database)


def copy_sqlite(url: str, target: Path) -> None:
    """A consistent copy of the SQLite database at ``url`` into the file ``target``."""
    source = sqlite3.connect(f"file:{sqlite_path(url)}?mode=ro", uri=True)
    dest = sqlite3.connect(target)
    try:
        with dest:
            source.backup(dest)
    finally:
        dest.close()
        source.close()


def _version(path: Path) -> int:
    return int(path.parent.name) if path.parent.name.isdigit() else 0


def pg_program(name: str) -> Path:
    """The path of ``pg_dump`` or ``pg_restore`` (:class:`ConfigError` if not found)."""
    env = os.environ.get("FTS_SHARE_PG_BINDIR")
    if env and (Path(env) / name).exists():
        return Path(env) / name
    found = sorted((Path(p) for p in glob.glob(f"/usr/lib/postgresql/*/bin/{name}")),
                   key=_version, reverse=True)
    if found:
        return found[0]
    which = shutil.which(name)
    if which:
        return Path(which)
    raise ConfigError(f"backup of a PostgreSQL node needs {name}: install the PostgreSQL "
                      "client programs (the version of the server or newer), or set "
                      "FTS_SHARE_PG_BINDIR to their folder")


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URL without the password, and the environment carrying it
    (so that it is not on the command line)."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(argv, env=env, capture_output=True, text=True,
                              timeout=DUMP_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(f"{what} failed: {exc}") from exc
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line][-5:]
        raise ConfigError(f"{what} failed (exit {done.returncode}): {' / '.join(lines)}")


def dump_postgresql(url: str, target: Path) -> None:
    """``pg_dump`` of the database at ``url`` into ``target`` (custom format)."""
    conn, env = _libpq(url)
    _run([str(pg_program("pg_dump")), "--format=custom", "--no-owner", "--no-privileges",
          f"--file={target}", f"--dbname={conn}"], env, "pg_dump")


def restore_postgresql(url: str, dump: Path) -> None:
    """``pg_restore`` of ``dump`` into the database at ``url``: what the dump holds
    replaces what the database held (``--clean --if-exists``, one transaction)."""
    conn, env = _libpq(url)
    _run([str(pg_program("pg_restore")), "--clean", "--if-exists", "--no-owner",
          "--no-privileges", "--single-transaction", "--exit-on-error", f"--dbname={conn}",
          str(dump)], env, "pg_restore")


def holds_a_node(url: str) -> bool:
    """Whether the PostgreSQL database at ``url`` already holds a node's data (its
    audit log has entries): a restore must not replace it unless told to."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if "audit_entries" not in inspect(conn).get_table_names():
                return False
            return conn.execute(text("SELECT 1 FROM audit_entries LIMIT 1")).first() is not None
    finally:
        engine.dispose()
