"""fts_share.audit imports no Flask, no SQLAlchemy and no fts_share.storage: it reaches
the database only through the store it declares (fts_share.audit.store), which
fts_share.storage.audit_store implements."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import fts_share.audit

PACKAGE = Path(fts_share.audit.__file__).parent
ALLOWED_INTERNAL = {"fts_share.errors", "fts_share.clock", "fts_share.crypto", "fts_share.audit"}


def _imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_no_flask_no_sqlalchemy_no_storage():
    for path in PACKAGE.glob("*.py"):
        for name in _imports(path):
            assert not name.startswith(("flask", "werkzeug", "sqlalchemy", "alembic")), (path, name)
            if name.startswith("fts_share"):
                assert any(name == a or name.startswith(a + ".") for a in ALLOWED_INTERNAL), (
                    path, name)


def test_the_adapter_implements_the_store():
    from fts_share.audit.store import AuditStore
    from fts_share.storage.audit_store import SqlAuditStore

    wanted = {name for name in vars(AuditStore) if not name.startswith("_")}
    assert wanted <= set(dir(SqlAuditStore)), sorted(wanted - set(dir(SqlAuditStore)))
