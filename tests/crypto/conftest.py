"""Fixtures of the crypto tests: keys for a small coalition, a fixed time, key_for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from fts_share.crypto.envelope import Recipient
from fts_share.crypto.keys import KeyKind, PrivateKey, PublicKey, generate
from fts_share.errors import RosterError

NOW = datetime(2025, 8, 2, 12, 0, 0, tzinfo=UTC)


@dataclass
class Node:
    """One partner: a signing key and its encryption keys (x25519 and hybrid)."""

    code: str
    signing: PrivateKey
    x25519: PrivateKey
    hybrid: PrivateKey

    @property
    def private_keys(self) -> dict[str, PrivateKey]:
        return {self.x25519.kid: self.x25519, self.hybrid.kid: self.hybrid}

    def recipient(self, kind: KeyKind = KeyKind.X25519) -> Recipient:
        key = self.x25519 if kind is KeyKind.X25519 else self.hybrid
        return Recipient(node=self.code, key=key.public())


@dataclass
class Coalition:
    """Nodes by code, and a key_for that knows their signing keys."""

    nodes: dict[str, Node]
    revoked: set[str] = field(default_factory=set)

    def key_for(self, origin: str, kid: str) -> PublicKey:
        if kid in self.revoked:
            raise RosterError(f"key {kid} revoked")
        node = self.nodes.get(origin)
        if node is None or node.signing.kid != kid:
            raise RosterError(f"{origin}/{kid} not on the roster")
        return node.signing.public()

    def key_by_kid(self, kid: str) -> PublicKey:
        for node in self.nodes.values():
            if node.signing.kid == kid:
                return node.signing.public()
        raise LookupError(kid)

    def __getitem__(self, code: str) -> Node:
        return self.nodes[code]


def _node(code: str) -> Node:
    return Node(code=code, signing=generate(KeyKind.ED25519),
                x25519=generate(KeyKind.X25519), hybrid=generate(KeyKind.MLKEM768_X25519))


_COALITION = Coalition({code: _node(code) for code in ("FRA", "IRQ", "JOR", "USA")})


@pytest.fixture
def coalition() -> Coalition:
    """FRA, IRQ, JOR, USA with fresh keys (shared by the session; revocations reset)."""
    _COALITION.revoked.clear()
    return _COALITION


@pytest.fixture
def now() -> datetime:
    return NOW


KeyFor = Callable[[str, str], PublicKey]
