"""Screening at a partner node (the Prüm model): the answer is hit / no-hit, the
strength and the reference, never the content. Both ends log the query."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from fts_share.audit.log import record
from fts_share.storage.audit_store import audit_store
from fts_share.errors import FtsError, ProtocolError
from fts_share.federation.http import PartnerClient
from fts_share.node import Node


def screen_at(node: Node, partner: str, *, body: dict[str, Any], actor: str,
              now: datetime) -> dict[str, Any]:
    """Send a screening (``body`` as for ``POST /api/v1/screen``) to ``partner``,
    signed as this node; log it here with its purpose and legal basis."""
    member = node.roster.member(partner, now=now)
    client = PartnerClient(key=node.signing, timeout=node.config.federation.request_timeout,
                           ttl=node.config.federation.signature_ttl)
    outcome: str = "ok"
    detail: dict[str, Any] = {}
    try:
        resp = client.request("POST", f"{member.url}/api/v1/screen", now=now, body=body)
        answer = resp.json()
        if resp.status != 200 or not isinstance(answer, dict):
            outcome = "refused" if 400 <= resp.status < 500 else "error"
            raise ProtocolError(f"{partner} answered HTTP {resp.status}: "
                                f"{answer.get('detail') if isinstance(answer, dict) else ''}")
        results: Sequence[Any] = answer.get("results", [answer])
        detail = {"queries": len(results),
                  "with_hits": sum(1 for r in results if isinstance(r, dict) and r.get("hit"))}
        return answer
    except FtsError as exc:
        outcome = outcome if outcome != "ok" else "error"
        detail = {"error": str(exc)[:300]}
        raise
    finally:
        with node.store.transaction() as session:
            record(audit_store(session), now=now, actor=actor, action="screen", object_type="remote_screening",
                   object_id=partner, partner=partner, purpose=str(body.get("purpose", ""))[:64],
                   legal_basis=list(body.get("legal_basis", [])), outcome=outcome, detail=detail)
