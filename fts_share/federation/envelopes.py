"""Checking a received envelope before anything of it is stored.

The outer signature is checked with the origin's roster key (before anything is
decrypted or parsed), the key must be valid and unrevoked at the envelope's creation
time, the envelope must be addressed to this node, and its sequence must continue the
origin's chain (a second envelope with a known sequence number and another digest is a
*fork*). A re-shared notice must carry its origin's own signature, come from one of its
recipients, and have restrictions that allow re-sharing (never widened).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fts_share.clock import parse_rfc3339
from fts_share.crypto.canonical import strict_loads, unb64u
from fts_share.crypto.envelope import (
    EnvelopeHeader,
    OpenedNotice,
    open_envelope,
    verify_authorship,
    verify_envelope,
)
from fts_share.crypto.keys import PrivateKey, PublicKey
from fts_share.errors import CryptoError, RosterError
from fts_share.federation.feed import PageItem
from fts_share.federation.roster import Roster
from fts_share.federation.wire import violation
from fts_share.notices.rules import NEVER_RESHARED, NO_ONWARD

MAX_FUTURE_SKEW = timedelta(minutes=5)
#: The schema of each payload a statement may carry, by (statement kind, payload member).
PAYLOAD_SCHEMAS = {
    ("notice", "notice"): ("notice", "/$defs/wire"),
    ("notice", "forwarded"): ("statement", "/$defs/forwardedPayload/properties/forwarded"),
    ("tombstone", "tombstone"): ("tombstone", ""),
    ("tombstone", "recall"): ("statement", "/$defs/recallPayload/properties/recall"),
    ("hit", "hit"): ("hit", ""),
}


class Rejected(Exception):
    """An envelope refused for ``reason`` (kind: rejected, fork, reorder)."""

    def __init__(self, reason: str, kind: str = "rejected") -> None:
        super().__init__(reason)
        self.reason, self.kind = reason, kind

    def __reduce__(self) -> tuple[type[Rejected], tuple[str, str]]:
        """Pickled with its kind (a refusal made in a pool's worker process)."""
        return (Rejected, (self.reason, self.kind))


@dataclass(frozen=True)
class Receiver:
    """This node as the recipient of envelopes: its code and its decryption keys."""

    code: str
    keys: Mapping[str, PrivateKey]


def verify_item(item: PageItem, *, roster: Roster, origin: str, me: str,
                now: datetime) -> EnvelopeHeader:
    """The checked header of a page's envelope, or :class:`Rejected`:
    :func:`signed_header`, then :func:`envelope_problem`."""
    header = signed_header(item, roster=roster, origin=origin, me=me, now=now)
    problem = envelope_problem(item)
    if problem is not None:
        raise problem
    return header


def signed_header(item: PageItem, *, roster: Roster, origin: str, me: str,
                  now: datetime) -> EnvelopeHeader:
    """The header of a page's envelope whose signature, signer, time, sequence and
    addressee were checked (not yet its schema), or :class:`Rejected`."""
    def key_for(who: str, kid: str) -> PublicKey:
        return roster.key(who, kid, use="sign").key

    try:
        header = verify_envelope(item.envelope, key_for=key_for, members=item.members)
    except (CryptoError, RosterError) as exc:
        raise Rejected(f"envelope signature: {exc}") from exc
    if header.origin != origin:
        raise Rejected(f"envelope from {header.origin} relayed by {origin}")
    try:
        roster.signing_key(origin, header.signer_kid, at=header.created)
    except RosterError as exc:
        raise Rejected(f"signing key not valid when the envelope was made: {exc}") from exc
    if header.created > now + MAX_FUTURE_SKEW:
        raise Rejected("envelope created in the future")
    if header.seq != item.seq:
        raise Rejected("envelope sequence differs from the page index")
    if not header.addressed_to(me):
        raise Rejected(f"envelope not addressed to {me}")
    return header


def envelope_problem(item: PageItem) -> Rejected | None:
    """Whether an envelope follows ``envelope.schema.json``: None, or the refusal."""
    why = violation(item.envelope, "envelope")
    return None if why is None else Rejected(f"envelope does not follow its schema: {why}")


def statement_problem(statement: Any) -> Rejected | None:
    """Whether a statement follows ``statement.schema.json`` (its payload the schema of
    its kind: closed objects, no unknown member outside a notice's ``ext``): None, or
    the :class:`Rejected` naming the first thing wrong (``notice.subject.dob: ...``)."""
    if violation(statement, "statement") is None:
        return None
    why = violation(statement, "statement")
    payload = statement.get("payload") if isinstance(statement, dict) else None
    if isinstance(payload, dict) and len(payload) == 1:
        member = str(next(iter(payload)))
        schema = PAYLOAD_SCHEMAS.get((statement.get("kind"), member))
        if schema is not None:  # name the field inside the payload, not "oneOf failed"
            why = violation(payload[member], *schema, at=member) or why
    return Rejected(f"bad content: {why}")


def check_statement(statement: Any) -> None:
    """Raise :func:`statement_problem`'s refusal, if any."""
    problem = statement_problem(statement)
    if problem is not None:
        raise problem


def open_item(item: PageItem, header: EnvelopeHeader, me: Receiver,
              roster: Roster) -> OpenedNotice:
    """Decrypt a verified envelope, or :class:`Rejected`."""
    try:
        return open_envelope(item.envelope, header, node=me.code, private_keys=me.keys,
                             key_for=lambda who, kid: roster.key(who, kid, use="sign").key)
    except (CryptoError, RosterError) as exc:
        raise Rejected(f"cannot open: {exc}") from exc


def content_problem(opened: OpenedNotice) -> Rejected | None:
    """:func:`statement_problem` of an opened envelope's statement (as parsed when it
    was opened; ``signed`` is parsed again only when the statement was not kept)."""
    statement = opened.statement
    return statement_problem(statement if statement is not None
                             else strict_loads(opened.signed))


def check_chain(header: EnvelopeHeader, *, held: str | None, last_seq: int,
                last_digest: str | None) -> bool:
    """Whether the envelope continues the origin's chain (True), or is a redelivery
    (False, ``held`` being the digest held under its sequence number); a fork or a
    reordering is :class:`Rejected`."""
    if held is not None:
        if held == header.digest:
            return False
        raise Rejected(f"fork: sequence {header.seq} seen with digest "
                       f"{held[:16]}, now {header.digest[:16]}", "fork")
    if header.seq <= last_seq:
        raise Rejected(f"sequence {header.seq} not after {last_seq}", "reorder")
    if header.seq == last_seq + 1 and last_digest is not None and header.prev != last_digest:
        raise Rejected(f"fork: sequence {header.seq} does not chain to the "
                       "previous envelope", "fork")
    return True


def check_forwarded(roster: Roster, header: EnvelopeHeader,
                    fwd: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Check a re-shared notice: the origin's own signature, a sharer that was one of
    its recipients, and restrictions that allow re-sharing (never widened). Returns the
    notice, the content to store and the origin."""
    origin = str(fwd["origin"])
    signed, signature = unb64u(fwd["signed"]), unb64u(fwd["signature"])
    signer = str(fwd["signer"])
    try:
        key = roster.key(origin, signer, use="sign").key
        statement = verify_authorship(signed, signature, key)
        roster.signing_key(origin, signer, at=parse_rfc3339(statement["created"]))
    except (CryptoError, RosterError, ValueError) as exc:
        raise Rejected(f"re-shared notice: origin signature not valid ({exc})") from exc
    if statement["origin"] != origin or statement["kind"] != "notice" \
            or "notice" not in statement["payload"]:
        raise Rejected("re-shared notice: statement does not match")
    check_statement(statement)
    notice = statement["payload"]["notice"]
    handling, prov = notice["handling"], notice["provenance"]
    if header.origin not in prov.get("recipients", []):
        raise Rejected(f"re-shared by {header.origin}, which was not a recipient")
    if NO_ONWARD in handling.get("caveats", []) or statement["label"] in NEVER_RESHARED:
        raise Rejected("re-shared although the source forbids onward dissemination")
    if header.label != statement["label"]:
        raise Rejected("re-shared under another label")
    content = {"signed": fwd["signed"], "signature": fwd["signature"], "signer": signer}
    return notice, content, origin


def notice_id_of(payload: Any) -> str | None:
    """The notice a payload is about (None when it cannot be told cheaply)."""
    try:
        if "notice" in payload:
            return str(payload["notice"]["provenance"]["id"])
        if "tombstone" in payload:
            return str(payload["tombstone"]["id"])
        if "hit" in payload:
            return str(payload["hit"]["notice"]["id"])
    except (KeyError, TypeError):
        return None
    return None
