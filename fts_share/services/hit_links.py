"""What a screening hit leads to: the decision taken on it (the status of the newest
alert on its record, or on its received notice) and the watchlist entry it names.

A hit's reference is a watchlist record id: ``notice:{origin}:{id}`` for a received
notice's subject (shown on the notice's page, behind its purpose gate), anything else
for a list entry (UN or national list), which :func:`list_entry` shows read-only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import or_, select

from fts_share.audit.log import record
from fts_share.errors import NotFound
from fts_share.services.unit import Work
from fts_share.storage.models import Alert, WatchlistEntry

NOTICE_PREFIX = "notice:"
#: a hit no alert was raised on
NO_ALERT = "none"
#: the decisions a hit can be filtered by (alert statuses, and no alert)
DECISIONS = ("new", "confirmed", "dismissed", NO_ALERT)


def notice_of(reference: str) -> tuple[str, str] | None:
    """``(origin, notice id)`` of a ``notice:{origin}:{id}`` reference, else None."""
    if not reference.startswith(NOTICE_PREFIX):
        return None
    origin, _sep, notice_id = reference[len(NOTICE_PREFIX):].partition(":")
    return (origin, notice_id) if origin and notice_id else None


def decisions(work: Work, references: Iterable[str]) -> dict[str, dict[str, Any]]:
    """For each reference: ``decision`` (the status of the newest alert on the record,
    or raised on the received notice; :data:`NO_ALERT` if none) and ``alert`` (its id)."""
    refs = sorted({r for r in references if r})
    notices = {n[1]: r for r in refs if (n := notice_of(r))}
    out: dict[str, dict[str, Any]] = {r: {"decision": NO_ALERT, "alert": None} for r in refs}
    if not refs:
        return out
    query = select(Alert.id, Alert.record_id, Alert.notice_id, Alert.status).where(or_(
        Alert.record_id.in_(refs), Alert.notice_id.in_(list(notices) or [""])))
    for alert_id, record_id, notice_id, status in work.session.execute(
            query.order_by(Alert.id)):
        for ref in {record_id if record_id in out else None, notices.get(notice_id)} - {None}:
            out[str(ref)] = {"decision": status, "alert": alert_id}
    return out


def list_entry(work: Work, entry_id: str, *, actor: str) -> dict[str, Any]:
    """A UN or national list entry, read-only: names, reference, list, regime, measures
    (:class:`NotFound` for an unknown id or a received notice's subject, which is read
    on the notice's page). Each opening is logged (``open`` of a ``list_entry``): a
    national list's entries are personal data."""
    entry = work.session.get(WatchlistEntry, entry_id)
    if entry is None or entry.source == "notice" or notice_of(entry_id):
        raise NotFound(f"no list entry {entry_id}")
    record(work.audit, now=work.now, actor=actor, action="open", object_type="list_entry",
           object_id=entry.id, partner=None, detail={"list": entry.source})
    return {"reference": entry.id, "source": entry.source, "kind": entry.kind,
            "regime": entry.regime, "names": list(entry.names or []),
            "measures": list(entry.measures or []), "active": entry.active,
            "updated": entry.updated}
