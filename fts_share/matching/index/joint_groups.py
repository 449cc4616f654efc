"""The groups of an overlay in its snapshot's group space (``overlay.OverlaidIndex``).

A part the overlay files whose spelling the snapshot holds takes the snapshot's group
id; a new spelling becomes group ``offset + k`` (``offset``: the snapshot's groups),
its neighbourhood worked out against the groups of both under its keys, and the
snapshot's groups that are its neighbours get it as a neighbour too (kept here: the
snapshot is read only). So the overlay's names are numbered in the groups an index
built over the snapshot's names and then the overlay's would give them, in the same
order, and one query table serves both (``segments.Segments``).
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import numpy as np

from fts_share.matching.index.groups import Encoded, Group, GroupTable
from fts_share.matching.index.neighbours import Neighbourhoods
from fts_share.matching.index.store import Groups, union_ids


class BaseGroups(Protocol):
    """What is read of the snapshot's groups (``mapped.MappedGroups``)."""

    @property
    def table(self) -> GroupTable: ...
    @property
    def near(self) -> Any: ...
    def blocked(self, keys: Iterable[str]) -> np.ndarray: ...


#: groups of the snapshot whose id is memoised (the same spellings come back)
MEMO = 100_000


class _Ids:
    """Group -> id over the snapshot's groups, then the overlay's."""

    def __init__(self, base: GroupTable, own: GroupTable, offset: int) -> None:
        self._base, self._own, self._offset = base.ids, own.ids, offset
        self._memo: dict[Group, int] = {}

    def get(self, group: Group, default: int | None = None) -> int | None:
        gid = self._memo.get(group)
        if gid is not None:
            return gid
        gid = self._base.get(group)
        if gid is not None:
            if len(self._memo) >= MEMO:
                self._memo.clear()
            self._memo[group] = gid
            return gid
        own = self._own.get(group)
        return default if own is None else own + self._offset


class _Fulls:
    """Reading -> id over the snapshot's readings, then the overlay's (numbered after
    them): one numbering for both tables, so a query is encoded once for both."""

    def __init__(self, base: Any) -> None:
        self._base, self._n = base, len(base)
        self._own: dict[str, int] = {}

    def __len__(self) -> int:
        return self._n + len(self._own)

    def get(self, full: str, default: int | None = None) -> int | None:
        found = self._base.get(full)
        if found is None:
            found = self._own.get(full)
        return default if found is None else int(found)

    def setdefault(self, full: str, _next: int) -> int:
        found = self.get(full)
        if found is None:
            found = self._own[full] = len(self)
        return found


class _Listed(Sequence[Group]):
    """The groups by id, the snapshot's then the overlay's."""

    def __init__(self, base: GroupTable, own: GroupTable, offset: int) -> None:
        self._base, self._own, self._offset = base, own, offset

    def __len__(self) -> int:
        return self._offset + len(self._own)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i)
        return self._base.groups[i] if i < self._offset else \
            self._own.groups[i - self._offset]


class JointTable(GroupTable):
    """A ``GroupTable`` over the snapshot's groups (ids below ``offset``) and the
    overlay's (``own``, ids from ``offset``); similarities are asked of the table
    holding each group (the same numbers: a similarity depends on the two spellings)."""

    def __init__(self, base: GroupTable, own: GroupTable) -> None:
        self.skeleton_weight, self.compound_mismatch = own.skeleton_weight, own.compound_mismatch
        self.initial_similarity = own.initial_similarity
        self.base, self.own, self.offset = base, own, len(base)
        if len(own):
            raise ValueError("the overlay's table must start empty")
        own._kinds = dict(base._kinds)  # (numbered as the snapshot's, new ones after)
        own._full_ids = _Fulls(base._full_ids)  # type: ignore[assignment]
        self.groups = _Listed(base, own, self.offset)  # type: ignore[assignment]
        self.ids = _Ids(base, own, self.offset)  # type: ignore[assignment]

    def __len__(self) -> int:
        return self.offset + len(self.own)

    def add(self, group: Group) -> int:
        """File a new group (in the overlay); returns its id."""
        return self.own.add(group) + self.offset

    def initial_args(self) -> tuple[int, np.ndarray, float]:
        """``GroupTable.initial_args`` (both tables number kinds alike)."""
        return self.own.initial_args()

    def initial_groups(self) -> np.ndarray:
        """``GroupTable.initial_groups`` over both tables."""
        return np.concatenate((self.base.initial_groups(),
                               self.own.initial_groups() + self.offset))

    def similarity_matrix(self, queries: list[Group], gids: np.ndarray,
                          floor: float = 0.0) -> np.ndarray:
        """``GroupTable.similarity_matrix`` over both tables."""
        gids = np.asarray(gids, dtype=np.int64)
        low = gids < self.offset
        out = np.zeros((len(queries), len(gids)))
        out[:, low] = self.base.similarity_matrix(queries, gids[low], floor)
        out[:, ~low] = self.own.similarity_matrix(queries, gids[~low] - self.offset, floor)
        return out

    def fill_missing(self, queries: list[Group], rows: np.ndarray, gids: np.ndarray,
                     floor: float, *, encoded: Encoded | None = None,
                     near: float = -1.0, fathers: float = 0.0) -> None:
        """``GroupTable.fill_missing`` over both tables (``rows`` by joint id; the
        queries encoded once, both tables numbering kinds and readings alike)."""
        low = gids < self.offset
        n_low = int(np.count_nonzero(low))
        q = self.own.encode(queries) if encoded is None else encoded
        if n_low:
            self.base.fill_missing(queries, rows, gids if n_low == len(gids) else gids[low],
                                   floor, encoded=q, near=near, fathers=fathers)
        if n_low < len(gids):
            self.own.fill_missing(queries, rows[self.offset:], gids[~low] - self.offset,
                                  floor, encoded=q, near=near, fathers=fathers)


class JointNear(Neighbourhoods):
    """The neighbourhoods over both: a snapshot group's (mapped) with the overlay's
    groups that joined it since, an overlay group's own; most similar first, ties
    in the order the links were made (as ``Neighbourhoods.of`` gives them)."""

    def __init__(self, base: Any, offset: int, floor: float) -> None:
        super().__init__(floor)
        self._base, self._offset = base, offset
        self._added: dict[int, tuple[array[int], array[float]]] = {}

    def add_group(self, gid: int, blocked: list[int], sims: np.ndarray) -> None:
        """File group ``gid`` (the next id) with its similarities ``sims`` to the groups
        ``blocked`` with it; its neighbours get ``gid`` too."""
        keep = np.flatnonzero(sims >= self.floor)
        near = [blocked[k] for k in keep.tolist()]
        values = sims[keep].tolist()
        for g, s in zip(near, values):
            links = self._added.setdefault(g, (array("i"), array("d")))
            links[0].append(gid)
            links[1].append(s)
            self._sorted.pop(g, None)
        self._added[gid] = (array("i", [gid, *near]), array("d", [1.0, *values]))

    def of(self, gid: int) -> tuple[np.ndarray, np.ndarray]:
        """Neighbours of ``gid`` (itself included, at 1.0), most similar first."""
        found = self._sorted.get(gid)
        if found is not None:
            return found
        added = self._added.get(gid)
        if gid < self._offset:
            base_g, base_s = self._base.of(gid)
            if added is None:
                return base_g, base_s
            g = np.concatenate((base_g, np.asarray(added[0], dtype=np.int64)))
            s = np.concatenate((base_s, np.asarray(added[1], dtype=np.float64)))
        else:
            assert added is not None
            g = np.asarray(added[0], dtype=np.int64)
            s = np.asarray(added[1], dtype=np.float64)
        return self._keep_sorted(gid, g, s)


class JointGroups(Groups):
    """``store.Groups`` of an overlay in its snapshot's group space (see the module
    docstring); ``names`` holds the overlay's names of each group."""

    def __init__(self, base: BaseGroups, own: GroupTable, floor: float) -> None:
        super().__init__(JointTable(base.table, own), JointNear(base.near, len(base.table),
                                                                floor))
        self.base = base
        self.names = defaultdict(lambda: array("i"))  # type: ignore[assignment]

    def blocked(self, keys: Iterable[str]) -> np.ndarray:
        """Ids of the groups of both filed under any of ``keys``, ascending (as
        ``Groups.blocked``)."""
        keys = list(keys)
        by_key = self.by_key
        own = [post for post in map(by_key.get, keys) if post is not None]
        return union_ids([self.base.blocked(keys).tolist(), *own])

    def file(self, group: Group, keys: Iterable[str]) -> int:
        """File a new group of the overlay under its keys, with its neighbourhood;
        returns its (joint) id."""
        keys = list(keys)
        gid = len(self.table)
        found = self.blocked(keys)
        sims = self.table.similarities(group, found, self.near.floor)
        self.near.add_group(gid, found.tolist(), sims)
        self.table.add(group)
        by_key = self.by_key
        for key in keys:
            post = by_key.get(key)
            if post is None:
                by_key[key] = post = array("i")
            post.append(gid)
        return gid
