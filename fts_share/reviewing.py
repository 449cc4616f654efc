"""Reviewer services that need the node (its keys, its roster) around the audit core."""

from __future__ import annotations

from typing import Any, Callable

from fts_share.audit.verify import VerificationReport, verify_log
from fts_share.storage.audit_store import audit_store
from fts_share.crypto.keys import PublicKey, verify_signature
from fts_share.errors import FtsError
from fts_share.node import Node


def key_lookup(node: Node) -> Callable[[str], Callable[[bytes, bytes], None] | None]:
    """Verifiers for this node's tree-head keys: the current one, and earlier ones as
    the roster lists them (after a rotation)."""

    def verifier(pub: PublicKey) -> Callable[[bytes, bytes], None]:
        return lambda sig, data: verify_signature(pub, sig, data)

    def lookup(kid: str) -> Callable[[bytes, bytes], None] | None:
        if kid == node.signing.kid:
            return verifier(node.signing.public())
        try:
            return verifier(node.roster.key(node.code, kid, use="sign").key)
        except FtsError:
            return None

    return lookup


def verify_node_log(node: Node) -> VerificationReport:
    """Recompute this node's audit tree and check every signed tree head."""
    with node.store.read() as session:
        return verify_log(audit_store(session), lookup_key=key_lookup(node))


def report_json(report: VerificationReport) -> dict[str, Any]:
    """The verification report for the API and the CLI."""
    return report.to_json()


def notice_sections(session: Any, *, now: Any) -> dict[str, Any]:
    """Report sections from the notice tables: past review date, purges, the gender
    analysis (subjects by sex) and minors."""
    from sqlalchemy import func, select

    from fts_share.storage.notices import latest_versions
    from fts_share.storage.models import Notice

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
    return {"notices": len(rows), "subjects_by_sex": by_sex, "minors": minors,
            "past_review_date": past,
            "purged_versions": int(session.scalar(select(func.count()).select_from(Notice)
                                                  .where(Notice.purged_at.is_not(None))) or 0)}


def compliance(session: Any, *, now: Any, since: Any = None, until: Any = None) -> dict[str, Any]:
    """The compliance report: audit counts plus the notice sections."""
    from fts_share.audit.report import compliance_report

    doc = compliance_report(audit_store(session), since=since, until=until).to_json()
    doc["notices"] = notice_sections(session, now=now)
    return doc
