"""Domain packages never import Flask (style.md): checked on the import graph."""

from __future__ import annotations

import subprocess
import sys

import pytest

DOMAIN = ["fts_share.crypto", "fts_share.federation", "fts_share.matching", "fts_share.audit",
          "fts_share.storage", "fts_share.notices", "fts_share.screening", "fts_share.watchlist"]


@pytest.mark.parametrize("package", DOMAIN)
def test_domain_package_does_not_import_flask(package: str) -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        f"pkg = importlib.import_module({package!r})\n"
        "for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "    if '.migrations' not in m.name:\n"
        "        importlib.import_module(m.name)\n"
        "print('flask' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
