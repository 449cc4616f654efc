"""The folder of mapped index snapshots a node keeps in its home (``index/``).

A snapshot is the watchlist index written as a mapped file
(``matching.write_mapped``) and stamped with the change sequence it covers: its name
carries the highest change number replayed (``index-000000001234.snap``) and its
header that number and the gaps below it (``screening.changes.ChangeCursor``). A
process starting maps the newest valid one and replays the changes after its stamp;
a file that is not a snapshot, truncated, corrupt, or made by another version of the
analysis or under another match configuration is refused (logged and removed) and the
next older one is tried; with none left, the process builds from the store. Writing is atomic (a temporary file, then a rename), and a process
mapping a snapshot that is replaced keeps its mapping (the old file stays readable
until it is unmapped). The two newest snapshots are kept.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fts_share.errors import ValidationError
from fts_share.matching import MappedIndex, MatchConfig, NameIndex, write_mapped

log = logging.getLogger(__name__)

NAME = re.compile(r"^index-(\d{12})\.snap$")
#: snapshots kept (the newest ones)
KEEP = 2


class SnapshotDir:
    """The snapshots of one node home (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _files(self) -> list[tuple[int, Path]]:
        """``(change number, path)`` of each snapshot, newest first."""
        try:
            names = [(int(m.group(1)), self.path / n) for n in _listdir(self.path)
                     if (m := NAME.match(n))]
        except OSError:
            return []
        return sorted(names, reverse=True)

    def newest_sequence(self) -> int:
        """The stamp of the newest snapshot file (-1: none)."""
        files = self._files()
        return files[0][0] if files else -1

    def open_newest(self, config: MatchConfig | None = None) -> MappedIndex | None:
        """The newest valid snapshot, mapped (``None``: none); invalid ones are
        logged and removed (they would only be refused again)."""
        for sequence, path in self._files():
            try:
                index = MappedIndex.open(str(path), config=config)
                if index.sequence != sequence:
                    raise ValidationError({"path": [f"stamped {index.sequence} inside"]})
            except ValidationError as exc:
                log.warning("index snapshot %s refused and removed: %s", path.name,
                            "; ".join(m for ms in exc.errors.values() for m in ms))
                path.unlink(missing_ok=True)
                continue
            return index
        return None

    def write(self, index: NameIndex, *, sequence: int, gaps: Sequence[int],
              notes: dict[str, Any] | None = None) -> Path:
        """Write ``index`` as the snapshot of change ``sequence`` (``gaps``: the numbers
        below it it may lack; ``notes``: kept with it), atomically; older snapshots
        beyond ``KEEP`` go."""
        self.path.mkdir(parents=True, exist_ok=True)
        path = self.path / f"index-{sequence:012d}.snap"
        write_mapped(index, str(path), sequence=sequence, gaps=gaps, notes=notes)
        for _, old in self._files()[KEEP:]:
            old.unlink(missing_ok=True)
        log.info("index snapshot %s written (%d records)", path.name, len(index))
        return path


def _listdir(path: Path) -> list[str]:
    return [p.name for p in path.iterdir()]
