"""The installed roster versions, behind
:class:`fts_share.federation.roster.RosterVersions`."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fts_share.federation.roster import Roster
from fts_share.storage.models import RosterVersion

#: Asked at every request that uses the roster (built once, with its cache key).
_NEWEST_VERSION = select(func.max(RosterVersion.version))


class SqlRosterVersions:
    """The ``roster_versions`` table, in the session's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def newest(self) -> tuple[int, dict[str, Any]] | None:
        """The version number and document of the newest installed roster, if any."""
        row = self.session.scalars(select(RosterVersion).order_by(
            RosterVersion.version.desc()).limit(1)).first()
        if row is None:
            return None
        return int(row.version), dict(json.loads(row.document))

    def newest_version(self) -> int | None:
        """The version number of the newest installed roster (a cheap query)."""
        value = self.session.scalar(_NEWEST_VERSION)
        return None if value is None else int(value)

    def add(self, roster: Roster, *, installed: datetime) -> None:
        """Keep ``roster`` (verified) as installed at ``installed``."""
        self.session.add(RosterVersion(
            version=roster.version, issued=roster.issued,
            document=json.dumps(roster.document, ensure_ascii=False), installed=installed))
