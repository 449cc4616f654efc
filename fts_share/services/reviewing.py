"""Reviewing the audit log: entries, signed tree heads, proofs, verification, exports,
findings and the compliance report. Reviewers read the log; they never see notice
content. What a reviewer does (verify, export) is itself logged."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fts_share.audit import log as audit_log
from fts_share.audit import merkle
from fts_share.audit.crosscheck import list_findings
from fts_share.audit.entry import ACTIONS, OUTCOMES
from fts_share.audit.errors import VerificationError
from fts_share.audit.export import export_csv, export_jsonl
from fts_share.audit.query import EntryQuery, entry_to_json, list_entries, parse_query
from fts_share.audit.report import compliance_report
from fts_share.audit.verify import VerificationReport, verify_log
from fts_share.clock import to_rfc3339
from fts_share.crypto.keys import PublicKey, verify_signature
from fts_share.errors import FtsError
from fts_share.services import dissemination, recovery
from fts_share.services.node import Node
from fts_share.services.unit import Work, reading
from fts_share.storage.audit_store import audit_store
from fts_share.storage.audit_tables import AuditEntry
from fts_share.storage.models import Notice
from fts_share.storage.notices import latest_versions

Verifier = Callable[[bytes, bytes], None]
EXPORT_FORMATS = ("jsonl", "csv")
#: The actions and outcomes an entry may have (the choices of the log's filters).
ENTRY_ACTIONS: tuple[str, ...] = tuple(ACTIONS)
ENTRY_OUTCOMES: tuple[str, ...] = tuple(OUTCOMES)


def key_lookup(node: Node) -> Callable[[str], Verifier | None]:
    """Verifiers for this node's tree-head keys: the current one, and earlier ones as
    the roster lists them (after a rotation)."""

    def verifier(pub: PublicKey) -> Verifier:
        return lambda sig, data: verify_signature(pub, sig, data)

    def lookup(kid: str) -> Verifier | None:
        if kid == node.signing.kid:
            return verifier(node.signing.public())
        try:
            return verifier(node.roster.key(node.code, kid, use="sign").key)
        except FtsError:
            return None

    return lookup


def head_pending(node: Node, now: datetime) -> Callable[[datetime], bool]:
    """Whether an entry appended at a given time may still wait for its every-N head:
    within two ``head_tick`` plus a poll interval (the holder may be mid-round)."""
    settings = node.config
    grace = timedelta(seconds=2 * settings.audit.head_tick
                      + settings.federation.poll_interval + 60)
    return lambda appended: now - appended < grace


def verify_node_log(node: Node, now: datetime | None = None) -> VerificationReport:
    """Recompute this node's audit tree and check every signed tree head (with ``now``,
    an every-N head not signed yet for an entry of moments ago is a warning)."""
    with node.store.read() as session:
        return verify_log(audit_store(session), lookup_key=key_lookup(node),
                          head_every=node.config.audit.head_every,
                          restores=recovery.marks(session), node=node.code,
                          pending=None if now is None else head_pending(node, now))


def verify(work: Work, *, actor: str, via: str | None = None) -> VerificationReport:
    """Verify the whole log (in its own read), then log the verification in ``work``."""
    report = verify_node_log(work.node, work.now)
    detail: dict[str, Any] = {"entries": report.entries, "ok": report.ok}
    if via:
        detail["via"] = via
    audit_log.record(work.audit, now=work.now, actor=actor, action="audit_verify",
                     outcome="ok" if report.ok else "error", detail=detail)
    return report


def report_json(report: VerificationReport) -> dict[str, Any]:
    """The verification report for the API and the CLI."""
    return report.to_json()


def tree_head(work: Work) -> dict[str, Any]:
    """This node's newest signed tree head, signing a fresh one if the log grew."""
    return dissemination.current_tree_head(work)


def recent_tree_heads(work: Work, *, limit: int = 10) -> list[dict[str, Any]]:
    """The newest signed tree heads, newest first."""
    return [h.to_json() for h in audit_log.tree_heads(work.audit, limit=limit)]


def entries(work: Work, args: Mapping[str, Any]) -> dict[str, Any]:
    """One page of entries filtered by ``args`` (as ``parse_query`` takes them)."""
    page = list_entries(work.audit, parse_query(args))
    return {"items": [entry_to_json(e) for e in page.entries], "next": page.next_cursor}


def inclusion(work: Work, index: int, size: int | None = None) -> dict[str, Any]:
    """The RFC 9162 inclusion proof of entry ``index`` in the tree of ``size`` (default:
    the whole log)."""
    size = size or audit_log.log_size(work.audit)
    proof = audit_log.inclusion_proof(work.audit, index, size)
    entry = work.session.get(AuditEntry, index)
    return {"index": index, "size": size,
            "entry": entry_to_json(entry) if entry is not None else None,
            "leaf_hash": entry.leaf_hash.hex() if entry is not None else None,
            "root": audit_log.root_at(work.audit, size).hex(),
            "proof": [p.hex() for p in proof]}


def consistency(work: Work, first: int, second: int | None = None) -> dict[str, Any]:
    """The RFC 9162 consistency proof between the trees of ``first`` and ``second``."""
    second = second or audit_log.log_size(work.audit)
    proof = audit_log.consistency_proof(work.audit, first, second)
    return {"first": first, "second": second,
            "first_root": audit_log.root_at(work.audit, first).hex(),
            "second_root": audit_log.root_at(work.audit, second).hex(),
            "proof": [p.hex() for p in proof]}


def checked_inclusion(work: Work, index: int, size: int | None = None) -> dict[str, Any]:
    """The inclusion proof of one entry, verified here against the root, and whether
    the signed tree head covers it (the reviewer's proof page)."""
    head = tree_head(work)
    size = size or int(head["size"])
    path = audit_log.inclusion_proof(work.audit, index, size)
    root = audit_log.root_at(work.audit, size)
    entry = work.session.get(AuditEntry, index)
    leaf = bytes(entry.leaf_hash) if entry is not None else b""
    doc = entry_to_json(entry) if entry is not None else None
    try:
        merkle.verify_inclusion(leaf_hash=leaf, index=index, size=size, proof=path, root=root)
        verified, problem = True, None
    except VerificationError as exc:
        verified, problem = False, str(exc)
    signed = head if int(head["size"]) == size else None
    return {"entry": doc, "leaf": leaf.hex(), "root": root.hex(), "path": [p.hex() for p in path],
            "size": size, "verified": verified, "problem": problem, "signed": signed,
            "matches_head": signed is not None and signed["root"] in (root.hex(),)}


def start_export(work: Work, *, actor: str, fmt: str, filters: Mapping[str, Any] | None = None,
                 via: str | None = None) -> EntryQuery:
    """Check the filters and log the export (before any of it is sent); the query to
    stream with :func:`export_lines`."""
    query = parse_query(filters or {})
    detail: dict[str, Any] = {"format": fmt}
    if filters is not None:
        detail["filters"] = dict(filters)
    if via:
        detail["via"] = via
    audit_log.record(work.audit, now=work.now, actor=actor, action="export",
                     object_type="audit_log", detail=detail)
    return query


def export_lines(node: Node, query: EntryQuery | None, fmt: str, *,
                 now: datetime) -> Iterator[str]:
    """The entries as CSV or JSON Lines, read in a session of their own (a response
    streams after its request's unit of work has ended)."""
    with reading(node, now) as work:
        yield from (export_csv(work.audit, query) if fmt == "csv"
                    else export_jsonl(work.audit, query))


def findings(work: Work) -> list[dict[str, Any]]:
    """Split views and inconsistent histories detected in partners' logs."""
    return [{"peer": f.peer, "kind": f.kind, "detected_at": to_rfc3339(f.detected_at),
             "detail": f.detail, "first": f.first_head, "second": f.second_head}
            for f in list_findings(work.audit)]


def _notice_sections(session: Session, *, now: datetime) -> dict[str, Any]:
    """Report sections from the notice tables: past review date, purges, the gender
    analysis (subjects by sex) and minors."""
    rows = session.scalars(latest_versions()).all()
    by_sex: dict[str, int] = {}
    minors_by_sex: dict[str, int] = {}
    for r in rows:
        sex = r.subject_sex or "unknown"
        by_sex[sex] = by_sex.get(sex, 0) + 1
        if r.subject_minor:
            minors_by_sex[sex] = minors_by_sex.get(sex, 0) + 1
    minors = {"total": sum(minors_by_sex.values()), "by_sex": minors_by_sex}
    past = [{"id": r.notice_id, "version": r.version, "origin": r.origin,
             "review_date": r.review_date.isoformat(), "status": r.status}
            for r in rows if r.review_date < now.date() and r.purged_at is None]
    purged = session.scalar(select(func.count()).select_from(Notice)
                            .where(Notice.purged_at.is_not(None)))
    return {"notices": len(rows), "subjects_by_sex": by_sex, "minors": minors,
            "past_review_date": past, "purged_versions": int(purged or 0)}


def compliance(work: Work, *, since: datetime | None = None,
               until: datetime | None = None) -> dict[str, Any]:
    """The compliance report: audit counts plus the notice sections."""
    doc = compliance_report(work.audit, since=since, until=until).to_json()
    doc["notices"] = _notice_sections(work.session, now=work.now)
    return doc
