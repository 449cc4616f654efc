"""Storage: SQLAlchemy 2.0 models and engines for SQLite (embedded) and PostgreSQL."""

from fts_share.storage import watchlist as _watchlist  # noqa: F401  (the change-sequence hooks)
from fts_share.storage.base import Base, UTCDateTime
from fts_share.storage.db import Store

__all__ = ["Base", "Store", "UTCDateTime"]
