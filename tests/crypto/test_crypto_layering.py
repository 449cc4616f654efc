"""fts_share.crypto never imports Flask (nor any other fts_share layer but errors/clock)."""

from __future__ import annotations

import ast
from pathlib import Path

import fts_share.crypto

PACKAGE = Path(fts_share.crypto.__file__).parent
ALLOWED_INTERNAL = {"fts_share.errors", "fts_share.clock", "fts_share.crypto"}


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_no_flask_and_no_upward_imports():
    for path in PACKAGE.glob("*.py"):
        for name in _imports(path):
            assert not name.startswith(("flask", "werkzeug")), (path, name)
            if name.startswith("fts_share"):
                assert any(name == a or name.startswith(a + ".") for a in ALLOWED_INTERNAL), (
                    path, name)
