"""The node's in-memory name index over its active watchlist entries.

Built from the database on first use; afterwards it follows the store through the
watchlist's change sequence (``watchlist_changes``, one numbered row per change,
written in the transaction that makes it): each refresh reads the changes numbered
above the highest it has replayed, and the numbers it skipped over, and applies the
current state of each entry named, so a received notice, whose subject becomes an
entry, costs one record, not a rebuild. Every worker process does the same, so a
change committed through one worker is found by a screening in any other. Changes
committed out of order (PostgreSQL hands out numbers at insert time) are caught by
:class:`~fts_share.screening.changes.ChangeCursor`'s gaps. A ``reset`` change (a bulk
statement) or a very large change makes it rebuild from scratch.

The index is changed in place, so searching and changing it are serialised by one
lock (a search takes milliseconds); hits leave with their explanations worked out.

With a :class:`~fts_share.screening.snapshots.SnapshotDir` (the node's ``index/``
folder) a process does not build: it maps the newest valid snapshot (shared with
every other process mapping it) and replays the changes after its stamp into the
snapshot's overlay (``matching.OverlaidIndex``); a newer snapshot is picked up at the
next refresh. A process that had to build (no valid snapshot) writes one.
``write_snapshot`` builds a fresh one from the store (the poller-lock holder calls it
once ``snapshot_due``; also ``fts-share index snapshot HOME``).

Domain code: no SQLAlchemy. The index reads the watchlist through the
:class:`WatchlistSource` interface it declares here (the storage adapter is
``fts_share.storage.watchlist.SqlWatchlist``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Any, Protocol

from fts_share import heap
from fts_share.errors import FtsError
from fts_share.matching import Hit, NameIndex, OverlaidIndex, analyze_name
from fts_share.matching.index.bulk import collector_paused
from fts_share.screening.changes import WINDOW, ChangeCursor
from fts_share.screening.snapshots import SnapshotDir

#: changes read at a time when catching up
CHANGE_PAGE = 1000
#: changes beyond which catching up is not worth it (a rebuild is used)
CATCH_UP_LIMIT = 50_000
#: the op of a change that no one entry describes
RESET = "reset"
#: records changed since the mapped snapshot beyond which a new one is due
SNAPSHOT_AFTER = 5000
#: the first index of at least this many names built or mapped in a process moves the
#: heap out of the collector's reach (``_settle``)
FREEZE_NAMES = 1000

AnyIndex = NameIndex | OverlaidIndex


class IndexedEntry(Protocol):
    """What the index reads of one watchlist entry."""

    @property
    def id(self) -> str: ...
    @property
    def names(self) -> Sequence[str]: ...
    @property
    def dobs(self) -> Sequence[str]: ...
    @property
    def nationalities(self) -> Sequence[str]: ...
    @property
    def documents(self) -> Sequence[str]: ...
    @property
    def active(self) -> bool: ...
    @property
    def updated(self) -> datetime: ...


class WatchlistSource(Protocol):
    """The watchlist as the index reads it (implemented by the storage adapter)."""

    def last_change(self) -> int:
        """The highest change number committed (0: none)."""

    def change_numbers(self, *, above: int) -> Iterable[int]:
        """The change numbers committed above ``above``."""

    def changes(self, *, after: int, gaps: Sequence[int], limit: int
                ) -> Sequence[tuple[int, str, str]]:
        """``(number, entry id, op)`` of the changes above ``after`` or numbered in
        ``gaps``, lowest first, at most ``limit``."""

    def active_entries(self) -> Iterable[IndexedEntry]:
        """Every active entry."""

    def entries(self, ids: Sequence[str]) -> Iterable[IndexedEntry]:
        """The entries (active or not) of ``ids`` that exist."""


def entry_kwargs(entry: IndexedEntry) -> dict[str, Any]:
    """The NameIndex arguments of one entry."""
    return {"dob": list(entry.dobs) or None, "nationality": list(entry.nationalities) or None,
            "documents": list(entry.documents) or None}


def _index_entry(index: AnyIndex, entry: IndexedEntry) -> bool:
    """Add (or replace) one entry; False if none of its names can be indexed. One
    unusable name (or bad date) does not hide the rest of the record."""
    names = [n for n in entry.names if n and n.strip()]
    if not names:
        index.remove(entry.id)
        return False
    try:
        index.add(entry.id, names, **entry_kwargs(entry))
        return True
    except FtsError:
        good = []
        for n in names:
            try:
                analyze_name(n)
                good.append(n)
            except FtsError:
                pass
        if good:
            try:
                index.add(entry.id, good, **entry_kwargs(entry))
                return True
            except FtsError:
                pass
    index.remove(entry.id)
    return False


def _adding_many(index: AnyIndex) -> AbstractContextManager[None]:
    """``NameIndex.adding_many`` for a built index (an overlay files one by one)."""
    return index.adding_many() if isinstance(index, NameIndex) else nullcontext()


def _settle(index: AnyIndex) -> None:
    """The first time in the process that an index of at least ``FREEZE_NAMES`` names
    is built or mapped, freeze the heap (:mod:`fts_share.heap`): a build leaves tens of
    thousands of small long-lived objects (analyses, parts, per-group arrays: ~80,000
    for the UN list) that every full collection would walk, and that bring the next
    one on. Nothing an index builds is cyclic. Not for small indexes (tests, small
    nodes)."""
    if index.name_count >= FREEZE_NAMES:
        heap.settle_once("first large index")


class WatchlistIndex:
    """A thread-safe :class:`NameIndex` of one node's watchlist that follows the
    store's change sequence (see the module docstring)."""

    def __init__(self, *, snapshots: SnapshotDir | None = None,
                 snapshot_after: int = SNAPSHOT_AFTER, **index_options: Any) -> None:
        self._lock = threading.Lock()
        self._index: AnyIndex | None = None
        self._snapshots = snapshots
        self.snapshot_after = snapshot_after
        self._origin = -1
        """the change mark the index was built or mapped at"""
        self._looked = -1
        """the newest snapshot stamp already looked at"""
        self.mapped_from: int | None = None
        """the stamp of the snapshot the index maps (``None``: built in memory)"""
        self._cursor = ChangeCursor()
        self._options = index_options
        self._skipped: set[str] = set()
        self._stale: set[str] = set()
        self.rebuilds = 0
        """how many times the index was built from scratch (for tests and metrics)"""
        self.replayed = 0
        """how many changes were replayed (for tests and metrics)"""

    @property
    def skipped(self) -> list[str]:
        """Active entries none of whose names could be indexed."""
        return sorted(self._skipped)

    @property
    def mark(self) -> int:
        """The highest change number replayed."""
        return self._cursor.mark

    def refresh(self, source: WatchlistSource, *, now: datetime) -> None:
        """Bring the index up to date with the watchlist ``source`` reads; ``now``
        ages the gaps of the change sequence."""
        with self._lock:
            self._map_newer_snapshot(now=now)
            if self._index is None or not self._catch_up(source, now=now):
                self._build(source, now=now)
                self._write_first_snapshot()
            if self._stale:
                assert self._index is not None
                ids, self._stale = sorted(self._stale), set()
                found = {e.id: e for e in source.entries(ids)}
                for rid in ids:
                    self._apply(self._index, rid, found.get(rid))

    def read_again(self, ids: Iterable[str]) -> None:
        """Have the next refresh read these entries again as the store holds them
        (changes of a transaction that rolled back after the index saw them)."""
        with self._lock:
            self._stale.update(ids)

    def search(self, name: str, **kwargs: Any) -> list[Hit]:
        """``NameIndex.search`` on the index as last refreshed (explanations included)."""
        with self._lock:
            if self._index is None:
                raise RuntimeError("refresh() the watchlist index before searching it")
            hits = self._index.search(name, **kwargs)
            for hit in hits:
                hit.explanation  # noqa: B018 - worked out while the index cannot change
            return hits

    def search_many(self, queries: Sequence[Mapping[str, Any]], *,
                    keep: Callable[[int, list[Hit]], list[Hit]] | None = None,
                    **kwargs: Any) -> list[list[Hit]]:
        """``NameIndex.search_many`` (one batch, in this process) on the index as last
        refreshed; a row whose name cannot be read gives no hits. ``keep(row, hits)``
        (optional) chooses the hits of each row the caller keeps: only those are
        returned and explained. Explanations are worked out while the index cannot
        change."""
        with self._lock:
            if self._index is None:
                raise RuntimeError("refresh() the watchlist index before searching it")
            results = self._index.search_many(queries, skip_invalid=True, **kwargs)
            if keep is not None:
                results = [keep(row, hits) for row, hits in enumerate(results)]
            for hits in results:
                for hit in hits:
                    hit.explanation  # noqa: B018
            return results

    def _build(self, source: WatchlistSource, *, now: datetime) -> None:
        """Build from every active entry. The change mark (and the numbers committed
        just below it) is read first: a change committed meanwhile is replayed again
        at the next refresh, which is harmless (a replay applies the entry as it is)."""
        mark = source.last_change()
        present = source.change_numbers(above=max(0, mark - WINDOW))
        with collector_paused():  # settled before the collector runs again: see ``_settle``
            index, skipped = self._fresh(source)
            _settle(index)
        self._index, self._skipped = index, skipped
        self._cursor = ChangeCursor.starting_at(mark, present=present, now=now)
        self._origin, self.mapped_from = mark, None
        self.rebuilds += 1

    def _fresh(self, source: WatchlistSource) -> tuple[NameIndex, set[str]]:
        """A new index of every active entry, and the entries it could not index."""
        index = NameIndex(**self._options)
        skipped: set[str] = set()
        with collector_paused(), index.adding_many():  # (collector: matching.index.bulk)
            for entry in source.active_entries():
                if not _index_entry(index, entry):
                    skipped.add(entry.id)
        return index, skipped

    # ------------------------------------------------------------ snapshots
    @property
    def snapshot_due(self) -> bool:
        """Whether the overlay over the mapped snapshot has grown past
        ``snapshot_after`` records (a process that built its index wrote it as a
        snapshot already)."""
        with self._lock:
            index = self._index
            if self._snapshots is None or index is None:
                return False
            return isinstance(index, OverlaidIndex) and \
                index.overlay_size > self.snapshot_after

    def _map_newer_snapshot(self, *, now: datetime) -> None:
        """Map the newest valid snapshot if it is newer than what the index started
        from (its overlay then replays the changes after its stamp)."""
        if self._snapshots is None:
            return
        newest = self._snapshots.newest_sequence()
        if newest <= max(self._origin, self._looked):
            return
        self._looked = newest
        base = self._snapshots.open_newest(self._options.get("config"))
        if base is None or base.sequence <= self._origin:
            return
        self._index = OverlaidIndex(base)
        self._skipped = set(base.notes.get("skipped", []))
        self._cursor = ChangeCursor(mark=base.sequence, gaps=dict.fromkeys(base.gaps, now),
                                    grace=self._cursor.grace)
        self._origin = self.mapped_from = base.sequence
        _settle(self._index)

    def _write_first_snapshot(self) -> None:
        """After a build: write it as a snapshot if none covers its mark."""
        if self._snapshots is None or not isinstance(self._index, NameIndex) or \
                self._snapshots.newest_sequence() >= self._cursor.mark:
            return
        self._snapshots.write(self._index, sequence=self._cursor.mark,
                              gaps=self._cursor.wanted_gaps(),
                              notes={"skipped": sorted(self._skipped)})
        self._looked = self._cursor.mark

    def write_snapshot(self, source: WatchlistSource, *, now: datetime) -> int:
        """Build an index of the store as it is (outside the lock: searches go on) and
        write it as a snapshot; returns its stamp. Processes map it at their next
        refresh."""
        if self._snapshots is None:
            raise RuntimeError("this watchlist index keeps no snapshots")
        mark = source.last_change()
        present = source.change_numbers(above=max(0, mark - WINDOW))
        cursor = ChangeCursor.starting_at(mark, present=present, now=now)
        index, skipped = self._fresh(source)
        self._snapshots.write(index, sequence=mark, gaps=cursor.wanted_gaps(),
                              notes={"skipped": sorted(skipped)})
        return mark

    def _catch_up(self, source: WatchlistSource, *, now: datetime) -> bool:
        """Replay the changes not seen yet; False if a rebuild is needed instead."""
        assert self._index is not None
        for _ in range(CATCH_UP_LIMIT // CHANGE_PAGE):
            cursor = self._cursor
            changes = source.changes(after=cursor.mark, gaps=cursor.wanted_gaps(),
                                     limit=CHANGE_PAGE)
            if any(op == RESET for _n, _rid, op in changes):
                return False
            ids = list(dict.fromkeys(rid for _n, rid, _op in changes))
            found = {e.id: e for e in source.entries(ids)} if ids else {}
            with _adding_many(self._index):
                for rid in ids:
                    self._apply(self._index, rid, found.get(rid))
            cursor.advance((n for n, _rid, _op in changes), now=now)
            self.replayed += len(changes)
            if len(changes) < CHANGE_PAGE:
                return True
        return False

    def _apply(self, index: AnyIndex, rid: str, entry: IndexedEntry | None) -> None:
        """Index (or drop) one changed entry as it is now, keeping the skipped set
        right; ``None``: the entry is gone."""
        if entry is not None and entry.active and _index_entry(index, entry):
            self._skipped.discard(rid)
            return
        index.remove(rid)
        if entry is not None and entry.active:
            self._skipped.add(rid)
        else:
            self._skipped.discard(rid)
