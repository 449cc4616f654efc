"""The built-in rarity of a name part: very common given names (``refdata.lexicon``)
weigh less when an index has no statistics of its own."""

from __future__ import annotations

from fts_share.matching.config import MatchConfig
from fts_share.matching.refdata.lexicon import COMMON_GIVEN_NAMES
from fts_share.matching.scoring.analysis import NamePart, analyze_name

_COMMON_KEYS: set[str] | None = None


def _common_keys() -> set[str]:
    global _COMMON_KEYS
    if _COMMON_KEYS is None:
        _COMMON_KEYS = {f"{p.kind}:{p.key}" for n in COMMON_GIVEN_NAMES
                        for p in analyze_name(n).name_parts}
    return _COMMON_KEYS


def builtin_rarity(part: NamePart, config: MatchConfig) -> float:
    """Rarity weight from the built-in table of very common given names."""
    common = _common_keys()
    if f"{part.kind}:{part.key}" in common or (
            part.kind == "kunya" and f"plain:{part.key}" in common):  # Abu Muhammad
        return config.common_name_weight
    return 1.0
