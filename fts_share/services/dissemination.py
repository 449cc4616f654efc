"""Dissemination: sealing envelopes to recipients in the outbox, recalling re-shared
copies, and serving a partner the signed pages of its link."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from fts_share.audit.log import latest_tree_head, log_size, record, record_many, sign_tree_head
from fts_share.clock import to_rfc3339
from fts_share.federation import outbox
from fts_share.federation.feed import MAX_PAGE_LIMIT, build_page, page_json
from fts_share.federation.outbox import OutboxEntry, Sender
from fts_share.services import logcheck, recovery
from fts_share.services.unit import Work
from fts_share.storage.outbox import SqlOutbox

__all__ = ["MAX_PAGE_LIMIT", "append", "feed_page", "page_json", "recall_shares", "sender",
           "tombstone"]


def sender(work: Work) -> Sender:
    """This node as the author of envelopes."""
    return Sender(code=work.node.code, signer=work.node.signing)


def append(work: Work, *, payload: Mapping[str, Any], kind: str, label: str,
           recipients: Sequence[str], notice_id: str, notice_version: int) -> OutboxEntry:
    """Seal ``payload`` for ``recipients`` (under the roster in force) and append it to
    the outbox and their links."""
    return outbox.append(SqlOutbox(work.session), sender(work), roster=work.node.roster,
                         payload=payload, kind=kind, label=label, recipients=recipients,
                         notice_id=notice_id, notice_version=notice_version, now=work.now)


def tombstone(work: Work, *, notice_id: str, version: int, recipients: Sequence[str],
              reason: str, officer: str, label: str) -> OutboxEntry:
    """A signed tombstone of notice ``notice_id`` to ``recipients``: they purge it."""
    payload = {"tombstone": {"id": notice_id, "version": version, "reason": reason,
                             "officer": officer, "created": to_rfc3339(work.now)}}
    return append(work, payload=payload, kind="tombstone", label=label, recipients=recipients,
                  notice_id=notice_id, notice_version=version)


def recall_shares(work: Work, *, notice_id: str, origin: str, reason: str) -> list[str]:
    """When a notice this node re-shared is superseded or withdrawn at its source,
    recall the copies: a signed ``recall`` to every partner it was shared with, who
    then purge the copy they got from this node."""
    shared = SqlOutbox(work.session).shares_of(notice_id)
    recipients = sorted({r for _, r in shared})
    if not recipients:
        return []
    payload = {"recall": {"id": notice_id, "origin": origin, "reason": reason,
                          "created": to_rfc3339(work.now)}}
    append(work, payload=payload, kind="tombstone", label=shared[0][0], recipients=recipients,
           notice_id=notice_id, notice_version=0)
    record(work.audit, now=work.now, actor="system", action="withdraw",
           object_type="shared_copy", object_id=notice_id, partner=origin,
           detail={"recalled_from": recipients, "reason": reason})
    return recipients


def current_tree_head(work: Work) -> dict[str, Any]:
    """This node's newest signed tree head, signing a fresh one if the log grew."""
    latest = latest_tree_head(work.audit)
    if latest is not None and latest.size == log_size(work.audit):
        return latest.to_json()
    key = work.node.signer()
    head = sign_tree_head(work.audit, now=work.now, sign=key.sign, key_id=key.kid)
    return head.to_json()


def feed_page(work: Work, *, partner: str, after: int, limit: int,
              tree_size: int | None, held_seq: int | None = None,
              raw: bool = False) -> dict[str, Any]:
    """The signed page of ``partner``'s link after ``after`` (each delivery logged), with
    this node's tree head, a consistency proof from ``tree_size``, the findings about
    ``partner`` and the heads of other partners (see docs/protocol.md). ``after`` and
    ``held_seq`` (the highest sequence of this node the partner holds) tell a restored
    node where its link and sequence go on ("Recovery after a restore"). With ``raw``
    the envelopes are their stored JSON texts (:func:`~fts_share.federation.feed.page_json`
    writes the page)."""
    session: Session = work.session
    links = SqlOutbox(session)
    links.learn(partner, after=after, held_seq=held_seq)  # and link_page reuses its head
    page, seqs = build_page(links, sender(work), partner=partner, after=after,
                            limit=limit, now=work.now, tree_head=None,
                            roster_version=work.node.roster.version, raw=raw)
    record_many(work.audit, [{"now": work.now, "actor": f"node:{partner}", "action": "deliver",
                              "object_type": "envelope", "object_id": str(seq),
                              "partner": partner} for seq in seqs])
    head = current_tree_head(work)
    page["tree_head"] = head
    page["tree_consistency"] = logcheck.consistency_for(session, have=tree_size,
                                                        head_size=head["size"])
    page["findings"] = logcheck.findings_about(session, partner)
    page["peer_heads"] = logcheck.relayed_heads(session, members=work.node.roster.members,
                                                exclude={partner, work.node.code})
    restored = recovery.announcement(session, node=work.node.code, key=work.node.signer())
    if restored is not None:  # only once restored: epoch 0 sends nothing new
        page["restore"] = restored
    return page
