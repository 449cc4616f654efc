"""The built-in rarity of a name part, for an index too small for statistics of its
own (and, in a large one, as a cap on them): the lower of

* the table of very common given names (``refdata.lexicon``): ``common_name_weight``;
* the reference frequencies of real lists (``refdata/name_frequencies.tsv``, written
  by ``bench/build_refdata.py`` from the UN list's individuals and the ar2en train
  pairs): ``log10(N / df) / reference_idf_scale`` (N the listed people) clamped to [``min_rarity_weight``,
  1] over the part's ``kind:skeleton`` key, as the index weighs its own statistics.
  A key the reference has not seen twice weighs 1.

An East Slavic patronymic (*Isaevich*, *Исаевич*, *Ismailovich*: a key that ends in the
skeleton of -ovich / -evich) is the father's given name: it weighs no more than that
name does (*Isa*, *Ismail*), however rare the patronymic's own spelling is.

An initial (*M.*) weighs ``initial_weight``: many names start with its letter.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

from fts_share.matching.config import MatchConfig
from fts_share.matching.refdata.lexicon import COMMON_GIVEN_NAMES
from fts_share.matching.scoring.analysis import INITIAL, NamePart, analyze_name

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
    return _reference_key_rarity(f"{part.kind}:{part.key}", config)


def _reference_key_rarity(key: str, config: MatchConfig) -> float:
    if config.reference_idf_scale <= 0:
        return 1.0
    total, df = reference_frequencies()
    count = df.get(key, 0)
    if count < 2 or total <= 0:
        return 1.0
    idf = math.log10(total / count) / config.reference_idf_scale
    return max(config.min_rarity_weight, min(1.0, idf))


#: the skeleton ending of an East Slavic patronymic: -ovich, -evich, -ович, -евич (v, ch)
PATRONYMIC_END = "fS"


def patronymic_root(key: str) -> str | None:
    """The skeleton of the given name a patronymic's skeleton ``key`` is made from
    (*smlfS*, Ismailovich: *sml*, Ismail), or ``None`` when it is not one."""
    if key.endswith(PATRONYMIC_END) and len(key) > len(PATRONYMIC_END):
        return key[: -len(PATRONYMIC_END)]
    return None


def is_patronymic(part: NamePart) -> bool:
    """Whether a part is a patronymic: its key is one (``patronymic_root``) and it is not
    the name's given name."""
    return part.role != "given" and patronymic_root(part.key) is not None


def builtin_rarity(part: NamePart, config: MatchConfig) -> float:
    """Rarity weight without index statistics: the lower of the common-name table's
    and the reference frequencies', and for a patronymic the lower of its own and its
    root given name's (a function of the part's kind and key alone); an initial's is
    ``initial_weight``."""
    if part.kind == INITIAL:
        return config.initial_weight
    weight = _key_rarity(part.kind, part.key, config)
    root = patronymic_root(part.key)
    if root is not None:
        weight = min(weight, _key_rarity(part.kind, root, config))
    return weight


def _key_rarity(kind: str, key: str, config: MatchConfig) -> float:
    weight = _reference_key_rarity(f"{kind}:{key}", config)
    common = _common_keys()
    if f"{kind}:{key}" in common or (
            kind in ("kunya", "umm") and f"plain:{key}" in common):  # Abu Muhammad
        weight = min(weight, config.common_name_weight)
    return weight
