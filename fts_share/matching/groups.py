"""The table of indexed *groups*: distinct part spellings as the matcher sees them
(readings, script, kind), with their readings laid out flat so that one query part
is compared with thousands of groups in a few batched calls.

``GroupTable.similarities`` gives bit for bit the numbers of
``similarity.part_similarity``: the rapidfuzz metrics run over all readings at once
(``process.cdist``) and the mix is computed with numpy, in the same order of
operations as ``similarity.form_similarity``.
"""

from __future__ import annotations

from array import array
from operator import itemgetter

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import LCSseq, Levenshtein

from fts_share.matching.fastpath import expand
from fts_share.matching.similarity import Group


def _view(a: array, dtype: type) -> np.ndarray:
    return np.frombuffer(a, dtype=dtype) if len(a) else np.zeros(0, dtype=dtype)


def _gather(items: list[str], rows: list[int]) -> tuple[str, ...]:
    if len(rows) == 1:
        return (items[rows[0]],)
    return itemgetter(*rows)(items)


class GroupTable:
    """Groups by id, with flat arrays of their readings."""

    def __init__(self, *, skeleton_weight: float, compound_mismatch: float) -> None:
        self.skeleton_weight = skeleton_weight
        self.compound_mismatch = compound_mismatch
        self.groups: list[Group] = []
        self.ids: dict[Group, int] = {}
        self._first = array("i")
        self._count = array("i")
        self._arabic = array("b")
        self._kind = array("b")
        self._kinds: dict[str, int] = {}
        self._skel: list[str] = []
        self._full: list[str] = []
        self._full_len = array("i")
        """per reading: max(1, length of its ``full``)"""
        self._full_id = array("i")
        self._full_ids: dict[str, int] = {}
        self._np: dict[str, np.ndarray] | None = None
        """numpy views of the arrays above, until the next ``add``"""

    def __len__(self) -> int:
        return len(self.groups)

    def add(self, group: Group) -> int:
        """File a new group; returns its id."""
        forms, script, kind = group
        gid = len(self.groups)
        self._np = None
        self.groups.append(group)
        self.ids[group] = gid
        self._first.append(len(self._skel))
        self._count.append(len(forms))
        self._arabic.append(script == "arabic")
        self._kind.append(self._kinds.setdefault(kind, len(self._kinds)))
        for f in forms:
            self._skel.append(f.skel)
            self._full.append(f.full)
            self._full_len.append(max(1, len(f.full)))
            self._full_id.append(self._full_ids.setdefault(f.full, len(self._full_ids)))
        return gid

    def _arrays(self) -> dict[str, np.ndarray]:
        views = self._np
        if views is None:
            views = self._np = {
                "first": _view(self._first, np.int32), "count": _view(self._count, np.int32),
                "arabic": _view(self._arabic, np.int8).astype(bool),
                "kind": _view(self._kind, np.int8),
                "full_len": _view(self._full_len, np.int32).astype(np.float64),
                "full_id": _view(self._full_id, np.int32)}
        return views

    def similarities(self, group: Group, gids: np.ndarray) -> np.ndarray:
        """``part_similarity`` of a part read as ``group`` with each group of ``gids``."""
        return self.similarity_matrix([group], gids)[0]

    def similarity_matrix(self, queries: list[Group], gids: np.ndarray) -> np.ndarray:
        """``part_similarity`` of each part of ``queries`` (as groups) with each group
        of ``gids``: a len(queries) x len(gids) array, in one batch."""
        n = len(gids)
        if not n or not queries:
            return np.zeros((len(queries), n))
        views = self._arrays()
        first = views["first"][gids]
        count = views["count"][gids]
        multi = bool((count != 1).any())
        if multi:
            rows = expand(first, count)
        else:
            rows = first
        row_list = rows.tolist()
        skels = _gather(self._skel, row_list)
        fulls = _gather(self._full, row_list)
        q_forms = [f for forms, _s, _k in queries for f in forms]
        q_counts = [len(forms) for forms, _s, _k in queries]
        q_arabic = np.repeat([script == "arabic" for _f, script, _k in queries], q_counts)
        arabic = views["arabic"][gids]
        if multi:
            arabic = np.repeat(arabic, count)
        same = q_arabic[:, None] == arabic[None, :]
        q_skels = [f.skel for f in q_forms]
        q_fulls = [f.full for f in q_forms]
        skel = process.cdist(q_skels, skels, scorer=Levenshtein.normalized_similarity,
                             dtype=np.float64)
        lev = process.cdist(q_fulls, fulls, scorer=Levenshtein.normalized_similarity,
                            dtype=np.float64)
        lcs = process.cdist(q_fulls, fulls, scorer=LCSseq.similarity, dtype=np.int64)
        q_len = np.array([max(1, len(f)) for f in q_fulls], dtype=np.float64)
        r_len = views["full_len"][rows]
        denom = np.where(q_arabic[:, None], q_len[:, None], r_len[None, :])
        w = self.skeleton_weight
        mixed = w * skel + (1.0 - w) * np.where(same, lev, lcs / denom)
        full_ids = views["full_id"][rows]
        for k, qf in enumerate(q_fulls):
            fid = self._full_ids.get(qf)
            if fid is not None:
                mixed[k][full_ids == fid] = 1.0
        if len(q_fulls) != len(queries):
            starts = np.cumsum(q_counts) - np.asarray(q_counts, dtype=np.int64)
            mixed = np.maximum.reduceat(mixed, starts, axis=0)
        if multi:
            mixed = np.maximum.reduceat(mixed, np.cumsum(count) - count, axis=1)
        kinds = views["kind"][gids]
        for i, (_f, _s, kind) in enumerate(queries):
            mismatch = kinds != self._kinds.get(kind, -1)
            if mismatch.any():
                mixed[i] = np.where(mismatch, mixed[i] * self.compound_mismatch, mixed[i])
        return mixed
