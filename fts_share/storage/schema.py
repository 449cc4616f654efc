"""Every table of the node database, on one metadata.

Each table is declared by the module that holds it (:mod:`~fts_share.storage.models`,
:mod:`~fts_share.storage.account_tables`, ``alert_tables``, ``audit_tables``,
``hit_tables``, ``jobs_tables``), and a process declares the tables of the modules it
imports: ``fts-share poll`` maps only those it reads and writes (docs/benchmarks.md,
session 21, r21-fixed). What needs the whole schema (the alembic environment, the test
that the migrations build exactly the models) takes :data:`METADATA` from here.
"""

from __future__ import annotations

from fts_share.storage import account_tables as _account_tables  # noqa: F401
from fts_share.storage import jobs_tables as _jobs_tables  # noqa: F401
from fts_share.storage import models as _models  # noqa: F401  (and the tables it imports)
from fts_share.storage.base import Base

__all__ = ["METADATA"]

METADATA = Base.metadata
"""The metadata of every table of the node database."""
