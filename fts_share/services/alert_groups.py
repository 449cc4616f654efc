"""Alerts from received notices' matches: one alert per subject, or one per match.

Screening a received notice version (a *sighting*) gives its best hit per watchlist
record. With grouping on (``[alerts] grouping``, the default) the sighting joins the
alert of its subject, or opens one:

1. The sighting is linked to an earlier received notice when that notice is the same
   one (a later version), shares a document number with it, or matched it at or above
   ``[alerts] link_score`` (higher than the alert threshold: a common name alone does
   not make two people one).
2. If any linked notice is already a sighting of an alert, the sighting joins the
   oldest such alert; else it opens a new alert, and the linked notices without one
   join it too.
3. Every match of the sighting is stored under the alert (``alert_matches``) and
   audited (``match_created``); the alert shows its best match (and the most serious
   kind of its matches).

With grouping off, every match is an alert of its own, as before grouping.

A page of sightings is planned in memory, in order, then written with one statement
per table, so a page screened as a batch gives what one-by-one screening gives.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fts_share.audit.log import record_many
from fts_share.matching import Hit
from fts_share.services.unit import Work
from fts_share.storage.alerts import (
    EntryFacts,
    alerts_by_id,
    hit_entries,
    insert_alerts,
    insert_matches,
    insert_sightings,
    owners_of,
)
from fts_share.storage.models import Alert, AlertDecision
from fts_share.watchlist.un_xml import TRAVEL_BAN

#: how serious each kind of match is (an alert shows the most serious of its matches)
SEVERITY = {"match": 0, "sanctions_hit": 1, "travel_ban_hit": 2}
NOTICE_PREFIX = "notice:"
Ref = tuple[int, int]  # (0, id) an alert already stored; (1, k) the k-th new one
BEST = ("record_id", "source", "kind", "score", "explanation", "measures")
BORDER_MOVEMENTS = ("departure", "transit", "arrival", "attempted_crossing", "return",
                    "relocation")


def explanation_of(hit: Hit) -> dict[str, Any]:
    """A hit's explanation, as stored with a match."""
    return dict(hit.explanation.to_dict())


def alert_kind(entry: EntryFacts | None, movement: str | None) -> str:
    """``travel_ban_hit`` (a UN travel ban and a border movement), ``sanctions_hit``
    (another UN record) or ``match`` (any other record)."""
    if entry is None or entry.source != "un":
        return "match"
    if TRAVEL_BAN in entry.measures and movement in BORDER_MOVEMENTS:
        return "travel_ban_hit"
    return "sanctions_hit"


@dataclass(frozen=True)
class Sighting:
    """One received notice version and its best hit per watchlist record."""

    notice_id: str
    version: int
    origin: str
    legal_basis: Sequence[str]
    movement: str | None
    documents: Sequence[str]
    own_id: str
    hits: Mapping[str, Hit]


@dataclass
class _Plan:
    """What a page of sightings writes, in order."""

    new: list[dict[str, Any]] = field(default_factory=list)
    best: dict[Ref, dict[str, Any]] = field(default_factory=dict)
    sightings: list[tuple[Ref, dict[str, Any]]] = field(default_factory=list)
    matches: list[tuple[Ref, dict[str, Any], Sighting, str]] = field(default_factory=list)


def _doc_key(number: str) -> str:
    return re.sub(r"[\s\-./]", "", number).upper()


def shares_document(docs: Sequence[str], entry: EntryFacts | None) -> bool:
    """Whether a subject's document numbers and a record's have one in common."""
    if entry is None or not docs:
        return False
    return bool({_doc_key(d) for d in docs} & {_doc_key(d) for d in entry.documents or []})


def _links(s: Sighting, ranked: Sequence[tuple[str, Hit]],
           entries: Mapping[str, EntryFacts], link_score: float) -> list[tuple[str, str]]:
    """The earlier received notices ``s`` is linked to, with why (its own first)."""
    found = [(s.own_id, "same_notice")]
    for rid, hit in ranked:
        if not rid.startswith(NOTICE_PREFIX):
            continue
        if shares_document(s.documents, entries.get(rid)):
            found.append((rid, "document"))
        elif float(hit.score) >= link_score:
            found.append((rid, "score"))
    return found


def _match_row(work: Work, s: Sighting, rid: str, hit: Hit,
               entry: EntryFacts | None) -> dict[str, Any]:
    return {"created": work.now, "notice_id": s.notice_id, "notice_version": s.version,
            "record_id": rid, "source": entry.source if entry else "unknown",
            "kind": alert_kind(entry, s.movement), "score": round(float(hit.score), 4),
            "explanation": explanation_of(hit),
            "measures": list(entry.measures) if entry else []}


def _sighting_row(work: Work, *, notice_id: str, version: int, origin: str, record_id: str,
                  linked_by: str) -> dict[str, Any]:
    return {"created": work.now, "notice_id": notice_id, "notice_version": version,
            "origin": origin, "record_id": record_id, "linked_by": linked_by}


def _open(plan: _Plan, work: Work, s: Sighting, best: Mapping[str, Any]) -> Ref:
    ref: Ref = (1, len(plan.new))
    plan.new.append({"created": work.now, "notice_id": s.notice_id,
                     "notice_version": s.version, "status": "new",
                     **{k: best[k] for k in BEST}})
    plan.best[ref] = plan.new[-1]
    return ref


def _improve(best: dict[str, Any], match: Mapping[str, Any]) -> None:
    """Keep the best-scoring match on the alert, and the most serious kind."""
    kind = max(best["kind"], match["kind"], key=lambda k: SEVERITY.get(k, 0))
    if match["score"] > best["score"]:
        best.update({k: match[k] for k in BEST})
    best["kind"] = kind


def _place(plan: _Plan, work: Work, s: Sighting, rows: list[dict[str, Any]],
           links: list[tuple[str, str]], owners: dict[str, Ref],
           entries: Mapping[str, EntryFacts]) -> tuple[Ref, str]:
    """The alert the sighting joins (or opens), and why; the earlier notices it is
    linked to that are not yet sightings of an alert join that alert too."""
    owned = [(owners[rid], why) for rid, why in links if rid in owners]
    if owned:
        ref, why = min(owned, key=lambda o: o[0])
        for row in rows:
            _improve(plan.best[ref], row)
    else:
        ref, why = _open(plan, work, s, rows[0]), "opened"
        for row in rows[1:]:
            _improve(plan.best[ref], row)
    owners.setdefault(s.own_id, ref)
    for rid, reason in links[1:]:
        data = (entries[rid].data or {}) if rid in entries else {}
        if rid in owners or not data.get("notice"):
            continue
        owners[rid] = ref
        plan.sightings.append((ref, _sighting_row(
            work, notice_id=str(data["notice"]), version=int(data.get("version", 1)),
            origin=str(data.get("origin", "")), record_id=rid, linked_by=reason)))
    return ref, why


def _plan(work: Work, plan: _Plan, page: Sequence[Sighting],
          entries: Mapping[str, EntryFacts], owners: dict[str, Ref]) -> _Plan:
    """Place every sighting of the page, in order (no I/O: ``plan.best`` holds the
    stored alerts the page may join, ``owners`` their sightings' records)."""
    settings = work.node.config.alerts
    for s in page:
        ranked = sorted(s.hits.items(), key=lambda kv: (-kv[1].score, kv[0]))
        rows = [_match_row(work, s, rid, hit, entries.get(rid)) for rid, hit in ranked]
        if not rows:
            continue
        if not settings.grouping:
            for row in rows:
                ref = _open(plan, work, s, row)
                plan.sightings.append((ref, _sighting_row(
                    work, notice_id=s.notice_id, version=s.version, origin=s.origin,
                    record_id=s.own_id, linked_by="opened")))
                plan.matches.append((ref, row, s, "opened"))
            continue
        links = _links(s, ranked, entries, settings.link_score)
        ref, why = _place(plan, work, s, rows, links, owners, entries)
        plan.sightings.append((ref, _sighting_row(
            work, notice_id=s.notice_id, version=s.version, origin=s.origin,
            record_id=s.own_id, linked_by=why)))
        plan.matches.extend((ref, row, s, why) for row in rows)
    return plan


def _owners(work: Work, page: Sequence[Sighting]) -> dict[str, Ref]:
    """The stored alerts the page's notices and the notices they matched belong to."""
    if not work.node.config.alerts.grouping:
        return {}
    wanted = {s.own_id for s in page}
    wanted |= {rid for s in page for rid in s.hits if rid.startswith(NOTICE_PREFIX)}
    return {rid: (0, i) for rid, i in owners_of(work.session, wanted).items()}


def _audit_rows(work: Work, plan: _Plan, alert_id: Callable[[Ref], int]
                ) -> list[dict[str, Any]]:
    """One ``match_created`` entry per match, on its alert."""
    grouped = work.node.config.alerts.grouping
    return [
        {"now": work.now, "actor": "system", "action": "match_created",
         "object_type": "alert", "object_id": str(alert_id(ref)), "object_version": None,
         "partner": s.origin, "legal_basis": list(s.legal_basis),
         "detail": {"notice": row["notice_id"], "notice_version": row["notice_version"],
                    "record": row["record_id"], "score": row["score"], "kind": row["kind"],
                    **({"sighting": why} if grouped else {})}}
        for ref, row, s, why in plan.matches]


def _reopen(work: Work, plan: _Plan, held: Mapping[int, Alert]) -> list[dict[str, Any]]:
    """A confirmed or dismissed alert that a new sighting or match joins is reopened
    (status ``new``): the officer sees the person again. The decision is kept in the
    alert's history, by ``system`` with its reason, and logged (``match_decided``)."""
    joined: dict[int, Sighting] = {}
    for ref, _, s, _ in plan.matches:
        if ref[0] == 0:
            joined.setdefault(ref[1], s)
    entries = []
    for i, s in joined.items():
        alert = held[i]
        if alert.status == "new":
            continue
        reason = f"a new sighting joined: notice {s.notice_id} version {s.version} from {s.origin}"
        work.session.add(AlertDecision(alert_id=i, at=work.now, actor="system",
                                       decision="reopened", previous=alert.status,
                                       reason=reason))
        entries.append({"now": work.now, "actor": "system", "action": "match_decided",
                        "object_type": "alert", "object_id": str(i), "object_version": None,
                        "partner": s.origin, "legal_basis": list(s.legal_basis),
                        "detail": {"decision": "reopened", "previous": alert.status,
                                   "notice": s.notice_id, "reason_given": True}})
        alert.status, alert.decided_by, alert.decided_at = "new", "system", work.now
    return entries


def raise_alerts(work: Work, page: Sequence[Sighting]) -> list[int]:
    """Raise (or add to) the alerts of a page of sightings, in order; store and audit
    every match; a decided alert that a sighting joins is reopened. The ids of the
    alerts raised or added to, in order of first use."""
    entries = hit_entries(work.session, (rid for s in page for rid in s.hits))
    owners = _owners(work, page)
    held = alerts_by_id(work.session, {ref[1] for ref in owners.values()})
    plan = _plan(work, _Plan(best={(0, i): {k: getattr(a, k) for k in BEST}
                                   for i, a in held.items()}), page, entries, owners)
    new_ids = insert_alerts(work.session, plan.new)

    def alert_id(ref: Ref) -> int:
        return ref[1] if ref[0] == 0 else new_ids[ref[1]]

    for i, alert in held.items():  # a better match, or a more serious kind
        for k in BEST:
            setattr(alert, k, plan.best[(0, i)][k])
    insert_sightings(work.session, [{**row, "alert_id": alert_id(ref)}
                                    for ref, row in plan.sightings])
    insert_matches(work.session, [{**row, "alert_id": alert_id(ref)}
                                  for ref, row, _, _ in plan.matches])
    record_many(work.audit, _audit_rows(work, plan, alert_id) + _reopen(work, plan, held))
    return list(dict.fromkeys(alert_id(ref) for ref, _, _, _ in plan.matches))
