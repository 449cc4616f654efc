"""``NameIndex``: records of names (+ dates of birth, nationalities, documents),
candidate generation on rarity-aware skeleton keys, then ``bridge-v1`` scoring.

Candidate generation never compares a query with every record. Parts that read the
same form a *group*; every group is filed under the consonant skeletons of its
readings and their one-letter deletions (one edit apart still meets). A query part
looks up its keys and is compared with the groups found in one batch (memoised per
query-part spelling); the names behind the aligned groups of the rarest query parts
are the candidates, pre-scored on all query parts; the best ``max_candidates`` are
scored exactly (same arithmetic as ``scoring.score_names``) and only the hits
returned are explained. See docs/matching.md, section 5.
"""

from __future__ import annotations

import heapq
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
from fts_share.matching.scoring import (ALGORITHM, Explanation, combine, coverage_score,
                                        evidence_features, greedy_align, score_names)
from fts_share.matching.bridge import Form
from fts_share.matching.similarity import part_similarity, similarities_to_many

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


class _QueryPart:
    """A query part with its weight and its similarities to indexed parts."""

    __slots__ = ("part", "weight", "sims", "near")

    def __init__(self, part: NamePart, weight: float, sims: dict[int, float],
                 near: list[tuple[int, float]]) -> None:
        self.part = part
        self.weight = weight
        self.sims = sims
        """group id -> similarity, for the near groups and any compared since (memo)"""
        self.near = near
        """(group id, similarity) of the indexed groups that share a key and align,
        most similar first"""


class NameIndex:
    """An in-memory index of watchlist records for cross-script name search."""

    #: distinct query parts whose similarities to indexed parts are memoised
    QUERY_PART_CACHE = 20_000

    def __init__(self, *, config: MatchConfig | None = None) -> None:
        self.config = config or MatchConfig()
        self._records: dict[str, _Record] = {}
        self._name_record: list[str | None] = []
        self._names: list[NameAnalysis | None] = []
        self._name_pids: list[tuple[int, ...] | None] = []
        """per name: ids of its matchable parts (titles excluded), in order"""
        self._parts: list[NamePart] = []
        self._part_id: dict[NamePart, int] = {}
        self._part_group: list[int] = []
        """per part: its group, the parts that read the same (forms, script, kind)"""
        self._part_dfkey: list[str] = []
        self._groups: list[tuple[tuple[Form, ...], str, str]] = []
        self._group_id: dict[tuple[tuple[Form, ...], str, str], int] = {}
        self._group_names: list[array] = []
        """per group: ids of the names holding one of its parts"""
        self._key_groups: dict[str, array] = {}
        """index key (skeleton or one-letter deletion) -> ids of the groups filed under it"""
        self._df: Counter[str] = Counter()
        self._doc_index: dict[str, set[str]] = {}
        self._live_names = 0
        self._rarity_cache: dict[str, float] = {}
        self._pweight: dict[int, float] = {}
        self._qcache: dict[tuple[Any, ...], tuple[dict[int, float], list[tuple[int, float]]]] = {}

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
        self._add_analysed(record_id, analyses, rec_dob, dob, rec_nat, rec_docs)

    def _add_analysed(self, record_id: str, analyses: Sequence[NameAnalysis],
                      rec_dob: tuple[DateSpec, ...], dob_raw: Any, rec_nat: tuple[str, ...],
                      rec_docs: tuple[str, ...]) -> None:
        if record_id in self._records:
            self.remove(record_id)
        rec = _Record([], [], rec_dob, dob_raw, rec_nat, rec_docs)
        for analysis in dict.fromkeys(analyses):
            rec.names.append(self._add_name(record_id, analysis))
            rec.texts.append(analysis.text)
        for doc in rec_docs:
            self._doc_index.setdefault(doc, set()).add(record_id)
        self._records[record_id] = rec

    def _part(self, part: NamePart) -> int:
        """The id of an (interned) part, filing a new part under its keys."""
        pid = self._part_id.get(part)
        if pid is None:
            pid = len(self._parts)
            self._part_id[part] = pid
            self._parts.append(part)
            self._part_dfkey.append(f"{part.kind}:{part.key}")
            sig = (part.forms, part.script, part.kind)
            gid = self._group_id.get(sig)
            if gid is None:
                gid = self._new_group(sig, part_keys(part))
            self._part_group.append(gid)
        return pid

    def _new_group(self, sig: tuple[tuple[Form, ...], str, str], keys: Iterable[str]) -> int:
        gid = len(self._groups)
        self._group_id[sig] = gid
        self._groups.append(sig)
        self._group_names.append(array("i"))
        for key in keys:
            post = self._key_groups.get(key)
            if post is None:
                self._key_groups[key] = post = array("i")
            post.append(gid)
        self._qcache.clear()  # neighbourhoods of query parts may now include it
        return gid

    def _add_name(self, record_id: str, analysis: NameAnalysis) -> int:
        name_id = len(self._names)
        parts = self._parts
        pids = tuple(self._part(p) for p in analysis.parts)
        analysis = NameAnalysis(analysis.text, analysis.folded,
                                tuple(parts[i] for i in pids), analysis.particles)
        matchable = tuple(i for i in pids if parts[i].role != "title")
        self._names.append(analysis)
        self._name_pids.append(matchable)
        self._name_record.append(record_id)
        self._live_names += 1
        group = self._part_group
        for gid in dict.fromkeys(group[i] for i in matchable):
            self._group_names[gid].append(name_id)
        for pid in matchable:
            self._df[self._part_dfkey[pid]] += 1
        if self._rarity_cache:
            self._rarity_cache.clear()
            self._pweight.clear()
        return name_id

    def remove(self, record_id: str) -> bool:
        """Remove a record (delisting, re-import). Returns False if it was absent."""
        rec = self._records.pop(record_id, None)
        if rec is None:
            return False
        self._rarity_cache.clear()
        self._pweight.clear()
        for name_id in rec.names:
            pids = self._name_pids[name_id]
            if pids is not None:
                for pid in pids:
                    self._df[self._part_dfkey[pid]] -= 1
                for gid in dict.fromkeys(self._part_group[i] for i in pids):
                    self._group_names[gid].remove(name_id)
            self._names[name_id] = None
            self._name_pids[name_id] = None
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

    def _part_weight(self, pid: int) -> float:
        w = self._pweight.get(pid)
        if w is None:
            part = self._parts[pid]
            w = self._pweight[pid] = self.config.role_weight(part.role) * self.rarity(part)
        return w

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
        qparts = self._query_parts(query)
        scored = self._rank(qparts, self._candidates(qparts), q_dob, q_nat, q_docs)
        for doc in q_docs:
            for record_id in self._doc_index.get(doc, ()):
                for name_id in self._records[record_id].names:
                    if name_id not in scored and self._name_pids[name_id] is not None:
                        scored[name_id] = self._fast_score(qparts, name_id, q_dob, q_nat,
                                                           q_docs)
        return self._hits(query, qparts, scored, cut, limit, q_dob, q_nat, q_docs)

    def _query_parts(self, query: NameAnalysis) -> list[_QueryPart]:
        """Weights and (memoised) neighbourhoods of the query's parts."""
        cfg = self.config
        floor = cfg.min_part_similarity
        out = []
        cache = self._qcache
        for part in query.name_parts:
            sig = (part.forms, part.script, part.kind)
            entry = cache.pop(sig, None)
            if entry is None:
                found: set[int] = set()
                key_groups = self._key_groups
                for key in part_keys(part):
                    post = key_groups.get(key)
                    if post is not None:
                        found.update(post)
                gids = list(found)
                groups = self._groups
                values = similarities_to_many(part, [groups[g] for g in gids],
                                              skeleton_weight=cfg.skeleton_weight,
                                              compound_mismatch=cfg.compound_mismatch)
                near = sorted(((g, s) for g, s in zip(gids, values) if s >= floor),
                              key=lambda t: -t[1])
                entry = (dict(near), near)
                if len(cache) >= self.QUERY_PART_CACHE:
                    try:  # least recently used first (hits are moved to the end)
                        del cache[next(iter(cache))]
                    except (KeyError, RuntimeError, StopIteration):  # another thread
                        pass
            cache[sig] = entry
            weight = cfg.role_weight(part.role) * self.rarity(part)
            out.append(_QueryPart(part, weight, entry[0], entry[1]))
        return out

    def _candidates(self, qparts: list[_QueryPart]) -> list[int]:
        """Names worth scoring: those holding a part similar to one of the query's
        rarer parts, pre-scored on all query parts; the best ``max_candidates``."""
        cfg = self.config
        part_names = self._group_names
        lo = cfg.candidate_similarity
        volumes = sorted((sum(len(part_names[gid]) for gid, s in qp.near if s >= lo), i)
                         for i, qp in enumerate(qparts) if qp.near and qp.near[0][1] >= lo)
        if not volumes:
            return []
        acc: dict[int, float] = {}
        used = 0
        scanned: set[int] = set()
        cap = cfg.candidate_budget
        for vol, i in volumes:
            if scanned and (vol > cfg.common_key_df or used + vol > cap):
                break
            scanned.add(i)
            qp = qparts[i]
            w = qp.weight
            best: dict[int, float] = {}
            # lowest similarity first, so that a name's best-aligned part wins
            for pid, s in reversed(qp.near):
                if s < lo:
                    continue
                post = part_names[pid]
                if used > 4 * cap and s < 1.0:
                    continue
                used += len(post)
                best.update(dict.fromkeys(post, w * s))
            if not acc:
                acc = best
            else:
                get = acc.get
                for nid, v in best.items():
                    acc[nid] = get(nid, 0.0) + v
        k = cfg.max_candidates
        if len(acc) <= k:
            return list(acc)
        # the other (common) parts count too: by intersecting their postings with the
        # candidates where that is cheaper (C loops), else name by name
        lookups = []
        for vol, i in volumes:
            if i in scanned:
                continue
            qp = qparts[i]
            if vol < 25 * len(acc):
                keys = acc.keys()
                best = {}
                for gid, s in reversed(qp.near):
                    if s < lo:
                        continue
                    common = keys & part_names[gid]
                    if common:
                        best.update(dict.fromkeys(common, qp.weight * s))
                for nid, v in best.items():
                    acc[nid] += v
            else:
                lookups.append((qp.weight, dict(qp.near)))
        if lookups:
            name_pids = self._name_pids
            group = self._part_group
            for nid in acc:
                pids = name_pids[nid]
                if pids is None:
                    continue
                extra = 0.0
                for w, near in lookups:
                    best_s = 0.0
                    for pid in pids:
                        s = near.get(group[pid])
                        if s is not None and s > best_s:
                            best_s = s
                    extra += w * best_s
                acc[nid] += extra
        return heapq.nlargest(k, acc, key=acc.__getitem__)

    def _pair_sim(self, qp: _QueryPart, pid: int) -> float:
        gid = self._part_group[pid]
        s = qp.sims.get(gid)
        if s is None:
            cfg = self.config
            s = part_similarity(qp.part, self._parts[pid], skeleton_weight=cfg.skeleton_weight,
                                compound_mismatch=cfg.compound_mismatch)
            if len(qp.sims) < 16384:
                qp.sims[gid] = s
        return s

    def _name_score(self, qparts: list[_QueryPart], pids: tuple[int, ...]) -> float:
        """The name score of ``scoring.score_names`` (same arithmetic), from memoised
        part similarities, without building an explanation."""
        cfg = self.config
        floor = cfg.min_part_similarity
        pairs: list[tuple[float, int, int]] = []
        group = self._part_group
        for i, qp in enumerate(qparts):
            sims = qp.sims
            for j, pid in enumerate(pids):
                s = sims.get(group[pid])
                if s is None:
                    s = self._pair_sim(qp, pid)
                if s >= floor:
                    pairs.append((s, i, j))
        if not pairs:
            return 0.0
        if len(pairs) > 1:
            pairs.sort(key=_neg_first)
        qw = [qp.weight for qp in qparts]
        pweight = self._pweight
        rw = [pweight.get(pid) or self._part_weight(pid) for pid in pids]
        _, used_q, used_r, got_q, got_r, info = greedy_align(pairs, qw, rw)
        coverage, information, score = coverage_score(got_q, got_r, sum(qw), sum(rw), info,
                                                      cfg)
        if len(qparts) > 1 and len(pids) > 1:
            q_given = next((i for i, qp in enumerate(qparts) if qp.part.role == "given"), None)
            parts = self._parts
            r_given = next((j for j, pid in enumerate(pids) if parts[pid].role == "given"),
                           None)
            if q_given is not None and r_given is not None:
                missing = (q_given not in used_q) + (r_given not in used_r)
                score -= cfg.given_name_conflict * missing / 2
        return min(1.0, max(0.0, score))

    def _fast_score(self, qparts: list[_QueryPart], name_id: int,
                    q_dob: Sequence[DateSpec], q_nat: Sequence[str], q_docs: Sequence[str]
                    ) -> float:
        pids = self._name_pids[name_id]
        assert pids is not None
        score = self._name_score(qparts, pids)
        if q_dob or q_nat or q_docs:
            rec = self._records[self._name_record[name_id]]  # type: ignore[index]
            evidence = evidence_features(self.config, q_dob=q_dob, r_dob=rec.dob,
                                         q_nat=q_nat, r_nat=rec.nationality, q_docs=q_docs,
                                         r_docs=rec.documents)
            score = min(1.0, max(0.0, score + sum(f.value * f.weight for f in evidence)))
        return score

    def _rank(self, qparts: list[_QueryPart], candidates: list[int],
              q_dob: Sequence[DateSpec], q_nat: Sequence[str], q_docs: Sequence[str]
              ) -> dict[int, float]:
        name_pids = self._name_pids
        candidates = [nid for nid in candidates if name_pids[nid] is not None]
        self._fill_sims(qparts, candidates)
        return {nid: self._fast_score(qparts, nid, q_dob, q_nat, q_docs)
                for nid in candidates}

    def _fill_sims(self, qparts: list[_QueryPart], name_ids: Iterable[int]) -> None:
        """Compute, in one batch per query part, the similarities the names need."""
        group = self._part_group
        gids = {group[pid] for nid in name_ids for pid in self._name_pids[nid] or ()}
        cfg = self.config
        for qp in qparts:
            sims = qp.sims
            missing = [g for g in gids if g not in sims]
            if not missing:
                continue
            values = similarities_to_many(qp.part, [self._groups[g] for g in missing],
                                          skeleton_weight=cfg.skeleton_weight,
                                          compound_mismatch=cfg.compound_mismatch)
            if len(sims) + len(missing) > 16384:  # bounded memo: keep it per query only
                qp.sims = sims = dict(sims)
            sims.update(zip(missing, values))

    def _hits(self, query: NameAnalysis, qparts: list[_QueryPart], scored: dict[int, float],
              cut: float, limit: int, q_dob: Sequence[DateSpec], q_nat: Sequence[str],
              q_docs: Sequence[str]) -> list[Hit]:
        """Explain the best name of each of the best records (scores as scored)."""
        best: dict[str, tuple[float, int]] = {}
        name_record = self._name_record
        for nid, score in scored.items():
            rid = name_record[nid]
            if rid is None:
                continue
            old = best.get(rid)
            if old is None or score > old[0]:
                best[rid] = (score, nid)
        top = sorted(((round(s, 4), rid, nid) for rid, (s, nid) in best.items()
                      if round(s, 4) >= cut), key=lambda t: (-t[0], t[1]))[:limit]
        sim_cache: dict[tuple[int, int], float] = {}
        for score, rid, nid in top:
            for qp in qparts:
                for pid in self._name_pids[nid] or ():
                    sim_cache[(id(qp.part), id(self._parts[pid]))] = self._pair_sim(qp, pid)
        return [self._score(query, self._names[nid], rid, q_dob, q_nat, q_docs,  # type: ignore[arg-type]
                            sim_cache) for score, rid, nid in top]

    def _score(self, query: NameAnalysis, record: NameAnalysis, record_id: str,
               q_dob: Sequence[DateSpec], q_nat: Sequence[str], q_docs: Sequence[str],
               sim_cache: dict[tuple[int, int], float] | None = None) -> Hit:
        rec = self._records[record_id]
        name = score_names(query, record, self.rarity, self.config, sim_cache)
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
        """Write the index to ``path`` (versioned binary sections; see ``persist``)."""
        persist.save(path, self)

    @classmethod
    def load(cls, path: str, *, config: MatchConfig | None = None) -> "NameIndex":
        """Read an index written by :meth:`save` (the file's config unless one is given)."""
        return persist.load(cls, path, config=config)


def _neg_first(t: tuple[float, int, int]) -> float:
    return -t[0]
