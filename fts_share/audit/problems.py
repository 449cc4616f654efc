"""The problems a verification finds, and the first bad entry they point to."""

from __future__ import annotations

#: Problems listed in a report; the rest are counted.
MAX_PROBLEMS = 100


class Problems:
    """Problem texts, by the strength of their evidence about the first bad entry.

    Entry-level evidence (a gap, a leaf that does not match its fields) is exact; a
    stored node that differs gives the first entry of its range; a signed head whose
    root differs, the first entry after the last good head (the weakest evidence).
    """

    def __init__(self) -> None:
        self.items: list[str] = []
        self.more = 0
        self.first_entry: int | None = None
        self.first_range: int | None = None
        self.first_head: int | None = None

    def entry(self, index: int, text: str) -> None:
        """Entry ``index`` is bad (exact)."""
        self.first_entry = index if self.first_entry is None else min(self.first_entry, index)
        self._add(text)

    def range(self, start: int, text: str) -> None:
        """Something changed in the range starting at entry ``start``."""
        self.first_range = start if self.first_range is None else min(self.first_range, start)
        self._add(text)

    def head(self, start: int, text: str) -> None:
        """Something changed after entry ``start`` (from a signed head)."""
        self.first_head = start if self.first_head is None else min(self.first_head, start)
        self._add(text)

    def other(self, text: str) -> None:
        """A problem that points at no entry."""
        self._add(text)

    def first(self) -> int | None:
        """The first bad entry, by the strongest evidence there is."""
        for value in (self.first_entry, self.first_range, self.first_head):
            if value is not None:
                return value
        return None

    def listed(self) -> list[str]:
        """The problem texts, with a last line counting those left out."""
        more = [f"... and {self.more} more problems"] if self.more else []
        return self.items + more

    def _add(self, text: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(text)
        else:
            self.more += 1
