"""The layering of docs/architecture.md holds: import-linter's contracts in pyproject.toml.

- the porch (api, web, cli, http, app) over services over storage over the domain rooms
  over the kernel, with api and web independent of each other;
- the porch imports services and the kernel only, never a room or storage;
- domain rooms import no Flask, Werkzeug or SQLAlchemy; services import no Flask;
- no import cycle between packages, nor between the modules of one package.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def _lint(contract_id: str) -> subprocess.CompletedProcess[str]:
    code = ("import sys\nfrom importlinter.cli import lint_imports\n"
            f"sys.exit(lint_imports(limit_to_contracts=({contract_id!r},), no_cache=True))\n")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False)


@pytest.mark.parametrize("contract_id", [c["id"] for c in CONTRACTS["contracts"]])
def test_import_contract_is_kept(contract_id: str) -> None:
    out = _lint(contract_id)
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_contracts_cover_every_package() -> None:
    """A new top-level package must be placed in the layers (or it escapes them)."""
    layers = next(c for c in CONTRACTS["contracts"] if c["type"] == "layers")["layers"]
    placed = {name.strip() for layer in layers for name in layer.replace("|", ":").split(":")}
    package = ROOT / "fts_share"
    found = {f"fts_share.{p.stem if p.is_file() else p.name}" for p in package.iterdir()
             if (p.is_dir() and (p / "__init__.py").exists())
             or (p.suffix == ".py" and not p.name.startswith("__"))}
    assert found - placed == set()


def test_a_broken_contract_is_reported(tmp_path: Path) -> None:
    """The check can fail: a room that imports Flask breaks the rooms contract."""
    code = ("import sys\nfrom importlinter.cli import lint_imports\n"
            "sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True))\n")
    pkg = tmp_path / "layered"
    (pkg / "rooms").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "rooms" / "__init__.py").write_text("import flask\n")
    config = tmp_path / "contracts.toml"
    config.write_text('[tool.importlinter]\nroot_package = "layered"\n'
                      "include_external_packages = true\n"
                      "[[tool.importlinter.contracts]]\n"
                      'name = "rooms"\ntype = "forbidden"\n'
                      'source_modules = ["layered.rooms"]\nforbidden_modules = ["flask"]\n')
    out = subprocess.run([sys.executable, "-c", code, str(config)], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300,
                         env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}, check=False)
    assert out.returncode != 0, out.stdout + out.stderr
    assert "layered.rooms -> flask" in out.stdout
