"""Witnessed audit heads: this node signs tree heads on a schedule, partners keep the
heads they receive as witnesses, and ``audit verify`` asks them for those heads.

The schedule (``[audit]`` in the node's config):

- ``head_every`` (default 1000): :func:`sign_scheduled_heads`, called by the poller's
  loop every ``head_tick`` seconds (default 5), signs a head of size k·N for every
  multiple k·N the log reached since its newest head;
- ``head_interval`` (default 300 s): :func:`sign_due_head`, called by the poller's
  loop, signs a head when the log grew since the newest head and that head is older.

Only the process that holds the poller's lease runs that loop, so of several workers
one signs heads; the appending workers never do. The signing transactions take the
append lock and decide again, so a lease that changes hands never signs a head twice.

Heads reach partners with every feed page (``tree_head``); partners keep them
(:mod:`fts_share.audit.crosscheck`) and give them back on
``GET /api/v1/audit/witnessed-heads`` (:func:`witnessed_heads`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fts_share.audit.errors import VerificationError
from fts_share.audit.heads import SignedTreeHead, make_tree_head
from fts_share.audit.log import current_root, head_from_record, latest_tree_head, log_size, root_at
from fts_share.audit.verify import VerificationReport, verify_log
from fts_share.audit.witness import Witnessed
from fts_share.errors import FtsError
from fts_share.federation.http import PartnerClient
from fts_share.services import recovery
from fts_share.services.node import Node
from fts_share.services.reviewing import head_pending, key_lookup
from fts_share.services.unit import Work, reading, unit_of_work
from fts_share.storage.audit_store import audit_store

#: The most heads one answer of ``witnessed-heads`` holds (the largest ones).
MAX_WITNESSED = 1000


def _due(latest: SignedTreeHead | None, size: int, now: datetime, interval: float) -> bool:
    if size == 0 or (latest is not None and latest.size >= size):
        return False
    return latest is None or now - latest.time >= timedelta(seconds=interval)


def sign_due_head(node: Node, now: datetime) -> dict[str, Any] | None:
    """Sign a head if the log grew since the newest head and that head is at least
    ``[audit] head_interval`` seconds old (or there is none); the head, or None.

    A cheap read decides first; the signing transaction takes the append lock and
    decides again, so that several workers never sign the same head twice.
    """
    interval = node.config.audit.head_interval
    if interval <= 0:
        return None
    with reading(node, now) as work:
        if not _due(latest_tree_head(work.audit), log_size(work.audit), now, interval):
            return None
    with unit_of_work(node, now) as work:
        size, root = current_root(work.audit)  # the append lock
        if not _due(latest_tree_head(work.audit), size, now, interval):
            return None
        key = node.signer()
        head = make_tree_head(size=size, root=root, time=now, key_id=key.kid, sign=key.sign)
        work.audit.add_tree_head(head)
    return head.to_json()


def _missing(latest: SignedTreeHead | None, size: int, every: int) -> list[int]:
    done = latest.size if latest is not None else 0
    return [k * every for k in range(done // every + 1, size // every + 1)]


def sign_scheduled_heads(node: Node, now: datetime) -> list[dict[str, Any]]:
    """Sign a head of size k·``[audit] head_every`` for each multiple the log reached
    since its newest head (none when ``head_every`` is 0); the heads signed."""
    every = node.config.audit.head_every
    if every <= 0:
        return []
    with reading(node, now) as work:
        if not _missing(latest_tree_head(work.audit), log_size(work.audit), every):
            return []
    signed = []
    with unit_of_work(node, now) as work:
        size, _ = current_root(work.audit)  # the append lock
        key = node.signer()
        for due in _missing(latest_tree_head(work.audit), size, every):
            head = make_tree_head(size=due, root=root_at(work.audit, due), time=now,
                                  key_id=key.kid, sign=key.sign)
            work.audit.add_tree_head(head)
            signed.append(head.to_json())
    return signed


def witnessed_heads(work: Work, *, node_code: str, witness: str,
                    limit: int = MAX_WITNESSED) -> dict[str, Any]:
    """The heads of ``node_code`` this node holds as a witness, largest first."""
    rows = work.audit.peer_heads(node_code)
    chosen = sorted(rows, key=lambda r: (r.size, r.id), reverse=True)[:limit]
    return {"node": node_code, "witness": witness, "total": len(rows),
            "heads": [head_from_record(r).to_json() for r in chosen]}


@dataclass
class PartnerAnswers:
    """What the partners said: the heads they witnessed, and who could not be asked."""

    heads: list[Witnessed] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)
    unreachable: dict[str, str] = field(default_factory=dict)


def ask_partners(node: Node, now: datetime) -> PartnerAnswers:
    """Ask every active partner (a signed request) for the heads of this node it
    witnessed. A partner that cannot be reached or answers badly is listed, with why."""
    settings = node.config.federation
    client = PartnerClient(key=node.signer(), timeout=settings.request_timeout,
                           ttl=settings.signature_ttl)
    answers = PartnerAnswers()
    query = urlencode({"node": node.code, "limit": MAX_WITNESSED})
    for member in node.roster.partners(exclude=node.code, now=now):
        try:
            resp = client.request("GET", f"{member.url}/api/v1/audit/witnessed-heads?{query}",
                                  now=now)
            if resp.status != 200:
                raise FtsError(f"answered HTTP {resp.status}")
            heads = [SignedTreeHead.from_json(h) for h in _heads_of(resp.json())]
        except (FtsError, VerificationError) as exc:
            answers.unreachable[member.code] = str(exc)[:300]
            continue
        answers.asked.append(member.code)
        answers.heads.extend((member.code, h) for h in heads)
    return answers


def _heads_of(doc: Any) -> list[Any]:
    heads = doc.get("heads") if isinstance(doc, dict) else None
    if not isinstance(heads, list):
        raise FtsError("answered without a list of heads")
    return heads[:MAX_WITNESSED]


def verify_witnessed(node: Node, *, now: datetime,
                     offline: bool = False) -> tuple[VerificationReport, PartnerAnswers]:
    """Verify the log against its stored heads, the head schedule and (unless
    ``offline``) the heads the partners witnessed; an unreachable partner is a warning
    in the report."""
    answers = PartnerAnswers()
    if not offline:
        try:
            answers = ask_partners(node, now)
        except FtsError as exc:  # e.g. no roster: no partner to ask
            answers.unreachable["all"] = str(exc)[:300]
    with node.store.read() as session:
        report = verify_log(audit_store(session), lookup_key=key_lookup(node),
                            witnessed=answers.heads, head_every=node.config.audit.head_every,
                            restores=recovery.marks(session), node=node.code,
                            pending=head_pending(node, now))
    report.warnings.extend(f"partner {code} could not be asked: {why}"
                           for code, why in sorted(answers.unreachable.items()))
    return report, answers
