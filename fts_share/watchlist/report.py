"""What an import keeps and leaves out, and why (nothing is dropped silently).

Every name of every entry is stored as the list writes it; the screening index reads
the names it can (``fts_share.matching``). :func:`import_report` says, before the
entries are stored, which names the index will not read (a title or particle alone,
a script it does not read, over-long text) with the engine's reason, which entries
have no readable name at all (they are stored but cannot be found by name), and
which nationalities are not a known country (kept as text, ignored in matching).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from fts_share.errors import ValidationError
from fts_share.matching import analyze_name, resolve_country


@dataclass
class ImportReport:
    """Names and nationalities an import keeps but the matching cannot use."""

    names: int = 0
    not_indexed: list[dict[str, str]] = field(default_factory=list)
    """``{"reference", "name", "reason"}`` per name the index will not read"""
    unfindable: list[str] = field(default_factory=list)
    """entries none of whose names can be read"""
    unknown_nationalities: list[dict[str, str]] = field(default_factory=list)
    """``{"reference", "value"}`` per nationality kept as text"""

    def counts(self) -> dict[str, int]:
        """The report as counts (for the import's summary and audit entry)."""
        return {"name_count": self.names, "names_not_indexed": len(self.not_indexed),
                "entries_without_readable_name": len(self.unfindable),
                "unknown_nationalities": len(self.unknown_nationalities)}

    def details(self) -> dict[str, list[dict[str, str]] | list[str]]:
        """The report's details (JSON-ready)."""
        return {"names_not_indexed": self.not_indexed,
                "entries_without_readable_name": self.unfindable,
                "unknown_nationalities": self.unknown_nationalities}

    def audit_details(self) -> dict[str, list[dict[str, str]] | list[str]]:
        """The details an audit entry may hold: references and reasons, no name or
        nationality in clear (``audit.entry.FORBIDDEN_DETAIL_KEYS``)."""
        return {"not_indexed": [{"reference": i["reference"], "reason": i["reason"]}
                                for i in self.not_indexed],
                "entries_without_readable_name": self.unfindable,
                "unknown_nationality_in": list(dict.fromkeys(
                    i["reference"] for i in self.unknown_nationalities))}


def import_report(entries: Iterable[tuple[str, Sequence[str], Sequence[str]]]
                  ) -> ImportReport:
    """The report for ``(reference, names, nationalities as written)`` triples."""
    report = ImportReport()
    for reference, names, nationalities in entries:
        readable = 0
        for name in names:
            report.names += 1
            try:
                analyze_name(name)
                readable += 1
            except ValidationError as exc:
                reason = "; ".join(m for msgs in exc.errors.values() for m in msgs)
                report.not_indexed.append({"reference": reference, "name": name,
                                           "reason": reason})
        if not readable:
            report.unfindable.append(reference)
        for value in nationalities:
            if resolve_country(value) is None:
                report.unknown_nationalities.append({"reference": reference,
                                                     "value": value})
    return report
