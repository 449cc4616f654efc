"""The built-in rarity of a name part, for an index too small for statistics of its
own (and, in a large one, as a cap on them): the lower of

* the table of very common given names (``refdata.lexicon``): ``common_name_weight``;
* the reference frequencies of real lists (``refdata/name_frequencies.tsv``, written
  by ``bench/build_refdata.py`` from the UN list's individuals and the ar2en train
  pairs): ``log10(N / df) / reference_idf_scale`` (N the listed people) clamped to [``min_rarity_weight``,
  1] over the part's ``kind:skeleton`` key, as the index weighs its own statistics.
  A key the reference has not seen twice weighs 1.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

from fts_share.matching.config import MatchConfig
from fts_share.matching.refdata.lexicon import COMMON_GIVEN_NAMES
from fts_share.matching.scoring.analysis import NamePart, analyze_name

FREQUENCIES = Path(__file__).resolve().parents[1] / "refdata" / "name_frequencies.tsv"

_COMMON_KEYS: set[str] | None = None


def _common_keys() -> set[str]:
    global _COMMON_KEYS
    if _COMMON_KEYS is None:
        _COMMON_KEYS = {f"{p.kind}:{p.key}" for n in COMMON_GIVEN_NAMES
                        for p in analyze_name(n).name_parts}
    return _COMMON_KEYS


@lru_cache(maxsize=1)
def reference_frequencies() -> tuple[int, dict[str, int]]:
    """``(N, key -> document frequency)`` of the reference file (``(0, {})`` when it
    is missing). N is the number of listed people: the ar2en pairs, a vocabulary in
    which each word occurs once, only add to the counts of the keys they spell (a
    name spelt many ways there, Mohamed / Mohammed / Muhammad, counts more)."""
    try:
        lines = FREQUENCIES.read_text("utf-8").splitlines()
    except FileNotFoundError:
        return 0, {}
    total, df = 0, {}
    for line in lines:
        key, _, count = line.partition("\t")
        if key == "#people":
            total = int(count)
        elif key.startswith("#"):
            continue
        elif key and count:
            df[key] = int(count)
    return total, df


def reference_rarity(part: NamePart, config: MatchConfig) -> float:
    """Rarity weight of a part from the reference frequencies (1.0 when unseen, or
    when ``reference_idf_scale`` is 0)."""
    if config.reference_idf_scale <= 0:
        return 1.0
    total, df = reference_frequencies()
    count = df.get(f"{part.kind}:{part.key}", 0)
    if count < 2 or total <= 0:
        return 1.0
    idf = math.log10(total / count) / config.reference_idf_scale
    return max(config.min_rarity_weight, min(1.0, idf))


def builtin_rarity(part: NamePart, config: MatchConfig) -> float:
    """Rarity weight without index statistics: the lower of the common-name table's
    and the reference frequencies'."""
    common = _common_keys()
    weight = reference_rarity(part, config)
    if f"{part.kind}:{part.key}" in common or (
            part.kind == "kunya" and f"plain:{part.key}" in common):  # Abu Muhammad
        weight = min(weight, config.common_name_weight)
    return weight
