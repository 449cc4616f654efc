"""What a page brought, and what a node holds of the notices a page is about.

The stores are declared here (:class:`HeldNotices`) and implemented in
:mod:`fts_share.storage.inbox`; the page is processed by
:mod:`fts_share.services.receiving`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from fts_share.federation.envelopes import notice_id_of


@dataclass
class IngestResult:
    """What one page brought."""

    received: int = 0
    decrypted: int = 0
    duplicates: int = 0
    rejected: int = 0
    notices: list[tuple[str, int]] = field(default_factory=list)

    def add(self, other: IngestResult) -> None:
        """Add what ``other`` brought to this result."""
        self.received += other.received
        self.decrypted += other.decrypted
        self.duplicates += other.duplicates
        self.rejected += other.rejected
        self.notices.extend(other.notices)


class HeldNotices(Protocol):
    """What this node holds of notices: their versions, and which it sent on."""

    def versions_of(self, notice_ids: set[str]) -> Iterable[tuple[str, int]]:
        """``(notice_id, version)`` of every version held of ``notice_ids``."""

    def shared_among(self, notice_ids: set[str]) -> set[str]:
        """Which of ``notice_ids`` this node has sent envelopes about."""


@dataclass
class PageContext:
    """What a few queries per page found out, so envelopes need no lookups of their
    own: the versions held of the page's notices (kept up to date as the page is
    stored), and which of them this node has re-shared."""

    held: dict[str, set[int]] = field(default_factory=dict)
    shared: set[str] = field(default_factory=set)
    known: set[str] = field(default_factory=set)  # the notices loaded

    @classmethod
    def load(cls, store: HeldNotices, payloads: Iterable[Any]) -> PageContext:
        """The context of the notices that ``payloads`` (a page's contents) are about."""
        context = cls()
        context.learn(store, {i for p in payloads if (i := notice_id_of(p))})
        return context

    def learn(self, store: HeldNotices, ids: set[str]) -> None:
        """Load what this node holds of notices ``ids`` (those not loaded yet)."""
        ids = self.unknown(ids)
        if ids:
            self.learned(ids, versions=store.versions_of(ids), shared=store.shared_among(ids))

    def unknown(self, ids: set[str]) -> set[str]:
        """Those of notices ``ids`` not loaded yet."""
        return ids - self.known

    def learned(self, ids: set[str], *, versions: Iterable[tuple[str, int]],
                shared: set[str]) -> None:
        """Take what the store holds of notices ``ids`` (read by the caller, as
        :meth:`learn` reads it): their ``versions`` and which were ``shared``."""
        self.known |= ids
        for key in versions:
            self.hold(key)
        self.shared |= shared

    def holds(self, key: tuple[str, int]) -> bool:
        """True if version ``key`` = ``(notice_id, version)`` is held."""
        return key[1] in self.held.get(key[0], ())

    def hold(self, key: tuple[str, int]) -> None:
        """Note that version ``key`` is now held."""
        self.held.setdefault(key[0], set()).add(key[1])

    def changes_held(self, key: tuple[str, int]) -> bool:
        """True if storing version ``key`` changes what is held besides adding it: an
        older version to supersede, or copies this node re-shared to recall."""
        return key[0] in self.shared or any(v < key[1] for v in self.held.get(key[0], ()))
