"""The authenticated caller of a request, as both porches describe it."""

from __future__ import annotations

from dataclasses import dataclass

from fts_share.notices.rules import Actor


@dataclass(frozen=True)
class Caller:
    """The authenticated caller: ``kind`` is "user" or "node"."""

    kind: str
    name: str
    role: str
    user_id: int | None = None
    """the account's id (users; None for nodes)"""

    @property
    def actor(self) -> Actor:
        """The caller as a service actor."""
        return Actor(name=self.name, role=self.role)

    @property
    def audit_name(self) -> str:
        """The caller as written in the audit log."""
        return f"{self.kind}:{self.name}"
