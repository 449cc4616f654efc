"""Audit test fixtures: an Ed25519 key and a fixed clock (``store``, on SQLite and
PostgreSQL, is the lead's; its migration creates the audit tables)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

T0 = datetime(2025, 8, 2, 9, 0, 0, 123456, tzinfo=UTC)


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
