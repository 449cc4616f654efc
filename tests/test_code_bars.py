"""The code's bars (issue 12), checked on every run so that they stay met.

- no module in fts_share/ over 400 lines;
- no function over cyclomatic complexity 15 (radon), except the numba-compiled kernels
  listed in ``COMPILED_KERNELS`` with the reason they may be longer;
- ruff clean with the configuration in pyproject.toml;
- mypy clean, and ``--strict`` clean on the services and the domain rooms.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from radon.complexity import cc_visit

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "fts_share"
MAX_LINES = 400
MAX_COMPLEXITY = 15

# Compiled (numba) kernels, each with the reason it stays one function (the reasons are in
# their module docstrings too): a compiled call per step costs more than the step.
COMPILED_KERNELS: dict[str, str] = {
    "fts_share/matching/index/candidates_fast.py:plan":
        "plans the reading of the postings (essential or budgeted parts, pairing); its "
        "steps share a dozen arrays, and a compiled call per step costs more than the step",
    "fts_share/matching/scoring/name_score_fast.py:scores":
        "greedy alignment and coverage in one loop over preallocated arrays; splitting "
        "it would allocate and call per candidate name",
    "fts_share/matching/scoring/part_similarity_fast.py:pairs":
        "the pruned loop over pairs of readings; a compiled call per pair cost several "
        "times a pruned pair",
}


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def test_no_module_over_400_lines() -> None:
    long = {str(p.relative_to(ROOT)): n for p in _modules()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_no_function_over_complexity_15() -> None:
    over = {}
    for path in _modules():
        for block in cc_visit(path.read_text(encoding="utf-8")):
            name = f"{path.relative_to(ROOT)}:{block.fullname}"
            if block.complexity > MAX_COMPLEXITY and name not in COMPILED_KERNELS:
                over[name] = block.complexity
    assert over == {}


def test_compiled_kernel_list_is_current() -> None:
    """Every listed kernel still exists (the list cannot hide a removed function)."""
    names = {f"{p.relative_to(ROOT)}:{b.fullname}" for p in _modules()
             for b in cc_visit(p.read_text(encoding="utf-8"))}
    assert set(COMPILED_KERNELS) <= names


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, check=False)


def test_ruff_clean() -> None:
    out = _run("ruff", "check", "--no-cache", "fts_share", "tests", "bench")
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.slow
def test_mypy_clean_and_strict_on_services_and_rooms() -> None:
    """setup.cfg holds the services and the rooms to the flags of ``--strict``."""
    out = _run("mypy", "--no-incremental", "fts_share")
    assert out.returncode == 0, out.stdout + out.stderr
