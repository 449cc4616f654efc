"""``NameIndex``: records of names (+ dates of birth, nationalities, documents),
candidate generation on rarity-aware skeleton keys, then ``bridge-v1`` scoring.

Parts that read the same form a *group* (``groups.GroupTable``); every group is
filed under the consonant skeletons of its readings and their one-letter deletions
(one edit apart still meets), and keeps its *neighbours*, the groups sharing a key
that align with it (``neighbours.Neighbourhoods``, computed once when the group
first appears). The arrays live in named bundles (``store``); a search goes through
``query`` (candidates, then exact scores), and only the hits returned are explained
(``hits``). See docs/matching.md, section 5.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from fts_share.errors import ValidationError
from fts_share.matching.config import MatchConfig
from fts_share.matching.index import batch, persist, query, search
from fts_share.matching.index.evidence_classes import EvidenceClasses
from fts_share.matching.index.groups import GroupTable
from fts_share.matching.index.hits import Hit, ProgressFn
from fts_share.matching.index.join_search import adjacent_pairs
from fts_share.matching.index.neighbours import Neighbourhoods
from fts_share.matching.index.segments import Segments
from fts_share.matching.index.snapshot import (
    Arrays,
    Layout,
    PartColumns,
    Statistics,
    own_statistics,
    snapshot,
)
from fts_share.matching.index.store import (
    Contents,
    Frequencies,
    Groups,
    Names,
    Parts,
    Record,
    Records,
    SkippedName,
    part_keys,
)
from fts_share.matching.scoring.analysis import NameAnalysis, NamePart, analyze_name
from fts_share.matching.scoring.evidence import (
    CountryInput,
    DobInput,
    parse_countries,
    parse_dob,
    parse_documents,
)


class NameIndex:
    """An in-memory index of watchlist records for cross-script name search."""

    def __init__(self, *, config: MatchConfig | None = None) -> None:
        self.config = config or MatchConfig()
        cfg = self.config
        self.records = Records()
        self.parts = Parts()
        self.names = Names()
        self.groups = Groups(GroupTable(skeleton_weight=cfg.skeleton_weight,
                                        compound_mismatch=cfg.compound_mismatch,
                                        initial_similarity=cfg.initial_similarity),
                             Neighbourhoods(cfg.min_part_similarity),
                             head_similarity=cfg.pair_similarity)
        self.frequencies = Frequencies()
        self.cache = query.SearchCache()
        self.evidence_classes = EvidenceClasses()
        """per name id its record's evidence class (``search._adjust``)"""
        self.columns = PartColumns()
        """what weighing each part needs, taken in as parts are filed"""
        self.adjacent_keys: set[str] = set()
        """the keys of each two plain words side by side in a listed name, as one
        string (``join_search.adjacent_pairs``; kept when a name is removed)"""
        self._stamp = 0
        """bumped by every change; the numpy snapshot is rebuilt when it is stale"""
        self._segments: Segments | None = None

    # ------------------------------------------------------------ building
    def __len__(self) -> int:
        return len(self.records.by_id)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self.records.by_id

    @property
    def name_count(self) -> int:
        """Number of indexed names (all records, all aliases)."""
        return self.names.live

    def add(self, record_id: str, names: str | Sequence[str], *, dob: DobInput = None,
            nationality: CountryInput = None, documents: str | Sequence[str] | None = None,
            skip_invalid_names: bool = True) -> tuple[SkippedName, ...]:
        """Add (or replace) a record; returns the names it could not index, with why.

        A name the engine cannot read (a bare title or particle such as "Mullah", a
        name in a script it does not read such as Han, one over the length limit) is
        left out of the index and reported (also on the record: ``skipped_names``);
        the record is indexed by its other names. Only when no name can be indexed is
        the record refused: ``ValidationError`` naming each name's field
        (``names.2``) with its reason. With ``skip_invalid_names=False`` the first
        unreadable name refuses the record. A nationality that is not a known
        country is ignored (it counts neither for nor against a match); a bad date
        of birth raises (``dob``). A refused record leaves the index unchanged."""
        if not isinstance(record_id, str) or not record_id.strip():
            raise ValidationError({"record_id": ["must be a non-empty string"]})
        if isinstance(names, str):
            names = [names]
        if not names:
            raise ValidationError({"names": ["at least one name is required"]})
        analyses: list[NameAnalysis] = []
        skipped: list[SkippedName] = []
        problems: dict[str, list[str]] = {}
        for i, n in enumerate(names):
            try:
                analyses.extend(analyze_name(n, field=f"names.{i}").readings)
            except ValidationError as exc:
                if not skip_invalid_names:
                    raise
                reasons = [m for msgs in exc.errors.values() for m in msgs]
                problems[f"names.{i}"] = reasons
                skipped.append(SkippedName(i, n if isinstance(n, str) else repr(n),
                                           "; ".join(reasons)))
        if not analyses:
            raise ValidationError(problems)
        record = Record(parse_dob(dob), dob, parse_countries(nationality, lenient=True),
                        parse_documents(documents), skipped=tuple(skipped))
        if record_id in self.records.by_id:
            self.remove(record_id)
        for analysis in (analyses if len(analyses) == 1 else dict.fromkeys(analyses)):
            record.names.append(self._add_name(record_id, analysis))
            record.texts.append(analysis.text)
        self.records.file(record_id, record)
        return record.skipped

    @contextmanager
    def adding_many(self) -> Iterator[None]:
        """A block of many ``add`` calls (a build): the neighbourhoods of the spellings
        they file are worked out together when it ends (``store.Groups.deferring``),
        which gives the same index. Do not search the index inside the block."""
        with self.groups.deferring():
            yield

    def skipped_names(self, record_id: str) -> tuple[SkippedName, ...]:
        """The names of a record that were given but not indexed, with the reason
        (``()`` for an unknown record, or one loaded from a file)."""
        record = self.records.by_id.get(record_id)
        return record.skipped if record is not None else ()

    def _part(self, part: NamePart) -> int:
        """The id of an (interned) part, filing a new part (and group) as needed."""
        parts = self.parts
        pid = parts.by_identity.get(id(part))  # the analyses share their parts
        if pid is None or parts.items[pid] is not part:  # (a copied index: not its own)
            pid = parts.ids.get(part)
        if pid is None:
            sig = (part.forms, part.script, part.kind)
            gid = self.groups.table.ids.get(sig)
            if gid is None:
                gid = self._new_group(sig, part_keys(part))
            pid = self.parts.file(part, gid)
        return pid

    def _new_group(self, sig: Any, keys: Iterable[str]) -> int:
        gid = self.groups.file(sig, keys)
        self.cache.unindexed.clear()  # unindexed query parts may now have it as neighbour
        self._stamp += 1
        return gid

    def _add_name(self, record_id: str, analysis: NameAnalysis) -> int:
        items = self.parts.items
        parts = analysis.parts
        pids = tuple(self._part(p) for p in parts)
        if any(items[i] is not p for i, p in zip(pids, parts)):  # (parts are shared)
            analysis = NameAnalysis(analysis.text, analysis.folded,
                                    tuple(items[i] for i in pids), analysis.particles)
        return self._file_name(record_id, analysis, pids)

    def _file_name(self, record_id: str, analysis: NameAnalysis, pids: tuple[int, ...]
                   ) -> int:
        """File an analysed name whose parts are already filed (ids ``pids``)."""
        items = self.parts.items
        matchable = tuple([i for i in pids if items[i].role != "title"])
        name_id = self.names.file(record_id, analysis, matchable)
        group, postings = self.parts.group, self.groups.names
        for gid in dict.fromkeys([group[i] for i in matchable]):
            postings[gid].append(name_id)
        df, dfkey = self.frequencies.df, self.parts.dfkey
        for pid in matchable:
            df[dfkey[pid]] += 1
        self.adjacent_keys.update(adjacent_pairs(analysis))
        self.frequencies.cache.clear()
        self._stamp += 1
        return name_id

    def remove(self, record_id: str) -> bool:
        """Remove a record (delisting, re-import). Returns False if it was absent."""
        record = self.records.pop(record_id)
        if record is None:
            return False
        self.frequencies.cache.clear()
        self._stamp += 1
        df, dfkey, group = self.frequencies.df, self.parts.dfkey, self.parts.group
        for name_id in record.names:
            pids = self.names.drop(name_id)
            if pids is not None:
                for pid in pids:
                    df[dfkey[pid]] -= 1
                for gid in dict.fromkeys(group[i] for i in pids):
                    self.groups.names[gid].remove(name_id)
        return True

    def record_ids(self) -> list[str]:
        """Ids of all records, in insertion order."""
        return list(self.records.by_id)

    def rarity(self, part: NamePart) -> float:
        """Rarity weight of a part in [min_rarity_weight, 1]: IDF over indexed names,
        capped by the built-in common-name table."""
        frequencies = self.frequencies
        cached = frequencies.cache.get(f"{part.kind}:{part.key}")  # (called per part pair)
        if cached is not None:
            return cached
        return frequencies.rarity(part, self.names.live, self.config)

    # ------------------------------------------------------------ searching
    def search(self, name: str, *, dob: DobInput = None, nationality: CountryInput = None,
               documents: str | Sequence[str] | None = None, limit: int = 10,
               threshold: float | None = None) -> list[Hit]:
        """Records matching ``name`` (any script, any spelling), best first.

        Only hits scoring at least ``threshold`` (default: ``config.threshold``) are
        returned, at most ``limit`` of them. Bad input raises ``ValidationError``.
        """
        return search.search(self, name, dob=dob, nationality=nationality,
                             documents=documents, limit=limit, threshold=threshold)

    @property
    def name_slots(self) -> int:
        """Name ids handed out (removed names included)."""
        return len(self.names)

    @property
    def name_records(self) -> Sequence[str | None]:
        """Per name id: its record's id (``None``: removed)."""
        return self.names.record

    @property
    def analyses(self) -> Sequence[NameAnalysis | None]:
        """Per name id: its analysis (``None``: removed)."""
        return self.names.analysis

    @property
    def records_by_id(self) -> Mapping[str, Record]:
        """The records by id."""
        return self.records.by_id

    def holds(self, key: str) -> bool:
        """Whether some live name holds a part of rarity key ``key``."""
        return self.frequencies.df.get(key, 0) > 0

    def adjacent(self, pair: str) -> bool:
        """Whether two parts of these keys stand side by side in a listed name (or
        did: ``join_guard`` meets only the names that hold them)."""
        return pair in self.adjacent_keys

    def forced_names(self, documents: Sequence[str]) -> list[int]:
        """Ids of the live names of the records holding one of ``documents``."""
        return [n for n in self.records.names_holding(documents)
                if self.names.pids[n] is not None]

    def segments(self) -> Segments:
        """The arrays a search reads: the numpy snapshot, one segment."""
        held = self._segments = Segments.of(self.arrays(), self._segments)
        return held

    def arrays(self) -> Arrays:
        """The numpy snapshot of the index, brought up to date if the index changed
        since (``snapshot``: the parts filed since are taken in, the weights and
        postings derived in numpy)."""
        self.groups.settle()  # (an ``adding_many`` block still open: see there)
        snap = self.cache.snapshot
        if snap is None or snap.stamp != self._stamp:
            self.columns.extend(self.parts, self.config)
            layout = Layout.of(self.names)
            snap = self.cache.snapshot = snapshot(self._stamp, self.columns, layout,
                                                  self.groups, self.statistics(layout),
                                                  self.config)
        return snap

    def statistics(self, layout: Layout) -> Statistics:
        """The rarity statistics the snapshot weighs parts with (its own; ``layout``:
        its names as ``arrays`` reads them). Must agree with :meth:`rarity`."""
        return own_statistics(self.columns, layout, self.names.live)

    def exhaustive_scores(self, analysis: NameAnalysis) -> dict[int, float]:
        """Name scores of every live name aligned with ``analysis`` (by name id), no
        candidate generation: the reference the search is measured against."""
        return query.exhaustive_scores(analysis, self.arrays(), self.groups, self.rarity,
                                       self.config)

    def search_many(self, queries: Iterable[str | Mapping[str, Any]], *, workers: int = 1,
                    limit: int = 10, threshold: float | None = None,
                    progress: ProgressFn | None = None, skip_invalid: bool = False
                    ) -> list[list[Hit]]:
        """Search a batch (a name or a mapping with ``name``/``dob``/``nationality``/
        ``documents`` per row). ``workers`` > 1 forks worker processes. ``progress``
        is called with ``(done, total)``. An invalid row raises ``ValidationError``
        naming ``queries.<row>.<field>``, or gives ``[]`` with ``skip_invalid``."""
        return batch.run_batch(self, list(queries), workers=workers, limit=limit,
                               threshold=threshold, progress=progress,
                               skip_invalid=skip_invalid)

    # ------------------------------------------------------------ persistence
    def contents(self) -> Contents:
        """What the index holds, as its file stores it (see ``store.Contents``)."""
        part_id = self.parts.ids
        out = Contents(list(self.groups.table.groups), list(self.parts.items),
                       list(self.parts.group), [], [], [], [])
        for rid, record in self.records.by_id.items():
            for name_id in record.names:
                analysis = self.names.analysis[name_id]
                if analysis is None:
                    continue
                out.names.append(analysis)
                out.name_parts.append(tuple(part_id[p] for p in analysis.parts))
                out.name_record.append(len(out.records))
            out.records.append((rid, record))
        return out

    def restore(self, contents: Contents) -> None:
        """Fill an empty index with ``contents`` (checked by ``persist``)."""
        for forms, script, kind in contents.groups:
            probe = NamePart("", "", kind, "given", script, forms)
            self._new_group((forms, script, kind), part_keys(probe))
        for part, gid in zip(contents.parts, contents.part_group):
            self.parts.file(part, gid)
        records = contents.records
        for analysis, pids, r in zip(contents.names, contents.name_parts,
                                     contents.name_record):
            rid, record = records[r]
            record.names.append(self._file_name(rid, analysis, pids))
            record.texts.append(analysis.text)
        for rid, record in records:
            self.records.file(rid, record)

    def save(self, path: str) -> None:
        """Write the index to ``path`` (versioned binary sections; see ``persist``)."""
        persist.save(path, self.contents(), self.config)

    @classmethod
    def load(cls, path: str, *, config: MatchConfig | None = None) -> NameIndex:
        """Read an index written by :meth:`save` (the file's config unless one is given)."""
        return persist.load(path, lambda cfg: cls(config=cfg), config=config)

