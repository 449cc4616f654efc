"""Each module of tables declares, with what it imports, every table its foreign keys name:
a process that imports only that module can still flush its rows (SQLAlchemy resolves a
mapper's foreign keys at its first flush), since a poll no longer declares every table
(docs/benchmarks.md, session 21, r21-fixed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

UNRESOLVED = ("import json, sys, importlib\n"
              "from sqlalchemy.exc import NoReferencedTableError\n"
              "from fts_share.storage.base import Base\n"
              "importlib.import_module(sys.argv[1])\n"
              "missing = []\n"
              "for table in Base.metadata.tables.values():\n"
              "    for fk in table.foreign_keys:\n"
              "        try:\n"
              "            fk.column\n"
              "        except NoReferencedTableError:\n"
              "            missing.append(f'{table.name} -> {fk.target_fullname}')\n"
              "print(json.dumps(missing))\n")


@pytest.mark.parametrize("module", [f"fts_share.storage.{name}" for name in (
    "models", "account_tables", "alert_tables", "audit_tables", "hit_tables", "jobs_tables",
    "schema")])
def test_a_table_module_alone_declares_the_tables_its_foreign_keys_name(module: str) -> None:
    out = subprocess.run([sys.executable, "-c", UNRESOLVED, module], capture_output=True,
                         text=True, timeout=120, cwd=ROOT, check=False)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []
