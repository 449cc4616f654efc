"""Importing watchlists into the node database, each import one transaction.

The UN SC consolidated list: every regime, aliases with their quality, original
script, variant dates of birth, nationalities, documents and the regime's measures.
Re-importing a newer export updates and adds entries and delists (deactivates) those
that are no longer on it. National watchlists come from CSV; other lists from
FollowTheMoney files (OpenSanctions) and INTERPOL's red notices API (``import_file``
reads any of them by format).

Nothing is dropped silently: every name and nationality is stored as written, and
each import reports (in its counts and its audit entry) the names the screening index
will not read, with the reason, the entries left with no readable name, and the
nationalities that are not a known country (kept as text, ignored in matching).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from fts_share.audit.log import record
from fts_share.clock import to_rfc3339
from fts_share.errors import ImportFailed
from fts_share.services.unit import Work
from fts_share.storage.audit_store import audit_store
from fts_share.storage.models import WatchlistEntry
from fts_share.watchlist.csv_list import WatchlistEntry as ListEntry
from fts_share.watchlist.csv_list import parse_watchlist_csv
from fts_share.watchlist.ftm import parse_ftm
from fts_share.watchlist.interpol import parse_interpol
from fts_share.watchlist.report import ImportReport, import_report
from fts_share.watchlist.un_xml import UnList, UnListEntry, parse_un_xml

UN_SOURCE = "un"
NATIONAL_SOURCE = "national"
FTM_SOURCE = "ftm"
INTERPOL_SOURCE = "interpol"
#: The formats ``import_file`` reads.
FORMATS = ("un-xml", "csv", "ftm", "interpol")


def _un_row(entry: UnListEntry, row: WatchlistEntry | None, now: datetime) -> WatchlistEntry:
    row = row or WatchlistEntry(id=entry.reference, source=UN_SOURCE)
    row.kind = entry.kind
    row.regime = entry.regime_name or entry.list_type
    row.names = entry.all_names()
    row.dobs = entry.dob_variants()
    row.nationalities = entry.nationality_codes
    row.documents = [d.number for d in entry.documents if d.number]
    row.measures = list(entry.measures)
    row.data = {"list_type": entry.list_type, "listed_on": entry.listed_on.isoformat()
                if entry.listed_on else None,
                "aliases": [{"name": a.name, "quality": a.quality} for a in entry.aliases],
                "original_script": entry.name_original_script,
                "dates_of_birth": [asdict(d) for d in entry.dates_of_birth],
                "documents": [asdict(d) for d in entry.documents],
                "designations": entry.designations, "titles": entry.titles,
                "gender": entry.gender}
    row.active = True
    row.updated = now
    return row


def _delist(existing: Mapping[str, WatchlistEntry], seen: set[str], now: datetime) -> int:
    """Deactivate the active entries not seen in the new list; how many there were."""
    delisted = 0
    for rid, row in existing.items():
        if rid not in seen and row.active:
            row.active, row.updated = False, now
            delisted += 1
    return delisted


def import_un(work: Work, parsed: UnList, *, actor: str) -> dict[str, Any]:
    """Upsert every entry of ``parsed``; delist UN entries that are no longer on it.

    Returns the counts (``added``, ``updated``, ``delisted``, ``total`` and those of
    :meth:`ImportReport.counts`) and, under ``report``, the names not indexed and the
    unknown nationalities with their entries (``ImportReport.details``)."""
    session, now = work.session, work.now
    existing = {r.id: r for r in session.scalars(
        select(WatchlistEntry).where(WatchlistEntry.source == UN_SOURCE))}
    added = updated = 0
    seen: set[str] = set()
    for entry in parsed.entries:
        seen.add(entry.reference)
        row = existing.get(entry.reference)
        if row is None:
            added += 1
        else:
            updated += 1
        session.add(_un_row(entry, row, now))
    delisted = _delist(existing, seen, now)
    report = import_report((e.reference, e.all_names(), e.nationalities)
                           for e in parsed.entries)
    counts = {"added": added, "updated": updated, "delisted": delisted,
              "total": len(parsed.entries), **report.counts()}
    record(audit_store(session), now=now, actor=actor, action="watchlist_import", object_type="watchlist",
           object_id="un", detail={**counts, "generated": _stamp(parsed.generated),
                                   **report.audit_details()})
    session.flush()
    return {**counts, "report": report.details()}


def import_un_file(work: Work, path: Path, *, actor: str) -> dict[str, Any]:
    """Read, parse (the whole file first) and import a UN XML export."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ImportFailed(f"{path}: {exc.strerror}") from exc
    return import_un(work, parse_un_xml(data), actor=actor)


def _upsert(work: Work, entries: Sequence[ListEntry], *, source: str, prefix: str,
            regime: str, data: Callable[[ListEntry], dict[str, Any]]
            ) -> tuple[int, ImportReport]:
    """Add or update each entry under ``prefix`` + its id; delist the entries under
    ``prefix`` that the file no longer holds; how many were delisted, and the report
    of the names and nationalities the matching cannot use."""
    session, now = work.session, work.now
    existing = {r.id: r for r in session.scalars(
        select(WatchlistEntry).where(WatchlistEntry.id.startswith(prefix)))}
    seen: set[str] = set()
    for e in entries:
        rid = prefix + e.id
        seen.add(rid)
        row = existing.get(rid) or WatchlistEntry(id=rid, source=source)
        row.kind, row.regime = "individual", regime
        row.names = [e.name, *e.aliases]
        row.dobs, row.nationalities, row.documents = list(e.dob), list(e.nationality), list(e.documents)
        row.measures, row.data, row.active, row.updated = [], data(e), True, now
        session.add(row)
    report = import_report((prefix + e.id, [e.name, *e.aliases], e.nationality)
                           for e in entries)
    return _delist(existing, seen, now), report


def _log_import(work: Work, *, actor: str, object_id: str, counts: dict[str, int],
                report: ImportReport) -> dict[str, Any]:
    """Audit the import; its counts with the report's, and the report's details."""
    counts = {**counts, **report.counts()}
    record(audit_store(work.session), now=work.now, actor=actor, action="watchlist_import",
           object_type="watchlist", object_id=object_id,
           detail={**counts, **report.audit_details()})
    work.session.flush()
    return {**counts, "report": report.details()}


def import_csv(work: Work, data: bytes | str, *, list_name: str, actor: str) -> dict[str, Any]:
    """Import a national watchlist CSV (all rows or none); ids are namespaced by
    ``list_name``, and rows of that list missing from the file are delisted."""
    entries = parse_watchlist_csv(data)
    delisted, report = _upsert(work, entries, source=NATIONAL_SOURCE,
                               prefix=f"{NATIONAL_SOURCE}:{list_name}:", regime=list_name,
                               data=lambda e: {"line": e.line})
    counts = {"total": len(entries), "delisted": delisted}
    return _log_import(work, actor=actor, object_id=f"national:{list_name}", counts=counts,
                       report=report)


def import_ftm(work: Work, data: bytes | str, *, list_name: str, actor: str
               ) -> dict[str, Any]:
    """Import the persons of a FollowTheMoney file (OpenSanctions' JSON lines); ids
    are namespaced by ``list_name``; persons of that list no longer in the file are
    delisted. Other schemata and persons with no readable name are counted."""
    parsed = parse_ftm(data)
    delisted, report = _upsert(work, parsed.persons, source=FTM_SOURCE,
                               prefix=f"{FTM_SOURCE}:{list_name}:", regime=list_name,
                               data=lambda e: {"line": e.line, "entity": e.id,
                                               "datasets": parsed.datasets.get(e.id, [])})
    counts = {"total": len(parsed.persons), "delisted": delisted,
              "other_schemata": parsed.other_schemata, "unreadable": len(parsed.unreadable)}
    return _log_import(work, actor=actor, object_id=f"{FTM_SOURCE}:{list_name}",
                       counts=counts, report=report)


def import_interpol(work: Work, data: bytes | str, *, actor: str) -> dict[str, Any]:
    """Import INTERPOL red notices (the public API's pages or notices). Notices are
    added or updated, never delisted: a page holds only some of them."""
    parsed = parse_interpol(data)
    _, report = _upsert(work, parsed.notices, source=INTERPOL_SOURCE,
                        prefix=f"{INTERPOL_SOURCE}:", regime="INTERPOL red notice",
                        data=lambda e: {"entity_id": e.id, **parsed.details.get(e.id, {})})
    counts = {"total": len(parsed.notices), "unreadable": len(parsed.unreadable)}
    return _log_import(work, actor=actor, object_id=INTERPOL_SOURCE, counts=counts,
                       report=report)


def import_file(work: Work, path: Path, *, fmt: str, list_name: str, actor: str
                ) -> dict[str, Any]:
    """Import ``path`` in format ``fmt``: ``un-xml``, ``csv``, ``ftm`` or ``interpol``."""
    if fmt == "un-xml":
        return import_un_file(work, path, actor=actor)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ImportFailed(f"{path}: {exc.strerror}") from exc
    if fmt == "csv":
        return import_csv(work, data, list_name=list_name, actor=actor)
    if fmt == "ftm":
        return import_ftm(work, data, list_name=list_name, actor=actor)
    if fmt == "interpol":
        return import_interpol(work, data, actor=actor)
    raise ImportFailed(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}",
                       field="format")


def _stamp(generated: datetime | None) -> str | None:
    """The list's own ``dateGenerated`` as RFC 3339 with ``Z`` (a time without a zone is
    read as UTC, as the UN's exports are)."""
    if generated is None:
        return None
    return to_rfc3339(generated if generated.tzinfo else generated.replace(tzinfo=UTC))
