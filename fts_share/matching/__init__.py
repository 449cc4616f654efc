"""Cross-script name matching: normalisation, bridging, scoring and the ``NameIndex``.

Public API (see docs/matching.md)::

    from fts_share.matching import NameIndex, name_similarity, analyze_name, MatchConfig
    idx = NameIndex()
    idx.add("QDi.299", ["IBRAHIM AWWAD IBRAHIM ALI AL-BADRI AL-SAMARRAI",
                        "أبو بكر البغدادي"], dob="1971-07-28", nationality="IRQ")
    hits = idx.search("Abou Bakr el-Baghdadi")
    name_similarity("محمد عبد الله", "Mohamed Abdallah")

The package is four subpackages, each importing only those listed before it:
``text`` (normalisation, the scripts' readings, the bridge), ``refdata`` (word lists,
common names, countries), ``scoring`` (name analysis, evidence, part similarity and
name score as readable reference ``*_ref`` and compiled twin ``*_fast``, and the
explanation) and ``index`` (``NameIndex``, candidates, hits, batches, its file, and
the mapped snapshot: ``MappedIndex``, ``OverlaidIndex``, ``write_mapped``).

Domain code: no Flask, no SQLAlchemy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fts_share.matching.config import MatchConfig
    from fts_share.matching.index.hits import Hit
    from fts_share.matching.index.mapped import MappedIndex
    from fts_share.matching.index.mapped_write import write_mapped
    from fts_share.matching.index.name_index import NameIndex
    from fts_share.matching.index.overlay import OverlaidIndex
    from fts_share.matching.refdata.countries import country_code, resolve_country
    from fts_share.matching.scoring.analysis import NameAnalysis, NamePart, analyze_name
    from fts_share.matching.scoring.evidence import DateSpec, parse_dob
    from fts_share.matching.scoring.explanation import (
        ALGORITHM,
        Explanation,
        FeatureScore,
        PartMatch,
        Reason,
        UnmatchedPart,
    )
    from fts_share.matching.similarity import explain_similarity, name_similarity

#: each public name -> the module that defines it, imported on first use (PEP 562): a
#: command that only needs ``MatchConfig`` does not load the engine and numpy
_PUBLIC = {
    "MatchConfig": "config", "Hit": "index.hits", "MappedIndex": "index.mapped",
    "write_mapped": "index.mapped_write", "NameIndex": "index.name_index",
    "OverlaidIndex": "index.overlay", "country_code": "refdata.countries",
    "resolve_country": "refdata.countries", "NameAnalysis": "scoring.analysis",
    "NamePart": "scoring.analysis", "analyze_name": "scoring.analysis",
    "DateSpec": "scoring.evidence", "parse_dob": "scoring.evidence",
    "ALGORITHM": "scoring.explanation", "Explanation": "scoring.explanation",
    "FeatureScore": "scoring.explanation", "PartMatch": "scoring.explanation",
    "Reason": "scoring.explanation", "UnmatchedPart": "scoring.explanation",
    "explain_similarity": "similarity", "name_similarity": "similarity",
}

__all__ = [
    "ALGORITHM", "DateSpec", "Explanation", "FeatureScore", "Hit", "MappedIndex",
    "MatchConfig", "NameAnalysis", "NameIndex", "NamePart", "OverlaidIndex", "PartMatch",
    "Reason", "UnmatchedPart", "analyze_name", "country_code", "explain_similarity",
    "name_similarity", "parse_dob", "resolve_country", "write_mapped",
]


def __getattr__(name: str) -> Any:
    """A public name, its module imported the first time it is asked for."""
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_PUBLIC[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})
