"""Hits: what a search returns (:class:`Hit`), and how the best names become hits
with their explanations (``best_hits``: the best name of each of the best records).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from fts_share.matching.config import MatchConfig
from fts_share.matching.index.store import Record
from fts_share.matching.scoring.analysis import NameAnalysis
from fts_share.matching.scoring.evidence import DateSpec, evidence_features
from fts_share.matching.scoring.explanation import ALGORITHM, Explanation
from fts_share.matching.scoring.name_score_ref import (
    RarityFn,
    combine,
    leftover_parts,
    score_names,
)

ProgressFn = Callable[[int, int], None]

#: query values, and record values per query value and kind, whose evidence features
#: ``Evidence.delta`` keeps
EVIDENCE_MEMO = 100_000

Memo = dict[tuple[Any, ...], float]
"""what one kind of evidence adds, by the record's value (one query value)"""
EvidenceMemo = dict[tuple[Any, ...], Memo]
"""``Memo`` by kind and query value (``SearchCache.evidence``)"""


class Hit:
    """One record found by a search: best first, ``score`` in [0, 1].

    The explanation is worked out when first read (a manifest screening reads few of
    them); ``explanation.score`` is ``score``. A pickled hit carries its explanation."""

    __slots__ = ("_explain", "_explanation", "name", "record_id", "score")

    def __init__(self, record_id: str, score: float, name: str,
                 explanation: Explanation | None = None, *,
                 explain: Callable[[], Explanation] | None = None) -> None:
        if explanation is None and explain is None:
            raise TypeError("a hit needs an explanation or a way to work it out")
        self.record_id = record_id
        self.score = score
        self.name = name
        """the record's name that matched best"""
        self._explanation = explanation
        self._explain = explain

    @property
    def explanation(self) -> Explanation:
        """Why the record matched (aligned parts, features)."""
        if self._explanation is None:
            assert self._explain is not None
            self._explanation = self._explain()
            self._explain = None
        return self._explanation

    def __reduce__(self) -> tuple[Any, ...]:
        return (Hit, (self.record_id, self.score, self.name, self.explanation))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Hit):
            return NotImplemented
        return (self.record_id, self.score, self.name, self.explanation) == (
            other.record_id, other.score, other.name, other.explanation)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Hit({self.record_id!r}, {self.score}, {self.name!r})"


class Evidence:
    """A query's evidence other than the name, parsed."""

    __slots__ = ("_memos", "dob", "documents", "nationality")

    def __init__(self, dob: tuple[DateSpec, ...], nationality: tuple[str, ...],
                 documents: tuple[str, ...]) -> None:
        self.dob = dob
        self.nationality = nationality
        self.documents = documents
        self._memos: tuple[EvidenceMemo, Memo, Memo, Memo] | None = None
        """the memo last used, and in it this query's value of each kind"""

    def __bool__(self) -> bool:
        return bool(self.dob or self.nationality or self.documents)

    def gain(self, config: MatchConfig) -> float:
        """The most this evidence can add to a name score, feature by feature as
        ``evidence_features`` adds them: one date-of-birth feature, only when the query
        has a date (``exact`` only when one of its dates has a day), one nationality
        feature when it has a nationality, one document feature when it has a document.
        The tighter this bound, the fewer names a search scores (names that cannot reach
        the threshold with it are left out before scoring)."""
        cfg = config
        total = 0.0
        if self.dob:
            dob = [cfg.dob_year, cfg.dob_approx, cfg.dob_mismatch]
            if any(d.day for d in self.dob):
                dob.append(cfg.dob_exact)
            total += max(0.0, *dob)
        if self.nationality:
            total += max(0.0, cfg.nationality_match, cfg.nationality_mismatch)
        if self.documents:
            total += max(0.0, cfg.document_match)
        return total

    def delta(self, record: Record, config: MatchConfig,
              memo: EvidenceMemo | None = None) -> float:
        """What the evidence features of ``record`` add to a name score (the same for
        every name of the record).

        With ``memo`` (kept by the index between searches: ``SearchCache.evidence``,
        one configuration per index), the date-of-birth, nationality and document
        features are worked out one at a time, each once per pair of the query's and
        the record's values, and added in the order ``evidence_features`` gives them:
        the same sum, to the last bit (tests/matching/test_evidence_pruning.py). The
        memo holds, per kind and query value, the values of the records met; this
        query's three are looked up once, so a record's values alone are hashed."""
        if memo is None:
            evidence = evidence_features(config, q_dob=self.dob, r_dob=record.dob,
                                         q_nat=self.nationality, r_nat=record.nationality,
                                         q_docs=self.documents, r_docs=record.documents)
            return sum(f.value * f.weight for f in evidence)
        memos = self.memos(memo)
        # (the memos looked up here, worked out by ``_one`` only when missing)
        dob = memos[1].get(record.dob)
        if dob is None:
            dob = self._one(memos[1], config, "dob", self.dob, record.dob)
        nat = memos[2].get(record.nationality)
        if nat is None:
            nat = self._one(memos[2], config, "nationality", self.nationality,
                            record.nationality)
        docs = memos[3].get(record.documents)
        if docs is None:
            docs = self._one(memos[3], config, "documents", self.documents,
                             record.documents)
        return dob + nat + docs

    def memos(self, memo: EvidenceMemo) -> tuple[EvidenceMemo, Memo, Memo, Memo]:
        """``memo`` and in it this query's memo of each kind (date of birth,
        nationality, documents: by the record's value), looked up once per query."""
        memos = self._memos
        if memos is None or memos[0] is not memo:
            if len(memo) > EVIDENCE_MEMO:
                memo.clear()
            memos = self._memos = (memo, memo.setdefault(("dob", self.dob), {}),
                                   memo.setdefault(("nationality", self.nationality), {}),
                                   memo.setdefault(("documents", self.documents), {}))
        return memos

    @staticmethod
    def _one(memo: Memo, config: MatchConfig, kind: str, query: tuple[Any, ...],
             record: tuple[Any, ...]) -> float:
        """What the features of one kind of evidence add (``memo``: by the record's
        value, for this kind and the query's value)."""
        value = memo.get(record)
        if value is None:
            given: dict[str, Any] = {"q_dob": (), "r_dob": (), "q_nat": (), "r_nat": (),
                                     "q_docs": (), "r_docs": ()}
            prefix = {"dob": "dob", "nationality": "nat", "documents": "docs"}[kind]
            given[f"q_{prefix}"], given[f"r_{prefix}"] = query, record
            if len(memo) > EVIDENCE_MEMO:
                memo.clear()
            value = memo[record] = sum(f.value * f.weight
                                       for f in evidence_features(config, **given))
        return value

    def adjust(self, score: float, record: Record, config: MatchConfig) -> float:
        """``score`` with the evidence features of ``record`` added, in [0, 1]."""
        return min(1.0, max(0.0, score + self.delta(record, config)))


def score_hit(query: NameAnalysis, record: NameAnalysis, record_id: str, rec: Record,
              evidence: Evidence, rarity: RarityFn, config: MatchConfig) -> Hit:
    """A hit scored by the reference scorer, with its explanation."""
    name = score_names(query, record, rarity, config)
    features = evidence_features(config, q_dob=evidence.dob, r_dob=rec.dob,
                                 q_nat=evidence.nationality, r_nat=rec.nationality,
                                 q_docs=evidence.documents, r_docs=rec.documents)
    score, feats = combine(name, features, config)
    expl = Explanation(ALGORITHM, query.text, record.text, round(score, 4), feats,
                       tuple(name.parts), tuple(name.unmatched_query),
                       tuple(name.unmatched_record), leftover_parts(query, record, name))
    return Hit(record_id, round(score, 4), record.text, expl)


def _explain(query: NameAnalysis, record: NameAnalysis, record_id: str, rec: Record,
             evidence: Evidence, rarity: RarityFn, config: MatchConfig) -> Explanation:
    return score_hit(query, record, record_id, rec, evidence, rarity, config).explanation


def _best_per_record(scored: dict[int, float], name_record: Sequence[str | None],
                     low: float) -> dict[str, tuple[float, int]]:
    """Per record, its best name's score and id (scores under ``low`` left out). Of names
    that score the same, the first the record lists wins (the explanation shown does not
    depend on the order in which candidates were found)."""
    best: dict[str, tuple[float, int]] = {}
    for nid, score in scored.items():
        rid = name_record[nid]
        if rid is None or score < low:
            continue
        old = best.get(rid)
        if old is None or (score, -nid) > (old[0], -old[1]):
            best[rid] = (score, nid)
    return best


def best_hits(query: NameAnalysis, scored: dict[int, float], exact: set[int], cut: float,
              limit: int, evidence: Evidence, names: Sequence[NameAnalysis | None],
              name_record: Sequence[str | None], records: Mapping[str, Record],
              rarity: RarityFn, config: MatchConfig) -> list[Hit]:
    """The best name of each of the best records, best first. A score that may miss a
    part pair (its name not in ``exact``) is taken again from the reference scorer."""
    low = cut - 1e-4  # scores are compared after rounding to 4 places
    best = _best_per_record(scored, name_record, low)
    if len(best) > limit:  # only those that can be among the first after rounding
        low = max(low, sorted((s for s, _ in best.values()), reverse=True)[limit - 1]
                  - 1e-4)
    top = sorted(((round(s, 4), rid, nid) for rid, (s, nid) in best.items()
                  if s >= low and round(s, 4) >= cut),
                 key=lambda t: (-t[0], t[1]))[:limit]
    hits = []
    for score, rid, nid in top:
        record = names[nid]
        assert record is not None
        args = (query, record, rid, records[rid], evidence, rarity, config)
        if nid in exact:
            hits.append(Hit(rid, score, record.text, explain=partial(_explain, *args)))
        else:
            hit = score_hit(*args)
            if hit.score >= cut:
                hits.append(hit)
    hits.sort(key=lambda h: (-h.score, h.record_id))
    return hits
