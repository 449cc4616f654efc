"""The node's in-memory name index over its active watchlist entries.

Built from the database on first use; afterwards kept up to date incrementally: the
entries changed since the index last looked (``updated`` at or after the latest it
saw) are added again or removed, so a received notice, whose subject becomes an
entry, costs one record, not a rebuild. A large change (an import), rows deleted
outright, or a clock that went backwards make it rebuild from scratch. Other
processes' changes are noticed the same way, through the entries' count and latest
update time.

The index is changed in place, so searching and changing it are serialised by one
lock (a search takes milliseconds); hits leave with their explanations worked out.

Domain code: no SQLAlchemy. The index reads the watchlist through the
:class:`WatchlistSource` interface it declares here (the storage adapter is
``fts_share.storage.watchlist.SqlWatchlist``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from fts_share.errors import FtsError
from fts_share.matching import Hit, NameIndex, analyze_name

Stamp = tuple[int, "datetime | None"]
"""How many active entries the watchlist holds, and the latest time one changed."""

#: changed entries beyond which catching up is not worth it (a rebuild is used)
CATCH_UP_LIMIT = 500


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

    def stamp(self) -> Stamp:
        """The active entries' count and latest update time."""

    def active_entries(self) -> Iterable[IndexedEntry]:
        """Every active entry."""

    def changed_since(self, seen: datetime, *, limit: int) -> Sequence[IndexedEntry]:
        """Entries (active or not) updated at or after ``seen``, at most ``limit``."""


def entry_kwargs(entry: IndexedEntry) -> dict[str, Any]:
    """The NameIndex arguments of one entry."""
    return {"dob": list(entry.dobs) or None, "nationality": list(entry.nationalities) or None,
            "documents": list(entry.documents) or None}


def _fingerprint(entry: IndexedEntry) -> int:
    """What the index holds of an entry (a change to anything else does not matter)."""
    return hash((entry.active, tuple(entry.names), tuple(entry.dobs),
                 tuple(entry.nationalities), tuple(entry.documents)))


def _index_entry(index: NameIndex, entry: IndexedEntry) -> bool:
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


class WatchlistIndex:
    """A thread-safe, incrementally maintained :class:`NameIndex` of one node's
    watchlist (see the module docstring)."""

    def __init__(self, **index_options: Any) -> None:
        self._lock = threading.Lock()
        self._index: NameIndex | None = None
        self._stamp: Stamp | None = None
        self._options = index_options
        self._skipped: set[str] = set()
        self._boundary: dict[str, int] = {}
        """fingerprints of the entries applied whose time is the latest seen: times
        are not unique (a page's subjects share one), so those are looked at again"""
        self.rebuilds = 0
        """how many times the index was built from scratch (for tests and metrics)"""

    @property
    def skipped(self) -> list[str]:
        """Active entries none of whose names could be indexed."""
        return sorted(self._skipped)

    def refresh(self, source: WatchlistSource) -> None:
        """Bring the index up to date with the watchlist ``source`` reads."""
        stamp = source.stamp()
        with self._lock:
            if self._index is not None and stamp == self._stamp:
                return
            if self._index is None or not self._catch_up(source, stamp):
                self._build(source)
            self._stamp = stamp

    def search(self, name: str, **kwargs: Any) -> list[Hit]:
        """``NameIndex.search`` on the index as last refreshed (explanations included)."""
        with self._lock:
            if self._index is None:
                raise RuntimeError("refresh() the watchlist index before searching it")
            hits = self._index.search(name, **kwargs)
            for hit in hits:
                hit.explanation  # noqa: B018 - worked out while the index cannot change
            return hits

    def search_many(self, queries: Sequence[Mapping[str, Any]], **kwargs: Any
                    ) -> list[list[Hit]]:
        """``NameIndex.search_many`` (one batch, in this process) on the index as last
        refreshed; a row whose name cannot be read gives no hits. Explanations are
        worked out while the index cannot change."""
        with self._lock:
            if self._index is None:
                raise RuntimeError("refresh() the watchlist index before searching it")
            results = self._index.search_many(queries, skip_invalid=True, **kwargs)
            for hits in results:
                for hit in hits:
                    hit.explanation  # noqa: B018
            return results

    def _build(self, source: WatchlistSource) -> None:
        index = NameIndex(**self._options)
        skipped: set[str] = set()
        latest = None
        boundary: dict[str, int] = {}
        for entry in source.active_entries():
            if not _index_entry(index, entry):
                skipped.add(entry.id)
            if latest is None or entry.updated > latest:
                latest, boundary = entry.updated, {}
            if entry.updated == latest:
                boundary[entry.id] = _fingerprint(entry)
        self._index, self._skipped, self._boundary = index, skipped, boundary
        self.rebuilds += 1

    def _catch_up(self, source: WatchlistSource, stamp: Stamp) -> bool:
        """Apply the entries changed since the last look; False if a rebuild is needed."""
        assert self._index is not None and self._stamp is not None
        count, latest = stamp
        _old_count, seen = self._stamp
        if seen is None or latest is None or latest < seen:
            return False
        changed = source.changed_since(seen, limit=CATCH_UP_LIMIT + 1)
        if len(changed) > CATCH_UP_LIMIT:
            return False
        index = self._index
        boundary = self._boundary if latest == seen else {}
        for entry in changed:
            fingerprint = _fingerprint(entry)
            if entry.updated == seen and self._boundary.get(entry.id) == fingerprint:
                if entry.updated == latest:
                    boundary[entry.id] = fingerprint
                continue  # applied already
            if entry.updated == latest:
                boundary[entry.id] = fingerprint
            self._apply(index, entry)
        self._boundary = boundary
        # rows deleted outright, or changed with an older time, show as a wrong count
        return len(index) + len(self._skipped) == count

    def _apply(self, index: NameIndex, entry: IndexedEntry) -> None:
        """Index (or drop) one changed entry, keeping the skipped set right."""
        if entry.active and _index_entry(index, entry):
            self._skipped.discard(entry.id)
            return
        index.remove(entry.id)
        if entry.active:
            self._skipped.add(entry.id)
        else:
            self._skipped.discard(entry.id)
