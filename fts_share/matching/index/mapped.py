"""``MappedIndex``: a read-only index over a mapped snapshot file (written by
``mapped_write.write_mapped``), searched by exactly the steps of ``NameIndex.search``
(``search.search``) and so giving exactly its hits.

Opening maps the file and checks its header: no name is decoded, no dictionary is
built, so a process is ready in the time it takes to map the file, and every process
mapping the same file shares its pages. The few objects a search needs are made
when asked for: a group's id (a hash lookup in the file), a hit's name analysis and
record (decoded from the string tables). The rarity statistics are those of the
snapshot. Changes go into an overlay (``overlay.OverlaidIndex``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from fts_share.matching.config import MatchConfig
from fts_share.matching.index import mapfile, query, search
from fts_share.matching.index.evidence_classes import EvidenceClasses
from fts_share.matching.index.groups import KINDS, Group, GroupTable
from fts_share.matching.index.hits import Hit
from fts_share.matching.index.join_search import adjacent_pairs
from fts_share.matching.index.mapped_write import (
    ARRAYS,
    FIELD_SEP,
    FORM_SEP,
    LIST_SEP,
    ROLES,
    SCRIPTS,
    config_hash,
    group_text,
)
from fts_share.matching.index.segments import Segments
from fts_share.matching.index.snapshot import Arrays, fat_weight_slots, part_weights, reweighed
from fts_share.matching.index.store import Record, rarity_weight, union_ids
from fts_share.matching.scoring.analysis import NameAnalysis, NamePart
from fts_share.matching.scoring.evidence import CountryInput, DobInput, parse_dob
from fts_share.matching.scoring.fingerprint import analyzer_fingerprint
from fts_share.matching.text.forms import Form


def parse_group(text: str) -> Group:
    """The group written as ``text`` by ``mapped_write.group_text``."""
    forms, script, kind = text.split(FIELD_SEP)
    return (tuple(Form(*f.split(FORM_SEP)) for f in forms.split(LIST_SEP)), script, kind)


class _GroupIds:
    """Group -> id, looked up in the file."""

    def __init__(self, index: mapfile.HashIndex) -> None:
        self._index = index

    def get(self, group: Group, default: int | None = None) -> int | None:
        return self._index.get(group_text(group), default)


class _MappedGroupTable(GroupTable):
    """A ``GroupTable`` whose columns are the file's (read only)."""

    def __init__(self, s: mapfile.Sections, config: MatchConfig) -> None:
        self.skeleton_weight = config.skeleton_weight
        self.compound_mismatch = config.compound_mismatch
        self.initial_similarity = config.initial_similarity
        self.texts = mapfile.StringTable(s.arrays, "groups")
        self.groups = _Column(len(self.texts),  # type: ignore[assignment]
                              lambda g: parse_group(self.texts[g]))
        self.ids = _GroupIds(mapfile.HashIndex(s.arrays, "groups",  # type: ignore[assignment]
                                               self.texts))
        self._kinds = {str(k): int(v) for k, v in s.meta.get("kinds", {}).items()}
        self._full_ids = mapfile.HashIndex(s.arrays, "fulls")  # type: ignore[assignment]
        self._columns = tuple(s[f"table.{n}"] for n in (
            "codes", "start", "first", "count", "arabic", "kind", "full_id"))

    def add(self, group: Group) -> int:
        raise TypeError("a mapped index is read only")

    def _table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                              np.ndarray, np.ndarray]:
        return self._columns  # type: ignore[return-value]


class _MappedNear:
    """The neighbourhoods, most similar first (as ``Neighbourhoods.of`` gives them)."""

    def __init__(self, s: mapfile.Sections) -> None:
        self._start, self._gids, self._sims = s["near.start"], s["near.gids"], s["near.sims"]

    def of(self, gid: int) -> tuple[np.ndarray, np.ndarray]:
        a, b = int(self._start[gid]), int(self._start[gid + 1])
        return self._gids[a:b], self._sims[a:b]


class MappedGroups:
    """The groups of a mapped index: ``table``, ``near`` and ``blocked``."""

    def __init__(self, s: mapfile.Sections, config: MatchConfig) -> None:
        self.table = _MappedGroupTable(s, config)
        self.near = _MappedNear(s)
        self._keys = mapfile.HashIndex(s.arrays, "keys")
        self._start, self._gids = s["keys.start"], s["keys.gids"]

    def posting(self, key: str) -> np.ndarray:
        """Ids of the groups filed under ``key``."""
        k = self._keys.get(key)
        if k is None:
            return self._gids[:0]
        return self._gids[int(self._start[k]):int(self._start[k + 1])]

    def blocked(self, keys: Iterable[str]) -> np.ndarray:
        """Ids of the groups filed under any of ``keys``, ascending (as
        ``Groups.blocked``)."""
        return union_ids(self.posting(key).tolist() for key in keys)


class _Column(Sequence[Any]):
    """A lazily decoded column of a mapped index."""

    def __init__(self, n: int, item: Any) -> None:
        self._n, self._item = n, item

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self._item(j) for j in range(*i.indices(self._n))]
        return self._item(int(i))


class _Records(Mapping[str, Record]):
    def __init__(self, owner: MappedIndex) -> None:
        self._owner = owner

    def __getitem__(self, rid: str) -> Record:
        pos = self._owner.record_position(rid)
        if pos is None:
            raise KeyError(rid)
        return self._owner.record_at(pos)

    def __iter__(self) -> Iterator[str]:
        return iter(self._owner.record_ids())

    def __len__(self) -> int:
        return len(self._owner)


class MappedIndex:
    """A read-only name index over a mapped snapshot (see the module docstring)."""

    def __init__(self, s: mapfile.Sections, config: MatchConfig) -> None:
        self.config = config
        self.cache = query.SearchCache()
        self.evidence_classes = EvidenceClasses()
        """per name id its record's evidence class (``search._adjust``)"""
        self.sequence = int(s.meta.get("sequence", 0))
        """the last change of the store the snapshot covers"""
        self.gaps = [int(n) for n in s.meta.get("gaps", [])]
        """the change numbers below ``sequence`` the snapshot may lack"""
        notes = s.meta.get("notes")
        self.notes: dict[str, Any] = notes if isinstance(notes, dict) else {}
        """what the snapshot's writer kept with it"""
        self._s = s
        self.groups = MappedGroups(s, config)
        self._arrays = Arrays(0, *(s[f"arrays.{n}"] for n in ARRAYS))
        self._live = int(s.meta.get("live_names", 0))
        self._df = mapfile.HashIndex(s.arrays, "df")
        self._df_count = s["df.count"]
        self._part_key, self._key_builtin = s["parts.dfkey"], s["df.builtin"]
        self._rarity: dict[str, float] = {}
        self._delta: dict[str, int] = {}
        """added to the snapshot's count of each key (``set_statistics``)"""
        self._stat_live = self._live
        """the live names the rarity statistics count"""
        self._mapped = self._arrays
        self._segments: Segments | None = None
        self._adjacent: set[str] | None = None
        self._slots: tuple[np.ndarray, np.ndarray] | None = None
        self._parts: dict[int, NamePart] = {}
        self._record_memo: dict[int, Record] = {}
        self._records = mapfile.HashIndex(s.arrays, "records")
        self._docs = mapfile.HashIndex(s.arrays, "docs")
        self._strings = {n: mapfile.StringTable(s.arrays, n) for n in (
            "parts.text", "parts.core", "names.text", "names.folded", "names.particles",
            "records.dob", "records.nationality", "records.documents")}
        self._name_record = s["names.record"]
        n_names = len(self._name_record)
        if len(self._arrays.name_len) != n_names or len(s["records.names_start"]) != \
                len(self._records.table) + 1 or len(s["names.parts_start"]) != n_names + 1:
            raise mapfile.bad("mapped index file: inconsistent sections")
        self.name_records: Sequence[str | None] = _Column(n_names, self._record_of_name)
        self.analyses: Sequence[NameAnalysis | None] = _Column(n_names, self.analysis)
        self.records_by_id: Mapping[str, Record] = _Records(self)

    @classmethod
    def open(cls, path: str, *, config: MatchConfig | None = None) -> MappedIndex:
        """Map the snapshot at ``path``. A file that is not one, truncated, corrupt, of
        another analyser or made under another ``config`` raises ``ValidationError``."""
        s = mapfile.open_sections(path)
        config = config or MatchConfig()
        if s.meta.get("analyzer") != analyzer_fingerprint():
            raise mapfile.bad("mapped index file: made by another version of the analysis")
        if s.meta.get("config") != config_hash(config):
            raise mapfile.bad("mapped index file: made under another match configuration")
        return cls(s, config)

    # ------------------------------------------------------------ records
    def __len__(self) -> int:
        return len(self._records.table)

    def __contains__(self, record_id: object) -> bool:
        return isinstance(record_id, str) and self._records.get(record_id) is not None

    @property
    def name_count(self) -> int:
        """Number of indexed names."""
        return self._live

    @property
    def name_slots(self) -> int:
        """Name ids handed out (removed names included)."""
        return len(self._name_record)

    def record_ids(self) -> list[str]:
        """Ids of all records, in insertion order."""
        return list(self._records.table)

    def record_position(self, record_id: str) -> int | None:
        """The position of a record in the file (``None``: absent)."""
        return self._records.get(record_id)

    def record_names(self, record_id: str) -> int:
        """How many names a record has (0: absent)."""
        pos = self._records.get(record_id)
        start = self._s["records.names_start"]
        return 0 if pos is None else int(start[pos + 1] - start[pos])

    def record_at(self, pos: int) -> Record:
        """The record at position ``pos`` (memoised: a common name's records come back
        query after query; treat it as read only)."""
        record = self._record_memo.get(pos)
        if record is None:
            if len(self._record_memo) >= mapfile.MEMO:
                self._record_memo.clear()
            record = self._record_memo[pos] = self._decode_record(pos)
        return record

    def _decode_record(self, pos: int) -> Record:
        st = self._strings
        start = self._s["records.names_start"]
        names = self._s["records.names"][int(start[pos]):int(start[pos + 1])].tolist()
        dob_raw = json.loads(st["records.dob"][pos])
        nat, docs = st["records.nationality"][pos], st["records.documents"][pos]
        return Record(parse_dob(dob_raw), dob_raw, tuple(nat.split(LIST_SEP)) if nat else (),
                      tuple(docs.split(LIST_SEP)) if docs else (), names,
                      [st["names.text"][n] for n in names])

    def skipped_names(self, record_id: str) -> tuple[()]:
        """Names given but not indexed are not kept in a snapshot: ``()``."""
        return ()

    # ------------------------------------------------------------ names
    def _record_of_name(self, name_id: int) -> str | None:
        pos = int(self._name_record[name_id])
        return None if pos < 0 else self._records.table[pos]

    def part(self, pid: int) -> NamePart:
        """The indexed part of id ``pid``."""
        part = self._parts.get(pid)
        if part is None:
            if len(self._parts) >= mapfile.MEMO:
                self._parts.clear()
            part = self._parts[pid] = self._decode_part(pid)
        return part

    def _decode_part(self, pid: int) -> NamePart:
        s, st = self._s, self._strings
        forms = self.groups.table.groups[int(s["arrays.part_group"][pid])][0]
        return NamePart(st["parts.text"][pid], st["parts.core"][pid],
                        KINDS[s["parts.kind"][pid]], ROLES[s["parts.role"][pid]],
                        SCRIPTS[s["parts.script"][pid]], forms)

    def analysis(self, name_id: int) -> NameAnalysis | None:
        """The analysis of a name (``None``: removed)."""
        if self._name_record[name_id] < 0:
            return None
        s, st = self._s, self._strings
        a, b = int(s["names.parts_start"][name_id]), int(s["names.parts_start"][name_id + 1])
        particles = st["names.particles"][name_id]
        return NameAnalysis(st["names.text"][name_id], st["names.folded"][name_id],
                            tuple(self.part(p) for p in s["names.parts"][a:b].tolist()),
                            tuple(particles.split(LIST_SEP)) if particles else ())

    def holds(self, key: str) -> bool:
        """Whether some live name holds a part of rarity key ``key``."""
        return self.key_df(key) > 0

    def adjacent(self, pair: str) -> bool:
        """Whether two parts of these keys stand side by side in a listed name (the
        set is made from the names at the first call)."""
        if self._adjacent is None:
            self._adjacent = {p for a in self.analyses if a is not None
                              for p in adjacent_pairs(a)}
        return pair in self._adjacent

    def forced_names(self, documents: Sequence[str]) -> list[int]:
        """Ids of the live names of the records holding one of ``documents``."""
        s = self._s
        found: list[int] = []
        for doc in documents:
            d = self._docs.get(doc)
            if d is None:
                continue
            for pos in s["docs.records"][int(s["docs.start"][d]):int(s["docs.start"][d + 1])]:
                a, b = s["records.names_start"][pos], s["records.names_start"][pos + 1]
                found.extend(s["records.names"][int(a):int(b)].tolist())
        return [n for n in found if self._arrays.name_len[n] > 0]

    # ------------------------------------------------------------ searching
    def key_df(self, key: str) -> int:
        """How many live names hold a part of rarity key ``key`` (the snapshot's,
        changed by ``set_statistics``)."""
        d = self._df.get(key)
        return (0 if d is None else int(self._df_count[d])) + self._delta.get(key, 0)

    @property
    def statistics_live(self) -> int:
        """The live names the rarity statistics count (``set_statistics``)."""
        return self._stat_live

    @property
    def mapped_arrays(self) -> Arrays:
        """The snapshot's arrays as mapped (its own weights)."""
        return self._mapped

    def set_statistics(self, delta: Mapping[str, int], live_names: int) -> None:
        """Weigh parts with the statistics of the snapshot changed since: ``delta``
        added to each key's count of names, ``live_names`` names in all (an overlay's
        records added, the snapshot's masked). Every part's weight in the arrays and
        every rarity then is what a fresh build over those names gives; the arrays'
        weights are copied out of the mapping (the rest stays shared)."""
        delta = {k: d for k, d in delta.items() if d}
        if delta == self._delta and live_names == self._stat_live:
            return
        self._delta, self._stat_live = delta, live_names
        self._rarity.clear()
        self._arrays = self._mapped if not delta and live_names == self._live else \
            self._reweighed()

    def _reweighed(self) -> Arrays:
        mapped = self._mapped
        df = np.array(self._df_count, dtype=np.int64)
        for key, d in self._delta.items():
            row = self._df.get(key)
            if row is not None:
                df[row] += d
        role_weight = np.array([self.config.role_weight(r) for r in ROLES])[
            self._s["parts.role"]]
        held = np.flatnonzero(self._part_key >= 0)
        weights = np.array(mapped.part_weight, dtype=np.float64)
        weights[held] = part_weights(role_weight[held], self._part_key[held],
                                     self._key_builtin, df, self._stat_live, self.config)
        if self._slots is None:
            self._slots = fat_weight_slots(mapped.fat_start, mapped.fat, mapped.name_start)
        return reweighed(mapped, weights, self._slots)

    def rarity(self, part: NamePart) -> float:
        """Rarity weight of a part, from the snapshot's statistics."""
        key = f"{part.kind}:{part.key}"
        value = self._rarity.get(key)
        if value is None:
            df = self.key_df(key)
            value = self._rarity[key] = rarity_weight(part, df, self._stat_live, self.config)
        return value

    def arrays(self) -> Arrays:
        """The numpy snapshot, mapped."""
        return self._arrays

    def segments(self) -> Segments:
        """The arrays a search reads: the snapshot's, one segment."""
        held = self._segments = Segments.of(self._arrays, self._segments)
        return held

    def search(self, name: str, *, dob: DobInput = None, nationality: CountryInput = None,
               documents: str | Sequence[str] | None = None, limit: int = 10,
               threshold: float | None = None) -> list[Hit]:
        """``NameIndex.search`` over the snapshot."""
        return search.search(self, name, dob=dob, nationality=nationality,
                             documents=documents, limit=limit, threshold=threshold)
