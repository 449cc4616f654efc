"""The audit room reaches the database only through the store it declares
(fts_share.audit.store); fts_share.storage.audit_store implements every method of it. (That
the audit room imports no Flask, SQLAlchemy or storage is import-linter's contract, checked
in tests/test_layering.py.)"""

from __future__ import annotations


def test_the_adapter_implements_the_store() -> None:
    from fts_share.audit.store import AuditStore
    from fts_share.storage.audit_store import SqlAuditStore

    wanted = {name for name in vars(AuditStore) if not name.startswith("_")}
    assert wanted <= set(dir(SqlAuditStore)), sorted(wanted - set(dir(SqlAuditStore)))
