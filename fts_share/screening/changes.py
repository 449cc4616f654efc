"""Following the watchlist's change sequence without missing a change committed late.

Every change to the watchlist writes a row with the next number of a sequence, in the
transaction that makes the change (``watchlist_changes``). A reader replays the rows
above the highest number it has seen. On PostgreSQL numbers are handed out when a row
is inserted, not when its transaction commits: transaction A may take 5, B take 6, and
B commit first. A reader that then sees 6 and moves its mark to 6 would never look at
5 again. So the cursor keeps the numbers it skipped over as *gaps*: each later read asks
for the rows above the mark **and** for the gaps, and a gap is filled when its
transaction commits. A gap that stays empty for ``grace`` is dropped: its transaction
rolled back (a number taken and never used) or the sequence jumped (after a crash).
``grace`` (ten minutes) is therefore the longest a watchlist transaction may stay open
between its first change and its commit and still be replayed (an import of the whole
UN list takes seconds); a longer one would be seen only at the next rebuild.

When the index is built from scratch the cursor starts at the highest number then
committed, with the numbers missing just below it (``window``) as gaps, since a
transaction that took one of them may still commit.

Pure code, no SQL: the storage adapter reads the rows (``fts_share.storage.watchlist``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

#: how long a skipped number is waited for before it is taken for a rollback
GRACE = timedelta(minutes=10)
#: numbers below the starting mark looked at for gaps when the index is built
WINDOW = 1000
#: at most this many gaps are kept (a sequence that jumped keeps its newest numbers)
MAX_GAPS = 10_000


@dataclass
class ChangeCursor:
    """How far a reader has replayed the change sequence: its mark and its gaps."""

    mark: int = 0
    """the highest change number seen"""
    gaps: dict[int, datetime] = field(default_factory=dict)
    """numbers below ``mark`` not seen yet, with when each was first missed"""
    grace: timedelta = GRACE

    @classmethod
    def starting_at(cls, mark: int, *, present: Iterable[int], now: datetime,
                    window: int = WINDOW, grace: timedelta = GRACE) -> ChangeCursor:
        """A cursor at ``mark`` (the highest number committed when the index was built),
        with the numbers of the ``window`` below it that are not in ``present`` (those
        committed then) as gaps."""
        seen = set(present)
        gaps = {n: now for n in range(max(0, mark - window) + 1, mark + 1) if n not in seen}
        return cls(mark=mark, gaps=gaps, grace=grace)

    def wanted_gaps(self) -> list[int]:
        """The gaps to ask for again, lowest first."""
        return sorted(self.gaps)

    def advance(self, numbers: Iterable[int], *, now: datetime) -> None:
        """Take in the change numbers just read (above the mark, or gaps filled); the
        numbers skipped over become gaps, and gaps older than ``grace`` are dropped."""
        for n in sorted(set(numbers)):
            if n in self.gaps:
                del self.gaps[n]
            elif n > self.mark:
                for missing in range(max(self.mark + 1, n - MAX_GAPS), n):
                    self.gaps[missing] = now
                self.mark = n
        expired = [n for n, since in self.gaps.items() if now - since > self.grace]
        for n in expired:
            del self.gaps[n]
        if len(self.gaps) > MAX_GAPS:
            for n in sorted(self.gaps)[:len(self.gaps) - MAX_GAPS]:
                del self.gaps[n]
