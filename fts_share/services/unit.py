"""The unit of work every service takes: one transaction, the time, the node.

``with unit_of_work(node, now) as work:`` commits on success and rolls back on any
exception, so a use case and its audit entries land together or not at all.
``reading(node, now)`` gives the same shape for reads; nothing it does is committed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from fts_share.config import NodeConfig
from fts_share.services.node import Node
from fts_share.storage.audit_store import SqlAuditStore, audit_store


@dataclass(frozen=True)
class Work:
    """One unit of work: a session in one transaction, the time, and the node.

    ``node`` carries the keys, the settings (``node.config``) and the roster in force.
    """

    session: Session
    now: datetime
    node: Node

    @property
    def settings(self) -> NodeConfig:
        """The node's configuration."""
        return self.node.config

    @property
    def audit(self) -> SqlAuditStore:
        """The audit log's store, in this unit's transaction."""
        return audit_store(self.session)

    @property
    def code(self) -> str:
        """This node's partner code."""
        return self.node.code


@contextmanager
def unit_of_work(node: Node, now: datetime) -> Iterator[Work]:
    """A unit of work in one write transaction (committed on success)."""
    with node.store.transaction() as session:
        yield Work(session=session, now=now, node=node)


@contextmanager
def reading(node: Node, now: datetime) -> Iterator[Work]:
    """A unit of work for reads only; nothing it does is committed."""
    with node.store.read() as session:
        yield Work(session=session, now=now, node=node)
