"""Audit test fixtures: the lead's ``store`` (SQLite and PostgreSQL) with the audit
tables present, an Ed25519 key, and a fixed clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fts_share.audit import models
from fts_share.storage.base import Base

AUDIT_TABLES = [models.AuditEntry.__table__, models.AuditNode.__table__,
                models.TreeHead.__table__, models.PeerTreeHead.__table__,
                models.AuditFinding.__table__]
T0 = datetime(2025, 8, 2, 9, 0, 0, 123456, tzinfo=timezone.utc)


@pytest.fixture
def store(store: Any) -> Iterator[Any]:
    """The lead's store; until the initial migration holds the audit tables, make them."""
    Base.metadata.create_all(store.engine, tables=AUDIT_TABLES, checkfirst=True)
    yield store


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def verifier(key: Ed25519PrivateKey) -> Callable[[bytes, bytes], None]:
    pub = key.public_key()
    return lambda sig, data: pub.verify(sig, data)


@pytest.fixture
def clock() -> Callable[[int], datetime]:
    """``clock(n)``: T0 plus n minutes."""
    return lambda n=0: T0 + timedelta(minutes=n)
