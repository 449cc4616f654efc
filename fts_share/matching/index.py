"""``NameIndex``: records of names (+ dates of birth, nationalities, documents),
candidate generation on rarity-aware skeleton keys, then ``bridge-v1`` scoring.

Candidate generation never compares a query with every record. Parts that read the
same form a *group* (``groups.GroupTable``); every group is filed under the consonant
skeletons of its readings and their one-letter deletions (one edit apart still
meets), and keeps its *neighbours*, the groups sharing a key that align with it
(``neighbours.Neighbourhoods``, computed once when the group first appears). A query
part spelt like an indexed part takes its neighbours from there; another is compared
with the groups under its keys (memoised). The names holding neighbours of the rarest
query parts, and those holding two of the commoner ones, are the candidates
(``fastpath``, compiled loops in ``kernels``); the best by an optimistic pre-score are
scored exactly (the arithmetic of ``scoring.score_names``), the most promising after
comparing also their part pairs that share no key. Only the hits returned are
explained. See docs/matching.md, section 5.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Iterable, Mapping, Sequence

from fts_share.errors import ValidationError
from fts_share.matching import persist
from fts_share.matching.analysis import NameAnalysis, NamePart, analyze_name
from fts_share.matching.config import MatchConfig
from fts_share.matching.evidence import (CountryInput, DateSpec, DobInput, parse_countries,
                                         parse_documents, parse_dob)
from fts_share.matching.lexicon import COMMON_GIVEN_NAMES
import numpy as np

from fts_share.matching import fastpath
from fts_share.matching.bridge import Form
from fts_share.matching.groups import GroupTable
from fts_share.matching.neighbours import Neighbourhoods
from fts_share.matching.scoring import (ALGORITHM, Explanation, combine, evidence_features,
                                        score_names)

ProgressFn = Callable[[int, int], None]


class Hit:
    """One record found by a search: best first, ``score`` in [0, 1].

    The explanation is worked out when first read (a manifest screening reads few of
    them); ``explanation.score`` is ``score``. A pickled hit carries its explanation."""

    __slots__ = ("record_id", "score", "name", "_explanation", "_explain")

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
    """A query part with its weight and its neighbour groups."""

    __slots__ = ("part", "weight", "gids", "sims")

    def __init__(self, part: NamePart, weight: float, gids: np.ndarray,
                 sims: np.ndarray) -> None:
        self.part = part
        self.weight = weight
        self.gids = gids
        """ids of the indexed groups that share a key with the part and align, most
        similar first"""
        self.sims = sims
        """their similarities"""


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
        self._table = GroupTable(skeleton_weight=self.config.skeleton_weight,
                                 compound_mismatch=self.config.compound_mismatch)
        self._groups = self._table.groups
        self._group_id = self._table.ids
        self._group_names: list[array] = []
        """per group: ids of the names holding one of its parts"""
        self._key_groups: dict[str, array] = {}
        """index key (skeleton or one-letter deletion) -> ids of the groups filed under it"""
        self._near = Neighbourhoods(self.config.min_part_similarity)
        self._df: Counter[str] = Counter()
        self._doc_index: dict[str, set[str]] = {}
        self._live_names = 0
        self._rarity_cache: dict[str, float] = {}
        self._qcache: dict[tuple[Any, ...], tuple[np.ndarray, np.ndarray]] = {}
        """neighbours of query parts spelt like no indexed part (LRU)"""
        # CSR of the matchable parts of every name, for the vectorised path
        self._flat_pids = array("i")
        self._name_start = array("q")
        self._name_len = array("i")
        self._stamp = 0
        """bumped by every change; the numpy snapshot is rebuilt when it is stale"""
        self._snapshot: fastpath.Arrays | None = None
        self._scratch = fastpath.Scratch()

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
        """The id of an (interned) part, filing a new part (and group) as needed."""
        pid = self._part_id.get(part)
        if pid is None:
            sig = (part.forms, part.script, part.kind)
            gid = self._group_id.get(sig)
            if gid is None:
                gid = self._new_group(sig, part_keys(part))
            pid = self._file_part(part, gid)
        return pid

    def _file_part(self, part: NamePart, gid: int) -> int:
        pid = len(self._parts)
        self._part_id[part] = pid
        self._parts.append(part)
        self._part_group.append(gid)
        self._part_dfkey.append(f"{part.kind}:{part.key}")
        return pid

    def _new_group(self, sig: tuple[tuple[Form, ...], str, str], keys: Iterable[str]) -> int:
        """File a new group under its keys, with its neighbourhood."""
        keys = list(keys)
        gid = len(self._groups)
        found = self._blocked(keys)
        sims = self._table.similarities(sig, found, self.config.min_part_similarity)
        self._near.add_group(gid, found.tolist(), sims)
        self._table.add(sig)
        self._group_names.append(array("i"))
        key_groups = self._key_groups
        for key in keys:
            post = key_groups.get(key)
            if post is None:
                key_groups[key] = post = array("i")
            post.append(gid)
        self._qcache.clear()  # neighbourhoods of unindexed query parts may now include it
        self._stamp += 1
        return gid

    def _blocked(self, keys: Iterable[str]) -> np.ndarray:
        """Ids of the groups filed under any of ``keys``."""
        found: set[int] = set()
        key_groups = self._key_groups
        for key in keys:
            post = key_groups.get(key)
            if post is not None:
                found.update(post)
        return np.fromiter(found, dtype=np.int64, count=len(found))

    def _add_name(self, record_id: str, analysis: NameAnalysis) -> int:
        parts = self._parts
        pids = tuple(self._part(p) for p in analysis.parts)
        analysis = NameAnalysis(analysis.text, analysis.folded,
                                tuple(parts[i] for i in pids), analysis.particles)
        return self._file_name(record_id, analysis, pids)

    def _file_name(self, record_id: str, analysis: NameAnalysis, pids: tuple[int, ...]
                   ) -> int:
        """File an analysed name whose parts are already filed (ids ``pids``)."""
        name_id = len(self._names)
        parts = self._parts
        matchable = tuple(i for i in pids if parts[i].role != "title")
        self._names.append(analysis)
        self._name_pids.append(matchable)
        self._name_record.append(record_id)
        self._name_start.append(len(self._flat_pids))
        self._name_len.append(len(matchable))
        self._flat_pids.extend(matchable)
        self._live_names += 1
        group = self._part_group
        for gid in dict.fromkeys(group[i] for i in matchable):
            self._group_names[gid].append(name_id)
        df, dfkey = self._df, self._part_dfkey
        for pid in matchable:
            df[dfkey[pid]] += 1
        self._rarity_cache.clear()
        self._stamp += 1
        return name_id

    def remove(self, record_id: str) -> bool:
        """Remove a record (delisting, re-import). Returns False if it was absent."""
        rec = self._records.pop(record_id, None)
        if rec is None:
            return False
        self._rarity_cache.clear()
        self._stamp += 1
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
            self._name_len[name_id] = 0
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
        qparts = self._query_parts(query)
        forced: list[int] = []
        for doc in q_docs:
            for record_id in self._doc_index.get(doc, ()):
                forced.extend(self._records[record_id].names)
        exact: set[int] = set()
        cfg = self.config
        gain = 0.0
        if q_dob or q_nat or q_docs:
            # evidence adds at most this: a name further below the threshold stays below
            gain = sum(max(0.0, w) for w in (cfg.dob_exact, cfg.dob_year, cfg.dob_approx)
                       ) + max(0.0, cfg.nationality_match) + max(0.0, cfg.document_match)
        # hits are compared with the threshold after rounding to 4 places
        scored = self._name_scores(qparts, forced, exact, floor=cut - gain - 1e-4)
        if q_dob or q_nat or q_docs:
            for nid, score in scored.items():
                if score + gain < cut:
                    continue
                rec = self._records[self._name_record[nid]]  # type: ignore[index]
                evidence = evidence_features(cfg, q_dob=q_dob, r_dob=rec.dob, q_nat=q_nat,
                                             r_nat=rec.nationality, q_docs=q_docs,
                                             r_docs=rec.documents)
                scored[nid] = min(1.0, max(0.0, score + sum(f.value * f.weight
                                                            for f in evidence)))
        return self._hits(query, scored, exact, cut, limit, q_dob, q_nat, q_docs)

    def _query_parts(self, query: NameAnalysis) -> list[_QueryPart]:
        """Weights and neighbour groups of the query's parts: from the neighbourhood
        graph for a part spelt like an indexed part, else computed (memoised)."""
        cfg = self.config
        out = []
        for part in query.name_parts:
            sig = (part.forms, part.script, part.kind)
            gid = self._group_id.get(sig)
            if gid is not None:
                gids, sims = self._near.of(gid)
            else:
                gids, sims = self._unindexed_neighbours(part, sig)
            weight = cfg.role_weight(part.role) * self.rarity(part)
            out.append(_QueryPart(part, weight, gids, sims))
        return out

    def _unindexed_neighbours(self, part: NamePart, sig: tuple[Any, ...]
                              ) -> tuple[np.ndarray, np.ndarray]:
        cache = self._qcache
        entry = cache.pop(sig, None)
        if entry is None:
            gids = self._blocked(part_keys(part))
            sims = self._table.similarities(sig, gids, self.config.min_part_similarity)
            keep = sims >= self.config.min_part_similarity
            gids, sims = gids[keep], sims[keep]
            order = np.argsort(-sims, kind="stable")
            entry = (gids[order], sims[order])
            if len(cache) >= self.QUERY_PART_CACHE:
                try:  # least recently used first (hits are moved to the end)
                    del cache[next(iter(cache))]
                except (KeyError, RuntimeError, StopIteration):  # another thread
                    pass
        cache[sig] = entry
        return entry

    def _arrays(self) -> fastpath.Arrays:
        """The numpy snapshot of the index, rebuilt if the index changed since."""
        snap = self._snapshot
        if snap is not None and snap.stamp == self._stamp:
            return snap
        parts = self._parts
        cfg = self.config
        rarity_of: dict[str, float] = {}
        weights = np.empty(len(parts))
        for pid, (part, key) in enumerate(zip(parts, self._part_dfkey)):
            r = rarity_of.get(key)
            if r is None:
                r = rarity_of[key] = self.rarity(part)
            weights[pid] = cfg.role_weight(part.role) * r
        post_len = np.zeros(len(self._groups) + 1, dtype=np.int64)
        post_len[:-1] = [len(a) for a in self._group_names]
        post_flat = np.frombuffer(b"".join(a.tobytes() for a in self._group_names),
                                  dtype=np.int32)
        part_group = np.array(self._part_group, dtype=np.int32)
        flat_pids = np.array(self._flat_pids, dtype=np.int32)
        offset_type = np.int32 if len(flat_pids) < 2**31 else np.int64
        name_start = np.array(self._name_start, dtype=offset_type)
        name_len = np.array(self._name_len, dtype=np.int32)
        flat_groups = part_group[flat_pids]
        flat_weights = weights[flat_pids].astype(np.float32)
        fat_start, fat = fastpath.fat_postings(post_len, post_flat, name_start, name_len,
                                               flat_groups, flat_weights)
        snap = fastpath.Arrays(
            stamp=self._stamp,
            part_group=part_group,
            part_weight=weights,
            part_given=np.array([p.role == "given" for p in parts], dtype=bool),
            name_start=name_start, name_len=name_len, flat_pids=flat_pids,
            flat_groups=flat_groups, flat_weights=flat_weights,
            post_len=post_len, fat_start=fat_start, fat=fat)
        self._snapshot = snap
        return snap

    def _name_scores(self, qparts: list[_QueryPart], forced: Sequence[int] = (),
                     exact: set[int] | None = None, floor: float = 0.0) -> dict[int, float]:
        """Name scores (without other evidence) of the candidate names, and of the
        ``forced`` ones: candidates and their pre-scores by ``fastpath.gather``, the
        best ``max_candidates`` of them by pre-score, scored exactly. The names whose every
        part pair was compared (not only those sharing an index key) are added to
        ``exact``: their scores are the reference scores.

        With ``floor`` > 0 only names whose name score can reach ``floor`` are looked
        for and scored (the pre-score is never below the score), and only those that
        do are returned; the best ``exact_candidates`` by pre-score still get their far
        part pairs compared."""
        if exact is None:
            exact = set()
        if not qparts:
            return {}
        cfg = self.config
        arrays = self._arrays()
        qw = np.array([qp.weight for qp in qparts])
        need = fastpath.needed_weight(floor, qw, cfg)
        q_given = next((i for i, qp in enumerate(qparts) if qp.part.role == "given"), None)
        with fastpath.QueryTable(qparts, arrays, self._scratch) as table:
            names, pre = fastpath.gather(table, qw, need, arrays, self._scratch,
                                         len(self._names), cfg)
            pinned = np.zeros(0, dtype=np.bool_)
            if forced:
                extra = np.setdiff1d(np.array([n for n in forced
                                               if self._name_pids[n] is not None],
                                              dtype=np.int64), names)
                names = np.concatenate((names, extra))
                pre = np.concatenate((pre, fastpath.prescore(extra, table, qw, arrays, cfg)))
                pinned = np.isin(names, forced)
            if not names.size:
                return {}
            keep, best_at = fastpath.select(pre, floor, pinned, cfg)
            best = names[best_at]
            names = names[keep]
            if best.size:
                # the most promising: also the part pairs that share no index key
                # (spellings more than one letter apart in the skeleton), compared
                fastpath.far_pairs(best, table, self._table, arrays, cfg)
            scores = fastpath.score_candidates(names, table.rows, qw, q_given, arrays, cfg)
        exact.update(best.tolist())
        if floor > 0.0:
            above = scores >= floor
            names, scores = names[above], scores[above]
        return dict(zip(names.tolist(), scores.tolist()))

    def _exhaustive(self, query: NameAnalysis) -> dict[int, float]:
        """Name scores of *every* live name holding a part aligned with the query (the
        others score 0): each query part compared with every indexed group, no
        blocking, no candidate limit. The reference the index's recall is measured
        against (bench/matching/scale.py); too slow for searching."""
        cfg = self.config
        arrays = self._arrays()
        qparts = []
        groups = self._groups
        names: set[int] = set()
        every = np.arange(len(groups))
        for part in query.name_parts:
            sims = self._table.similarities((part.forms, part.script, part.kind), every,
                                            cfg.min_part_similarity)
            gids = np.flatnonzero(sims >= cfg.min_part_similarity)
            qparts.append(_QueryPart(part, cfg.role_weight(part.role) * self.rarity(part),
                                     gids, sims[gids]))
            for g in gids.tolist():
                names.update(self._group_names[g])
        if not qparts:
            return {}
        ids = np.array(sorted(names), dtype=np.int64)
        ids = ids[arrays.name_len[ids] > 0]
        qw = [qp.weight for qp in qparts]
        q_given = next((i for i, qp in enumerate(qparts) if qp.part.role == "given"), None)
        rows = np.zeros((arrays.n_groups, len(qparts)))
        for i, qp in enumerate(qparts):
            rows[qp.gids, i] = qp.sims
        scores = fastpath.score_candidates(ids, rows, qw, q_given, arrays, cfg)
        return dict(zip(ids.tolist(), scores.tolist()))

    def _hits(self, query: NameAnalysis, scored: dict[int, float], exact: set[int],
              cut: float, limit: int, q_dob: Sequence[DateSpec], q_nat: Sequence[str],
              q_docs: Sequence[str]) -> list[Hit]:
        """The best name of each of the best records. A score that may miss a part
        pair (not in ``exact``) is taken again from the reference scorer."""
        best: dict[str, tuple[float, int]] = {}
        name_record = self._name_record
        low = cut - 1e-4  # scores are compared after rounding to 4 places
        for nid, score in scored.items():
            rid = name_record[nid]
            if rid is None or score < low:
                continue
            old = best.get(rid)
            if old is None or score > old[0]:
                best[rid] = (score, nid)
        if len(best) > limit:  # only those that can be among the first after rounding
            low = max(low, sorted((s for s, _ in best.values()), reverse=True)[limit - 1]
                      - 1e-4)
        top = sorted(((round(s, 4), rid, nid) for rid, (s, nid) in best.items()
                      if s >= low and round(s, 4) >= cut),
                     key=lambda t: (-t[0], t[1]))[:limit]
        hits = []
        for score, rid, nid in top:
            record = self._names[nid]
            assert record is not None
            if nid in exact:
                hits.append(Hit(rid, score, record.text, explain=partial(
                    self._explain, query, record, rid, q_dob, q_nat, q_docs)))
            else:
                hit = self._score(query, record, rid, q_dob, q_nat, q_docs)
                if hit.score >= cut:
                    hits.append(hit)
        hits.sort(key=lambda h: (-h.score, h.record_id))
        return hits

    def _explain(self, query: NameAnalysis, record: NameAnalysis, record_id: str,
                 q_dob: Sequence[DateSpec], q_nat: Sequence[str], q_docs: Sequence[str]
                 ) -> Explanation:
        return self._score(query, record, record_id, q_dob, q_nat, q_docs).explanation

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
