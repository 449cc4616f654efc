"""PostgreSQL: the audit log's append lock taken, and the log's right edge read after
it, in one round trip (:mod:`fts_share.storage.pipeline`).

An append needs the lock (``pg_advisory_xact_lock``), then the log's size, then the
hashes of the complete subtrees covering ``[0, size)`` (its frontier). The three are
sent together; the server runs them one after the other, so the size and the hashes
are read once the lock is held, as three separate statements would read them. The
frontier is found from the size in SQL: for each bit ``l`` set in the size, the
subtree at level ``l`` and index ``(size >> l) - 1`` (``merkle.subtree_cover(0,
size)``); a leaf's hash is its entry's, an inner node's is in ``audit_nodes``.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from fts_share.audit.store import Subtree
from fts_share.storage.audit_tables import NODE_INDEX_BITS, node_position
from fts_share.storage.pipeline import pipelined

#: pg_advisory_xact_lock key serialising appends ("fts-audit" as a 63-bit integer).
PG_APPEND_LOCK = 0x667473_617564_6974

_LOCK = "SELECT pg_advisory_xact_lock(%(k)s)"
_LAST_SEQ = "SELECT max(seq) FROM audit_entries"
_FRONTIER = f"""
WITH last AS (SELECT max(seq) AS seq FROM audit_entries)
SELECT e.seq, e.leaf_hash FROM audit_entries e, last
 WHERE e.seq = last.seq AND (last.seq & 1) = 0
UNION ALL
SELECT n.id, n.hash FROM audit_nodes n, last, generate_series(1, {NODE_INDEX_BITS - 1}) l
 WHERE ((last.seq + 1) >> l) & 1 = 1
   AND n.id = (l::bigint << {NODE_INDEX_BITS}) | (((last.seq + 1) >> l) - 1)
"""


def lock_appends(connection: Connection) -> tuple[int, dict[Subtree, bytes]]:
    """Take the append lock; the log's size and the stored hashes of its frontier."""
    _, last, frontier = pipelined(connection, [(_LOCK, {"k": PG_APPEND_LOCK}),
                                               (_LAST_SEQ, {}), (_FRONTIER, {})])
    seq = last[0][0] if last else None
    return (0 if seq is None else int(seq) + 1,
            {node_position(int(k)): bytes(h) for k, h in frontier})
