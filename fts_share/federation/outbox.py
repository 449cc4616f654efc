"""The outbox: sealing envelopes in this node's sequence and per-partner links.

Every envelope this node seals gets the next global sequence number and the digest of
the previous envelope (a hash chain, as in Secure Scuttlebutt feeds). For each
recipient it also gets the next number ``n`` on that partner's *link*: the partner's
feed is its link in order, and ``n`` is its cursor. A link has no holes, so a partner
can tell a truncated, reordered or gapped page from a complete one.

The outbox itself is kept by a store (:class:`OutboxStore`, implemented in
:mod:`fts_share.storage.outbox`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from fts_share.crypto.envelope import Recipient, envelope_digest, seal
from fts_share.crypto.keys import PrivateKey
from fts_share.federation.roster import Roster


@dataclass(frozen=True)
class OutboxEntry:
    """An envelope sealed by this node, at position ``seq`` of its chain."""

    seq: int
    digest: str
    prev: str | None
    created: datetime
    kind: str
    label: str
    notice_id: str
    notice_version: int
    envelope: dict[str, Any]


class OutboxStore(Protocol):
    """Where the outbox and the per-partner links are kept."""

    def lock(self) -> None:
        """Serialise sequence allocation until the end of the transaction."""

    def last(self) -> tuple[int, str | None] | None:
        """The ``(seq, digest)`` of the newest envelope, if any (after a restore, the
        sequence may be raised past it, and the digest is None if none is held)."""

    def add(self, entry: OutboxEntry, recipients: Sequence[str]) -> None:
        """Store ``entry`` and append it to the links of ``recipients``."""


@dataclass(frozen=True)
class Sender:
    """This node as the author of envelopes: its code and its signing key."""

    code: str
    signer: PrivateKey


def append(store: OutboxStore, sender: Sender, *, roster: Roster, payload: Mapping[str, Any],
           kind: str, label: str, recipients: Sequence[str], notice_id: str,
           notice_version: int, now: datetime) -> OutboxEntry:
    """Seal ``payload`` for ``recipients`` and append it to the outbox and their links."""
    store.lock()
    last = store.last()
    seq = 1 if last is None else last[0] + 1
    prev = None if last is None else last[1]
    codes = sorted(set(recipients))
    keys = [Recipient(node=c, key=roster.encryption_key(c, now=now)) for c in codes]
    envelope = seal(payload, origin=sender.code, seq=seq, prev=prev, created=now, label=label,
                    kind=kind, signer=sender.signer, recipients=keys)
    entry = OutboxEntry(seq=seq, digest=envelope_digest(envelope), prev=prev, created=now,
                        kind=kind, label=label, notice_id=notice_id,
                        notice_version=notice_version, envelope=envelope)
    store.add(entry, codes)
    return entry
