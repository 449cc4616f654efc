"""The log's right edge: the complete subtrees covering ``[0, size)``, kept while
appending so that a batch of appends costs no extra reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from fts_share.audit import merkle


@dataclass
class Frontier:
    """The log's size and its complete subtrees ``(level, hash)``, left to right."""

    size: int
    nodes: list[tuple[int, bytes]] = field(default_factory=list)

    @classmethod
    def load(cls, size: int, hashes: Mapping[tuple[int, int], bytes]) -> Frontier:
        """The frontier of a log of ``size`` entries, given the hashes of
        :func:`cover` ``(size)``."""
        return cls(size=size, nodes=[(lvl, hashes[(lvl, idx)]) for lvl, idx in cover(size)])

    def root(self) -> bytes:
        """MTH of the whole log."""
        return merkle.fold_cover([h for _, h in self.nodes])

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf; return the new complete subtrees (level, idx, hash) of height >= 1."""
        index, level, acc = self.size, 0, leaf
        created: list[tuple[int, int, bytes]] = []
        nodes = self.nodes
        while nodes and nodes[-1][0] == level:
            _, left = nodes.pop()
            acc, level = merkle.node_hash(left, acc), level + 1
            created.append((level, index >> level, acc))
        nodes.append((level, acc))
        self.size += 1
        return created


def cover(size: int) -> list[tuple[int, int]]:
    """The complete subtrees ``(level, idx)`` whose concatenation is ``[0, size)``."""
    return merkle.subtree_cover(0, size) if size else []
