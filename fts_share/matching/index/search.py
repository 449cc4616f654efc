"""One search over an index, whatever holds its arrays: the in-memory ``NameIndex``,
a memory-mapped snapshot (``mapped.MappedIndex``) or a snapshot and its overlay read
as one (``overlay.OverlaidIndex``, two ``segments.Segments``) give the same
:class:`View`, so all run exactly the same steps and give exactly the same hits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from fts_share.errors import ValidationError
from fts_share.matching.config import MatchConfig
from fts_share.matching.index import query
from fts_share.matching.index.evidence_classes import NO_CLASS, EvidenceClasses
from fts_share.matching.index.hits import Evidence, EvidenceMemo, Hit, Memo, best_hits
from fts_share.matching.index.join_search import query_readings
from fts_share.matching.index.segments import Segments
from fts_share.matching.index.store import Record
from fts_share.matching.scoring.analysis import NameAnalysis, NamePart, analyze_name
from fts_share.matching.scoring.evidence import (
    CountryInput,
    DobInput,
    parse_countries,
    parse_dob,
    parse_documents,
)
from fts_share.matching.scoring.join_guard import Guard
from fts_share.matching.scoring.join_readings import is_split


class View(Protocol):
    """What a search reads of an index."""

    config: MatchConfig
    cache: query.SearchCache
    evidence_classes: EvidenceClasses
    """per name id its record's evidence class (its own, over its own name ids)"""

    @property
    def groups(self) -> Any:
        """The groups: ``table`` (ids, similarities), ``near`` and ``blocked``."""

    @property
    def name_records(self) -> Sequence[str | None]:
        """Per name id: its record's id (``None``: removed)."""

    @property
    def analyses(self) -> Sequence[NameAnalysis | None]:
        """Per name id: its analysis (``None``: removed)."""

    @property
    def records_by_id(self) -> Mapping[str, Record]:
        """The records by id."""

    def rarity(self, part: NamePart) -> float:
        """Rarity weight of a part."""

    def segments(self) -> Segments:
        """The arrays a search reads (one segment, or a snapshot and its overlay)."""

    def forced_names(self, documents: Sequence[str]) -> list[int]:
        """Ids of the live names of the records holding one of ``documents``."""

    def holds(self, key: str) -> bool:
        """Whether some live name holds a part of rarity key ``key`` (``kind:skeleton``)."""

    def adjacent(self, pair: str) -> bool:
        """Whether two parts of these keys (``"wl jn"``) stand side by side in a listed
        name (``join_search.adjacent_pairs``)."""


#: how far below the ``limit``-th best record's score a name's upper bound must be for
#: ``_adjust`` to leave it out (scores are compared after rounding to 4 places)
PRUNE_MARGIN = 1e-3


def _adjust(scored: dict[int, float], evidence: Evidence, gain: float, cut: float,
            limit: int, name_record: Sequence[str | None], by_id: Mapping[str, Record],
            cfg: MatchConfig, memo: EvidenceMemo, classes: EvidenceClasses) -> None:
    """Add the evidence to the scores of the names that it can lift to ``cut`` (it adds
    at most ``gain``), in place, best name score first, and drop the names that can no
    longer be among the ``limit`` best records: once ``limit`` records are adjusted,
    a name whose score plus ``gain`` stays ``PRUNE_MARGIN`` under the ``limit``-th best
    record's adjusted score can neither be a hit nor change one (``best_hits`` keeps
    the same hits, in the same order, with the same scores). On common names most
    candidates above the threshold end there: their evidence is never worked out.

    The evidence features depend on the record's values alone, so they are worked
    out once per class of records with the same values (``classes``: a name's class
    is read by its id; common names held by many records are the usual case on
    arrival), and each kind once per pair of values (``memo``, kept between
    searches: ``Evidence.delta``)."""
    memos = evidence.memos(memo)
    of_name = classes.names(len(name_record))
    by_class = classes.memo((evidence.dob, evidence.nationality, evidence.documents))
    eligible = sorted(((score, nid) for nid, score in scored.items()
                       if not score + gain < cut),  # (the same comparison as before)
                      reverse=True)
    top: dict[str, float] = {}  # the ``limit`` records best adjusted so far
    kth = -1.0  # the least of them, once there are ``limit``
    stop = kth - PRUNE_MARGIN
    for pos, (score, nid) in enumerate(eligible):
        if score + gain < stop:
            for _, out in eligible[pos:]:
                del scored[out]
            return
        rid = name_record[nid]
        cls = of_name[nid]
        if cls == -1:
            cls = classes.classify(nid, by_id[rid])  # type: ignore[index]
        delta = by_class.get(cls)
        if delta is None:
            delta = _record_delta(by_id[rid] if cls == NO_CLASS  # type: ignore[index]
                                  else classes.record(cls), evidence, memos, cfg)
            if cls != NO_CLASS:
                classes.remember(by_class, cls, delta)
        adjusted = score + delta  # in [0, 1], as min(1.0, max(0.0, ...)) gives it
        adjusted = scored[nid] = (adjusted if 0.0 < adjusted < 1.0
                                  else 1.0 if adjusted >= 1.0 else 0.0)
        if len(top) < limit and rid not in top:  # (``_keep_best``'s first case)
            top[rid] = adjusted  # type: ignore[index]
            if len(top) == limit:
                kth = min(top.values())
                stop = kth - PRUNE_MARGIN
        else:
            kth = _keep_best(top, rid, adjusted, limit, kth)  # type: ignore[arg-type]
            stop = kth - PRUNE_MARGIN


def _record_delta(rec: Record, evidence: Evidence,
                  memos: tuple[EvidenceMemo, Memo, Memo, Memo], cfg: MatchConfig) -> float:
    """What ``evidence`` adds to the names of ``rec`` (and of its evidence class):
    ``Evidence.delta`` with its memos (``memos``) looked up here."""
    dob, nat = memos[1].get(rec.dob), memos[2].get(rec.nationality)
    docs = memos[3].get(rec.documents)
    if dob is None or nat is None or docs is None:
        return evidence.delta(rec, cfg, memos[0])
    return dob + nat + docs


def _keep_best(top: dict[str, float], rid: str, score: float, limit: int, kth: float
               ) -> float:
    """File ``rid``'s ``score`` in ``top`` (the ``limit`` best records by their best
    score); returns the least score in ``top`` once it holds ``limit`` (else -1)."""
    old = top.get(rid)
    if old is not None:
        if score <= old:
            return kth
        top[rid] = score
    elif len(top) < limit:
        top[rid] = score
    elif score > kth:
        del top[min(top, key=top.__getitem__)]
        top[rid] = score
    else:
        return kth
    return min(top.values()) if len(top) >= limit else -1.0


def search(view: View, name: str, *, dob: DobInput = None,
           nationality: CountryInput = None, documents: str | Sequence[str] | None = None,
           limit: int = 10, threshold: float | None = None) -> list[Hit]:
    """``NameIndex.search`` on ``view`` (see there). A name read two ways (a Korean
    name in either order: ``NameAnalysis.others``; with two words written as one, or
    one as two, where the index can meet it: ``join_search``) is searched by each
    reading, and each record keeps its better hit; a joined or split reading meets a
    listed name only as ``scoring.join_guard`` says."""
    analysis = analyze_name(name, field="name")
    evidence = Evidence(parse_dob(dob), parse_countries(nationality),
                        parse_documents(documents))
    if not isinstance(limit, int) or limit < 1:
        raise ValidationError({"limit": ["must be a positive integer"]})
    cut = view.config.threshold if threshold is None else threshold
    hits = _search_reading(view, analysis, evidence, limit, cut)
    for other in query_readings(analysis, view.holds, view.adjacent)[1:]:
        best = {h.record_id: h for h in hits}
        for h in _search_reading(view, other, evidence, limit, cut):
            if h.record_id not in best or h.score > best[h.record_id].score:
                best[h.record_id] = h
        hits = sorted(best.values(), key=lambda h: (-h.score, h.record_id))[:limit]
    return hits


def _guarded(scored: dict[int, float], analysis: NameAnalysis, view: View, limit: int
             ) -> dict[int, float]:
    """Of ``scored``, per record the name ``hits.best_hits`` would take (the best, the
    first of equals), leaving out names whose reading may not meet ``analysis``
    (``join_guard``: a joined reading of either), as far as the best ``limit``
    records need (the others cannot be hits)."""
    names, name_record, guard = view.analyses, view.name_records, Guard(analysis, view.config)
    out: dict[int, float] = {}
    records: set[str | None] = set()
    kth = -1.0  # (the score of the limit-th record, once found)
    for nid, score in sorted(scored.items(), key=lambda t: (-t[1], t[0])):
        if score < kth - 1e-4:
            break
        rid = name_record[nid]
        if rid in records:
            continue  # (its record's name that ``best_hits`` shows came first)
        name = names[nid]
        if name is None or not guard.meets(name):
            continue
        out[nid] = score
        records.add(rid)
        if kth < 0 and len(records) >= limit:
            kth = score
    return out


def _search_reading(view: View, analysis: NameAnalysis, evidence: Evidence, limit: int,
                    cut: float) -> list[Hit]:
    """The hits of one reading of the query."""
    cfg = view.config
    qparts = query.query_parts(analysis, view.groups, view.cache, view.rarity, cfg)
    forced = view.forced_names(evidence.documents)
    exact: set[int] = set()
    gain = evidence.gain(cfg)  # a name further below the threshold stays below
    # hits are compared with the threshold after rounding to 4 places
    scored = query.name_scores(qparts, view.segments(), view.cache, view.groups, forced,
                               exact, cut - gain - 1e-4, cfg)
    name_record, by_id = view.name_records, view.records_by_id
    if evidence:
        _adjust(scored, evidence, gain, cut, limit, name_record, by_id, cfg,
                view.cache.evidence, view.evidence_classes)
    if analysis.joined or is_split(analysis):  # (the index files names as written)
        scored = _guarded(scored, analysis, view, limit)
    return best_hits(analysis, scored, exact, cut, limit, evidence, view.analyses,
                     name_record, by_id, view.rarity, cfg)
