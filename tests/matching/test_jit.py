"""``matching.jit.njit``: numba compiles a module's kernels at the first kernel call,
with the same results as ``numba.njit``; until then numba is not imported."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

KERNELS = '''
import numpy as np
from fts_share.matching.jit import njit


@njit(nogil=True, inline="always")
def _square(x):
    return x * x


@njit(nogil=True)
def total(values):
    out = 0.0
    for v in values:
        out += _square(v)
    return out


def plain(values):
    return float(np.sum(values))
'''

CHECK = '''
import json, sys
import numpy as np
import kernels
loaded_before = "numba" in sys.modules
first = kernels.total(np.arange(4.0))
import numba
print(json.dumps({"loaded_before": loaded_before, "first": first,
                  "again": kernels.total(np.arange(3.0)),
                  "rebound": isinstance(kernels.total, numba.core.dispatcher.Dispatcher),
                  "inner": isinstance(kernels._square, numba.core.dispatcher.Dispatcher),
                  "plain": kernels.plain(np.arange(4.0)),
                  "compiled": len(kernels.total.signatures)}))
'''


def test_kernels_compile_at_first_call_and_call_each_other(tmp_path: Path) -> None:
    (tmp_path / "kernels.py").write_text(textwrap.dedent(KERNELS))
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True,
                         timeout=300, cwd=tmp_path, check=False,
                         env={"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got == {"loaded_before": False, "first": 14.0, "again": 5.0, "rebound": True,
                   "inner": True, "plain": 6.0, "compiled": 1}


def test_the_engine_imports_without_numba() -> None:
    code = ("import sys\nimport fts_share.matching.index.candidates\n"
            "import fts_share.matching.index.snapshot\nprint('numba' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, cwd=ROOT, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


CACHED_KERNELS = '''
import numpy as np
from fts_share.matching.jit import njit


@njit(cache=True, nogil=True)
def scaled(values, k):
    out = np.empty_like(values)
    for i in range(len(values)):
        out[i] = values[i] * k
    return out
'''

CACHED_CHECK = '''
import json
import numpy as np
import kernels
got = kernels.scaled(np.arange(4.0), 2.5)
print(json.dumps({"values": got.tolist(), "hits": sum(kernels.scaled.stats.cache_hits.values()),
                  "cache": type(kernels.scaled._cache).__name__}))
'''


def test_a_cached_kernel_gives_the_same_results_when_read_back_from_the_cache(
        tmp_path: Path) -> None:
    """The first process compiles the kernel and writes numba's cache; a second process
    reads the machine code back (an allocating kernel: numba's runtime is needed) and
    computes the same values."""
    (tmp_path / "kernels.py").write_text(textwrap.dedent(CACHED_KERNELS))
    runs = []
    for _ in range(2):
        out = subprocess.run([sys.executable, "-c", CACHED_CHECK], capture_output=True,
                             text=True, timeout=300, cwd=tmp_path, check=False,
                             env={"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin:/bin"})
        assert out.returncode == 0, out.stderr
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    assert [r["values"] for r in runs] == [[0.0, 2.5, 5.0, 7.5]] * 2
    assert [r["hits"] for r in runs] == [0, 1]
    assert runs[1]["cache"] in {"LoadingCache", "FunctionCache"}
