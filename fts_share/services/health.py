"""Is the node alive, is it ready: what ``/healthz`` and ``/readyz`` answer.

Ready means three checks pass: the store answers, the keys are loaded, and the
database is at the head revision of the packaged migrations. Each check has a short
detail for the operator; none names a host, a user, a path or any personal data.
"""

from __future__ import annotations

from dataclasses import dataclass

from fts_share.errors import StoreUnavailable
from fts_share.services.node import Node
from fts_share.storage.migrate import expected_revisions

CHECKS = ("store", "keys", "migrations")


@dataclass(frozen=True)
class Check:
    """One readiness check: passed or not, and why (for the operator)."""

    ok: bool
    detail: str

    def to_json(self) -> dict[str, object]:
        """The check as ``readiness.schema.json#/$defs/check``."""
        return {"ok": self.ok, "detail": self.detail}


@dataclass(frozen=True)
class Readiness:
    """The node's checks, by name (:data:`CHECKS`)."""

    checks: dict[str, Check]

    @property
    def ready(self) -> bool:
        """True when every check passed."""
        return all(c.ok for c in self.checks.values())

    @property
    def failing(self) -> list[str]:
        """The names of the checks that did not pass, in :data:`CHECKS` order."""
        return [name for name, c in self.checks.items() if not c.ok]

    def checks_json(self) -> dict[str, dict[str, object]]:
        """The checks as ``readiness.schema.json#/$defs/checks``."""
        return {name: c.to_json() for name, c in self.checks.items()}


def _revisions(names: frozenset[str]) -> str:
    return ", ".join(sorted(names)) or "none"


def _keys(node: Node) -> Check:
    if node.signing is None or not node.encryption:
        return Check(False, "the node's private keys are not loaded")
    return Check(True, f"signing key and {len(node.encryption)} encryption key(s) loaded")


def _store_and_schema(node: Node) -> tuple[Check, Check]:
    try:
        current = node.store.schema_revisions()
    except StoreUnavailable:
        return (Check(False, f"the {node.store.dialect} database does not answer"),
                Check(False, "unknown: the database does not answer"))
    store = Check(True, f"the {node.store.dialect} database answers")
    expected = expected_revisions()
    if current == expected:
        return store, Check(True, f"at {_revisions(current)}")
    return store, Check(False, f"at {_revisions(current)}, expected {_revisions(expected)}: "
                               "run the migrations")


def readiness(node: Node) -> Readiness:
    """Run the readiness checks of ``node`` (one short database round trip)."""
    store, schema = _store_and_schema(node)
    return Readiness({"store": store, "keys": _keys(node), "migrations": schema})


def migrate(node: Node) -> tuple[frozenset[str], frozenset[str]]:
    """Bring ``node``'s database to the head revision of the migrations (alembic
    ``upgrade head``; nothing to do if it is there); the revisions before and after."""
    before = node.store.schema_revisions()
    if before != expected_revisions():
        node.store.create_schema()
    return before, node.store.schema_revisions()
