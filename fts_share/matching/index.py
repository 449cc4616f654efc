"""``NameIndex``: records of names (+ dates of birth, nationalities, documents),
candidate generation on rarity-aware skeleton keys, then ``bridge-v1`` scoring.

Candidate generation never compares a query with every record: every reading of
every name part is filed under its consonant skeleton and under the skeleton with one
letter deleted (so one edit apart still meets). A query looks up the same keys of its
parts, skips keys filed under very many names when it has rarer ones, counts how
many of its parts each name shares, and scores the best ``max_candidates`` names.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

from fts_share.errors import ValidationError
from fts_share.matching import persist
from fts_share.matching.analysis import NameAnalysis, NamePart, analyze_name
from fts_share.matching.config import MatchConfig
from fts_share.matching.evidence import (CountryInput, DateSpec, DobInput, parse_countries,
                                         parse_documents, parse_dob)
from fts_share.matching.lexicon import COMMON_GIVEN_NAMES
from fts_share.matching.scoring import (ALGORITHM, Explanation, combine, evidence_features,
                                        score_names)

ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True)
class Hit:
    """One record found by a search: best first, ``score`` in [0, 1]."""

    record_id: str
    score: float
    name: str
    """the record's name that matched best"""
    explanation: Explanation


@dataclass
class _Record:
    names: list[int]
    texts: list[str]
    dob: tuple[DateSpec, ...]
    dob_raw: Any
    nationality: tuple[str, ...]
    documents: tuple[str, ...]


def part_keys(part: NamePart) -> set[str]:
    """Index keys of a part: each skeleton and its one-letter deletions."""
    keys: set[str] = set()
    for form in part.forms:
        s = form.skel or form.full
        if not s:
            continue
        keys.add(s)
        if len(s) >= 3:
            keys.update(s[:i] + s[i + 1:] for i in range(len(s)))
    return keys


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


class NameIndex:
    """An in-memory index of watchlist records for cross-script name search."""

    def __init__(self, *, config: MatchConfig | None = None) -> None:
        self.config = config or MatchConfig()
        self._records: dict[str, _Record] = {}
        self._name_record: list[str | None] = []
        self._names: list[NameAnalysis | None] = []
        self._postings: dict[str, array] = {}
        self._df: Counter[str] = Counter()
        self._doc_index: dict[str, set[str]] = {}
        self._live_names = 0
        self._interned: dict[NamePart, NamePart] = {}
        self._rarity_cache: dict[str, float] = {}

    # ------------------------------------------------------------ building
    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._records

    @property
    def name_count(self) -> int:
        """Number of indexed names (all records, all aliases)."""
        return self._live_names

    def add(self, record_id: str, names: str | Sequence[str], *, dob: DobInput = None,
            nationality: CountryInput = None, documents: str | Sequence[str] | None = None,
            skip_invalid_names: bool = False) -> None:
        """Add (or replace) a record. Raises ``ValidationError`` naming the bad field
        (``names.2``, ``dob``, ``nationality``) and then leaves the index unchanged.

        With ``skip_invalid_names`` (for list imports, where an alias may be a bare
        title such as "Mullah"), invalid names are left out as long as one is valid."""
        if not isinstance(record_id, str) or not record_id.strip():
            raise ValidationError({"record_id": ["must be a non-empty string"]})
        if isinstance(names, str):
            names = [names]
        if not names:
            raise ValidationError({"names": ["at least one name is required"]})
        analyses: list[NameAnalysis] = []
        for i, n in enumerate(names):
            try:
                analyses.append(analyze_name(n, field=f"names.{i}"))
            except ValidationError:
                if not skip_invalid_names or (i == len(names) - 1 and not analyses):
                    raise
        rec_dob = parse_dob(dob)
        rec_nat = parse_countries(nationality)
        rec_docs = parse_documents(documents)
        if record_id in self._records:
            self.remove(record_id)
        rec = _Record([], [], rec_dob, dob, rec_nat, rec_docs)
        for analysis in dict.fromkeys(analyses):
            rec.names.append(self._add_name(record_id, analysis))
            rec.texts.append(analysis.text)
        for doc in rec_docs:
            self._doc_index.setdefault(doc, set()).add(record_id)
        self._records[record_id] = rec

    def _intern(self, analysis: NameAnalysis) -> NameAnalysis:
        """Share identical part objects between names (memory, similarity cache)."""
        parts = tuple(self._interned.setdefault(p, p) for p in analysis.parts)
        return NameAnalysis(analysis.text, analysis.folded, parts, analysis.particles)

    def _add_name(self, record_id: str, analysis: NameAnalysis) -> int:
        analysis = self._intern(analysis)
        self._rarity_cache.clear()
        name_id = len(self._names)
        self._names.append(analysis)
        self._name_record.append(record_id)
        self._live_names += 1
        keys: set[str] = set()
        for part in analysis.name_parts:
            keys |= part_keys(part)
            self._df[f"{part.kind}:{part.key}"] += 1
        for key in keys:
            post = self._postings.get(key)
            if post is None:
                self._postings[key] = post = array("i")
            post.append(name_id)
        return name_id

    def remove(self, record_id: str) -> bool:
        """Remove a record (delisting, re-import). Returns False if it was absent."""
        rec = self._records.pop(record_id, None)
        if rec is None:
            return False
        self._rarity_cache.clear()
        for name_id in rec.names:
            analysis = self._names[name_id]
            if analysis is not None:
                for part in analysis.name_parts:
                    self._df[f"{part.kind}:{part.key}"] -= 1
            self._names[name_id] = None
            self._name_record[name_id] = None
            self._live_names -= 1
        for doc in rec.documents:
            self._doc_index.get(doc, set()).discard(record_id)
        return True

    def record_ids(self) -> list[str]:
        """Ids of all records, in insertion order."""
        return list(self._records)

    # ------------------------------------------------------------ rarity
    def rarity(self, part: NamePart) -> float:
        """Rarity weight of a part in [min_rarity_weight, 1]: IDF over indexed names,
        capped by the built-in common-name table."""
        key = f"{part.kind}:{part.key}"
        cached = self._rarity_cache.get(key)
        if cached is not None:
            return cached
        cfg = self.config
        value = base = builtin_rarity(part, cfg)
        n = self._live_names
        df = self._df.get(key, 0)
        if n >= cfg.stats_min_names and df > 0:
            idf = math.log10(n / df) / 3.0
            value = max(cfg.min_rarity_weight, min(base, 1.0, idf))
        self._rarity_cache[key] = value
        return value

    # ------------------------------------------------------------ searching
    def search(self, name: str, *, dob: DobInput = None, nationality: CountryInput = None,
               documents: str | Sequence[str] | None = None, limit: int = 10,
               threshold: float | None = None) -> list[Hit]:
        """Records matching ``name`` (any script, any spelling), best first.

        Only hits scoring at least ``threshold`` (default: ``config.threshold``) are
        returned, at most ``limit`` of them. Bad input raises ``ValidationError``.
        """
        query = analyze_name(name, field="name")
        q_dob = parse_dob(dob)
        q_nat = parse_countries(nationality)
        q_docs = parse_documents(documents)
        if not isinstance(limit, int) or limit < 1:
            raise ValidationError({"limit": ["must be a positive integer"]})
        cut = self.config.threshold if threshold is None else threshold
        best: dict[str, Hit] = {}
        self._sim_cache: dict[tuple[int, int], float] = {}
        for name_id in self._candidates(query):
            record_id = self._name_record[name_id]
            analysis = self._names[name_id]
            if record_id is None or analysis is None:
                continue
            hit = self._score(query, analysis, record_id, q_dob, q_nat, q_docs)
            if record_id not in best or hit.score > best[record_id].score:
                best[record_id] = hit
        for doc in q_docs:
            for record_id in self._doc_index.get(doc, ()):
                if record_id not in best:
                    rec = self._records[record_id]
                    hits = [self._score(query, self._names[i], record_id, q_dob, q_nat,
                                        q_docs) for i in rec.names if self._names[i]]
                    best[record_id] = max(hits, key=lambda h: h.score)
        hits = sorted((h for h in best.values() if h.score >= cut),
                      key=lambda h: (-h.score, h.record_id))
        return hits[:limit]

    def _candidates(self, query: NameAnalysis) -> list[int]:
        cfg = self.config
        per_part: list[tuple[int, int, set[int]]] = []
        for part in query.name_parts:
            posts = [p for p in map(self._postings.get, part_keys(part)) if p is not None]
            size = sum(map(len, posts))
            if size:
                # rarity as a small integer multiplicity: a rare part counts more
                weight = max(1, round(4 * self.rarity(part)))
                per_part.append((size, weight, set().union(*posts) if size > 0 else set()))
        if not per_part:
            return []
        per_part.sort(key=lambda t: t[0])
        rare = [t for t in per_part if t[0] <= cfg.common_key_df] or per_part[:1]
        counts: Counter[int] = Counter()
        for _, weight, ids in rare:
            for _ in range(weight):
                counts.update(ids)
        return [name_id for name_id, _ in counts.most_common(cfg.max_candidates)]

    def _score(self, query: NameAnalysis, record: NameAnalysis, record_id: str,
               q_dob: Sequence[DateSpec], q_nat: Sequence[str], q_docs: Sequence[str]
               ) -> Hit:
        rec = self._records[record_id]
        name = score_names(query, record, self.rarity, self.config,
                           getattr(self, "_sim_cache", None))
        evidence = evidence_features(self.config, q_dob=q_dob, r_dob=rec.dob, q_nat=q_nat,
                                     r_nat=rec.nationality, q_docs=q_docs,
                                     r_docs=rec.documents)
        score, feats = combine(name, evidence, self.config)
        expl = Explanation(ALGORITHM, query.text, record.text, round(score, 4), feats,
                           tuple(name.parts), tuple(name.unmatched_query),
                           tuple(name.unmatched_record))
        return Hit(record_id, round(score, 4), record.text, expl)

    def search_many(self, queries: Iterable[str | Mapping[str, Any]], *, workers: int = 1,
                    limit: int = 10, threshold: float | None = None,
                    progress: ProgressFn | None = None, skip_invalid: bool = False
                    ) -> list[list[Hit]]:
        """Search a batch (a name or a mapping with ``name``/``dob``/``nationality``/
        ``documents`` per row). ``workers`` > 1 forks worker processes. ``progress``
        is called with ``(done, total)``. An invalid row raises ``ValidationError``
        naming ``queries.<row>.<field>``, or gives ``[]`` with ``skip_invalid``."""
        from fts_share.matching.batch import run_batch
        return run_batch(self, list(queries), workers=workers, limit=limit,
                         threshold=threshold, progress=progress, skip_invalid=skip_invalid)

    # ------------------------------------------------------------ persistence
    def save(self, path: str) -> None:
        """Write the index to ``path`` (versioned gzip JSON; see ``persist``)."""
        persist.save(path, self.config.to_dict(), (
            (rid, rec.texts, rec.dob_raw, list(rec.nationality), list(rec.documents))
            for rid, rec in self._records.items()))

    @classmethod
    def load(cls, path: str, *, config: MatchConfig | None = None) -> "NameIndex":
        """Read an index written by :meth:`save` (the file's config unless one is given)."""
        saved_config, records = persist.load(path)
        idx = cls(config=config or MatchConfig.from_dict(saved_config))
        for rid, names, dob, nat, docs in records:
            idx.add(rid, names, dob=dob, nationality=nat or None, documents=docs or None)
        return idx
