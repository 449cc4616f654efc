"""The compliance report: what happened in the log, counted for reviewers.

Counts by partner, by action, by outcome and by legal basis; refused accesses; purges;
and actions per day (UTC). Sections that come from other tables (notices past their
review date, subjects by sex and minors) are supplied by their owners through
``extra_sections``: a mapping of section name to ``fn(since, until)`` whose JSON-ready
result is placed under ``extra``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fts_share.audit.store import AuditStore
from fts_share.clock import to_rfc3339
from fts_share.errors import ValidationError

#: ``fn(since, until)`` -> a JSON-ready section of the report.
ReportSection = Callable[[datetime | None, datetime | None], Any]


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


def compliance_report(store: AuditStore, *, since: datetime | None = None,
                      until: datetime | None = None,
                      extra_sections: Mapping[str, ReportSection] | None = None
                      ) -> ComplianceReport:
    """Build the report; entries without a partner count under ``"-"``."""
    for name, value in (("since", since), ("until", until)):
        if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
            raise ValidationError({name: "must be an aware datetime"})
    if since and until and since >= until:
        raise ValidationError({"until": "must be after since"})

    def grouped(column: str, refused_only: bool = False) -> dict[str, int]:
        rows = store.count_by(column, since=since, until=until, refused_only=refused_only)
        return {("-" if key is None else str(key)): n
                for key, n in sorted(rows, key=lambda r: str(r[0]))}

    rep = ComplianceReport(since=since, until=until)
    rep.by_partner = grouped("partner")
    rep.by_action = grouped("action")
    rep.by_outcome = grouped("outcome")
    rep.total = sum(rep.by_action.values())
    rep.refused_by_actor = grouped("actor", refused_only=True)
    rep.refused = sum(rep.refused_by_actor.values())
    rep.purges = rep.by_action.get("purge", 0)
    bases: Counter[str] = Counter()
    days: Counter[str] = Counter()
    for when, legal in store.times_and_bases(since=since, until=until):
        # JSON arrays and UTC days, the same on every backend
        bases.update(set(legal or []))
        days[when.astimezone(UTC).date().isoformat()] += 1
    rep.by_legal_basis = dict(sorted(bases.items()))
    rep.per_day = dict(sorted(days.items()))
    for name, section in (extra_sections or {}).items():
        rep.extra[name] = section(since, until)
    return rep
