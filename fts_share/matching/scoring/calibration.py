"""What a score means: the expected precision of the hits at or above it.

``refdata/calibration.json`` is written by ``bench/bench_precision.py --calibrate-table``
from cross-validated runs of the default algorithm on the UN list (folds 0-3; fold 4
is left untouched for the report in docs/benchmarks.md). For each score ``s`` on a
grid it holds, per query:

* ``true``: the share of queries about a listed person whose right record has a hit
  scoring at least ``s``;
* ``false_listed``: the number of *other* records hit at ``s`` or more by those
  queries;
* ``false_unlisted``: the number of records hit at ``s`` or more by queries about
  people who are not listed (each listed person left out of the index in turn).

The precision of the hits at or above ``s``, when a share ``prior`` of the queries
are about listed people, is then ::

    prior·true / (prior·true + prior·false_listed + (1 − prior)·false_unlisted)

with one false hit more among the unlisted queries than was seen (a sample of about
two thousand cannot show that none occurs: no score promises 1.0), made
non-decreasing in ``s`` (never more than at any higher score). So a threshold
``t`` means: "of the hits I will see, about ``expected_precision(t)`` are the right
person", at that prior. The default prior (0.5: one query in two is about a listed
person) is far above what a border screening sees; pass the real one.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from functools import lru_cache
from pathlib import Path
from typing import Any

TABLE = Path(__file__).resolve().parents[1] / "refdata" / "calibration.json"

#: share of queries about a listed person that the precision is stated for
DEFAULT_PRIOR = 0.5


@lru_cache(maxsize=1)
def calibration_table() -> dict[str, Any] | None:
    """The calibration table, or ``None`` when the file is missing."""
    try:
        table: dict[str, Any] = json.loads(TABLE.read_text("utf-8"))
    except FileNotFoundError:
        return None
    return table


@lru_cache(maxsize=16)
def precision_curve(prior: float = DEFAULT_PRIOR) -> tuple[tuple[float, ...],
                                                           tuple[float, ...]]:
    """``(scores, precision)``: the expected precision at each grid score, at
    ``prior``, non-decreasing (empty when there is no table)."""
    table = calibration_table()
    if table is None:
        return (), ()
    if not 0.0 < prior <= 1.0:
        raise ValueError("prior must be in (0, 1]")
    raw: list[float | None] = []
    unseen = 1.0 / max(1, int(table["queries"]["unlisted"]))
    for t, fl, fu in zip(table["true"], table["false_listed"], table["false_unlisted"],
                         strict=True):
        hits = prior * t + prior * fl + (1 - prior) * (fu + unseen)
        raw.append(prior * t / hits if hits > 0 else None)
    out: list[float] = []
    floor = 1.0
    for value in reversed(raw):  # from the top: never above a higher threshold's
        if value is not None:
            floor = min(floor, value)
        out.append(floor)
    return tuple(table["scores"]), tuple(round(v, 4) for v in reversed(out))


def expected_precision(score: float, *, prior: float = DEFAULT_PRIOR) -> float | None:
    """The expected precision of hits scoring ``score`` or more (see the module
    docstring); ``None`` without a calibration table. Below the table's lowest score,
    its value there (a bound from above)."""
    scores, precision = precision_curve(prior)
    if not scores:
        return None
    i = max(0, bisect_right(scores, score + 1e-9) - 1)
    return precision[i]
