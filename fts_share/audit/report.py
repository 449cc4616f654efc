"""The compliance report: what happened in the log, counted for reviewers.

Counts by partner, by action, by outcome and by legal basis; refused accesses; purges;
and actions per day (UTC). Sections that come from other tables (notices past their
review date, subjects by sex and minors) are supplied by their owners through
``extra_sections``: a mapping of section name to ``fn(session, since, until)`` whose
JSON-ready result is placed under ``extra``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from fts_share.audit.models import AuditEntry
from fts_share.clock import to_rfc3339
from fts_share.errors import ValidationError

#: ``fn(session, since, until)`` -> a JSON-ready section of the report.
ReportSection = Callable[[Session, "datetime | None", "datetime | None"], Any]


@dataclass
class ComplianceReport:
    """Counts over the entries with ``since <= time < until`` (either bound optional)."""

    since: datetime | None
    until: datetime | None
    total: int = 0
    by_partner: dict[str, int] = field(default_factory=dict)
    by_action: dict[str, int] = field(default_factory=dict)
    by_outcome: dict[str, int] = field(default_factory=dict)
    by_legal_basis: dict[str, int] = field(default_factory=dict)
    refused: int = 0
    refused_by_actor: dict[str, int] = field(default_factory=dict)
    purges: int = 0
    per_day: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The report as a JSON-ready dict."""
        return {"since": to_rfc3339(self.since) if self.since else None,
                "until": to_rfc3339(self.until) if self.until else None,
                "total": self.total, "by_partner": self.by_partner,
                "by_action": self.by_action, "by_outcome": self.by_outcome,
                "by_legal_basis": self.by_legal_basis, "refused": self.refused,
                "refused_by_actor": self.refused_by_actor, "purges": self.purges,
                "per_day": self.per_day, "extra": self.extra}


def compliance_report(session: Session, *, since: datetime | None = None,
                      until: datetime | None = None,
                      extra_sections: Mapping[str, ReportSection] | None = None
                      ) -> ComplianceReport:
    """Build the report; entries without a partner count under ``"-"``."""
    for name, value in (("since", since), ("until", until)):
        if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
            raise ValidationError({name: "must be an aware datetime"})
    if since and until and since >= until:
        raise ValidationError({"until": "must be after since"})

    def scoped(stmt: Select[Any]) -> Select[Any]:
        if since is not None:
            stmt = stmt.where(AuditEntry.time >= since)
        if until is not None:
            stmt = stmt.where(AuditEntry.time < until)
        return stmt

    def grouped(column: Any, *where: Any) -> dict[str, int]:
        stmt = scoped(select(column, func.count()).where(*where).group_by(column))
        return {("-" if key is None else str(key)): int(n)
                for key, n in sorted(session.execute(stmt).all(), key=lambda r: str(r[0]))}

    rep = ComplianceReport(since=since, until=until)
    rep.by_partner = grouped(AuditEntry.partner)
    rep.by_action = grouped(AuditEntry.action)
    rep.by_outcome = grouped(AuditEntry.outcome)
    rep.total = sum(rep.by_action.values())
    refused = or_(AuditEntry.outcome == "refused", AuditEntry.action == "access_refused")
    rep.refused_by_actor = grouped(AuditEntry.actor, refused)
    rep.refused = sum(rep.refused_by_actor.values())
    rep.purges = rep.by_action.get("purge", 0)
    bases: Counter[str] = Counter()
    days: Counter[str] = Counter()
    rows = session.execute(scoped(select(AuditEntry.time, AuditEntry.legal_basis))
                           .execution_options(yield_per=10000))
    for when, legal in rows:  # JSON arrays and UTC days, the same on every backend
        bases.update(set(legal or []))
        days[when.astimezone(timezone.utc).date().isoformat()] += 1
    rep.by_legal_basis = dict(sorted(bases.items()))
    rep.per_day = dict(sorted(days.items()))
    for name, section in (extra_sections or {}).items():
        rep.extra[name] = section(session, since, until)
    return rep
