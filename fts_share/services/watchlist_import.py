"""Importing watchlists into the node database, each import one transaction.

The UN SC consolidated list: every regime, aliases with their quality, original
script, variant dates of birth, nationalities, documents and the regime's measures.
Re-importing a newer export updates and adds entries and delists (deactivates) those
that are no longer on it. National watchlists come from CSV.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from fts_share.audit.log import record
from fts_share.clock import to_rfc3339
from fts_share.errors import ImportFailed
from fts_share.services.unit import Work
from fts_share.storage.audit_store import audit_store
from fts_share.storage.models import WatchlistEntry
from fts_share.watchlist.csv_list import parse_watchlist_csv
from fts_share.watchlist.un_xml import UnList, UnListEntry, parse_un_xml

UN_SOURCE = "un"
NATIONAL_SOURCE = "national"


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


def import_un(work: Work, parsed: UnList, *, actor: str) -> dict[str, int]:
    """Upsert every entry of ``parsed``; delist UN entries that are no longer on it."""
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
    counts = {"added": added, "updated": updated, "delisted": delisted,
              "total": len(parsed.entries)}
    record(audit_store(session), now=now, actor=actor, action="watchlist_import", object_type="watchlist",
           object_id="un", detail={**counts, "generated": _stamp(parsed.generated)})
    session.flush()
    return counts


def import_un_file(work: Work, path: Path, *, actor: str) -> dict[str, int]:
    """Read, parse (the whole file first) and import a UN XML export."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ImportFailed(f"{path}: {exc.strerror}") from exc
    return import_un(work, parse_un_xml(data), actor=actor)


def import_csv(work: Work, data: bytes | str, *, list_name: str, actor: str) -> dict[str, int]:
    """Import a national watchlist CSV (all rows or none); ids are namespaced by
    ``list_name``, and rows of that list missing from the file are delisted."""
    session, now = work.session, work.now
    entries = parse_watchlist_csv(data)
    prefix = f"{NATIONAL_SOURCE}:{list_name}:"
    existing = {r.id: r for r in session.scalars(
        select(WatchlistEntry).where(WatchlistEntry.id.startswith(prefix)))}
    seen: set[str] = set()
    for e in entries:
        rid = prefix + e.id
        seen.add(rid)
        row = existing.get(rid) or WatchlistEntry(id=rid, source=NATIONAL_SOURCE)
        row.kind, row.regime = "individual", list_name
        row.names = [e.name, *e.aliases]
        row.dobs, row.nationalities, row.documents = list(e.dob), list(e.nationality), list(e.documents)
        row.measures, row.data, row.active, row.updated = [], {"line": e.line}, True, now
        session.add(row)
    counts = {"total": len(entries), "delisted": _delist(existing, seen, now)}
    record(audit_store(session), now=now, actor=actor, action="watchlist_import", object_type="watchlist",
           object_id=f"national:{list_name}", detail=counts)
    session.flush()
    return counts


def _stamp(generated: datetime | None) -> str | None:
    """The list's own ``dateGenerated`` as RFC 3339 with ``Z`` (a time without a zone is
    read as UTC, as the UN's exports are)."""
    if generated is None:
        return None
    return to_rfc3339(generated if generated.tzinfo else generated.replace(tzinfo=UTC))
