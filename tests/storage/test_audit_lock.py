"""PostgreSQL: the audit log's size and frontier, read in one round trip with the
append lock, are what the separate reads give, at every size (and the log appended
to through them keeps its roots)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from fts_share.audit.frontier import cover
from fts_share.audit.log import current_root, record, root_at
from fts_share.storage.audit_store import audit_store

T0 = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


@pytest.mark.postgresql
@pytest.mark.parametrize("backend", ["postgresql"])  # the pipelined read is PostgreSQL's
def test_frontier_read_with_the_lock_is_the_stored_one(store: Any, backend: str) -> None:
    from fts_share.storage.audit_lock import lock_appends

    roots = []
    for n in range(1, 41):
        with store.transaction() as session:
            record(audit_store(session), now=T0, actor="system", action="open", object_id=f"a{n}")
            if n % 3 == 0:  # two appends in one transaction, now and then
                record(audit_store(session), now=T0, actor="system", action="open", object_id=f"b{n}")
        with store.transaction() as session:
            size, hashes = lock_appends(session.connection())
            assert size == audit_store(session)._stored_size()
            session.info.clear()
            assert hashes == audit_store(session).subtree_hashes(cover(size))
            roots.append((size, current_root(audit_store(session))[1]))
    with store.transaction() as session:
        assert all(root_at(audit_store(session), size) == root for size, root in roots)
