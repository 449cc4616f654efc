"""The neighbourhood graph of indexed spellings.

Every *group* of the index (the parts that read the same: forms, script, kind) is
filed under its index keys (consonant skeletons and their one-letter deletions). Two
groups that share a key are *blocked together*; if their part similarity is at least
``MatchConfig.min_part_similarity`` they are *neighbours*. The graph is kept for
every group, computed once when the group first appears (one batched similarity
call against the groups already filed under its keys) and extended symmetrically,
so that a query part spelt like an indexed part (the common case: at 1,000,000 names,
98% of the query parts of the scale bench) needs no similarity computation at all.

Part similarity is symmetric and so is "shares a key", so the neighbours of a new
group are exactly the groups that list it as a neighbour.
"""

from __future__ import annotations

from array import array

import numpy as np


class Neighbourhoods:
    """Per group: the ids and similarities of its neighbours (similarity >= floor)."""

    #: groups whose sorted neighbourhood is kept (the commonest spellings come back)
    SORTED_KEPT = 50_000

    def __init__(self, floor: float) -> None:
        self.floor = floor
        self._gids: list[array[int]] = []
        self._sims: list[array[float]] = []
        self._sorted: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def __len__(self) -> int:
        return len(self._gids)

    @property
    def links(self) -> int:
        """Number of (directed) neighbour links held."""
        return sum(len(a) for a in self._gids)

    def add_group(self, gid: int, blocked: list[int], sims: np.ndarray) -> None:
        """File group ``gid`` (the next id) with the similarities ``sims`` to the groups
        ``blocked`` with it; the neighbours get ``gid`` too."""
        if gid != len(self._gids):
            raise ValueError("groups are added in id order")
        keep = np.flatnonzero(sims >= self.floor)
        own_g = array("i")
        own_s = array("d")
        if keep.size:
            near = [blocked[k] for k in keep.tolist()]
            values = sims[keep].tolist()
            own_g.extend(near)
            own_s.extend(values)
            gids, simss, kept = self._gids, self._sims, self._sorted
            for g, s in zip(near, values):
                gids[g].append(gid)
                simss[g].append(s)
                kept.pop(g, None)
        self._gids.append(own_g)
        self._sims.append(own_s)

    def of(self, gid: int) -> tuple[np.ndarray, np.ndarray]:
        """Neighbours of ``gid`` (itself included, at 1.0, first), most similar first,
        ties by id (``Groups.blocked`` gives the earlier groups by id, and the later
        ones link in id order); read only: the arrays are kept for the next query."""
        found = self._sorted.get(gid)
        if found is not None:
            return found
        g = np.empty(len(self._gids[gid]) + 1, dtype=np.int64)
        s = np.empty(g.size, dtype=np.float64)
        g[0], s[0] = gid, 1.0
        g[1:] = self._gids[gid]
        s[1:] = self._sims[gid]
        return self._keep_sorted(gid, g, s)

    def _keep_sorted(self, gid: int, g: np.ndarray, s: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
        """``gid``'s neighbours ``g`` with similarities ``s``, most similar first,
        read-only, kept in the bounded cache of sorted neighbourhoods."""
        order = np.argsort(-s, kind="stable")
        found = (g[order], s[order])
        found[0].flags.writeable = False
        found[1].flags.writeable = False
        if len(self._sorted) >= self.SORTED_KEPT:
            self._sorted.clear()
        self._sorted[gid] = found
        return found
