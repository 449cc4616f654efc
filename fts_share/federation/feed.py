"""Feed pages: what a node serves a partner, and how the partner checks a page.

A page carries the partner's envelopes in link order and a signed *index*: origin,
recipient, the cursor asked for, the ``n``, ``seq`` and digest of every item, the
link's head and the issue time. The index is signed by the origin's node key, so a
truncated, reordered or altered page is detected before any envelope is processed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from fts_share.clock import parse_rfc3339, to_rfc3339
from fts_share.crypto.canonical import b64u, canonical_json, unb64u
from fts_share.crypto.envelope import digest_and_members
from fts_share.crypto.keys import verify_signature
from fts_share.errors import CryptoError, ProtocolError, RosterError
from fts_share.federation.outbox import Sender
from fts_share.federation.roster import Roster
from fts_share.federation.wire import violation

FEED_FORMAT = 1
FEED_SIGNING_PREFIX = b"fts-share/v1 feed-page\n"
MAX_PAGE_LIMIT = 500
#: The envelopes a page carries, in bytes at most (a page always carries at least one
#: envelope when the link has one, and an envelope is at most 1 MiB): a page stays
#: well within what a caller reads (``federation.max_page_bytes``, 64 MiB by default)
#: even when every envelope holds a notice with a photo. A shorter page is a normal
#: page: its ``next`` is below ``head`` and the caller asks for the rest.
PAGE_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class LinkedEnvelope:
    """An envelope at position ``n`` of a partner's link (``envelope``: its JSON text)."""

    n: int
    seq: int
    digest: str
    envelope: str


class FeedLinks(Protocol):
    """The per-partner links of the outbox, as a feed reads them."""

    def link_page(self, partner: str, *, after: int,
                  limit: int) -> tuple[list[LinkedEnvelope], int]:
        """The envelopes of ``partner``'s link after ``after`` (at most ``limit``), and
        the link's head (its highest ``n``)."""


@dataclass(frozen=True)
class PageItem:
    """One envelope of a verified page, at position ``n`` of the link."""

    n: int
    seq: int
    digest: str
    envelope: dict[str, Any]
    #: the JCS of each member of ``envelope``, as the page's check computed them for its
    #: digest (:meth:`checked`), so verifying the envelope does not compute them again;
    #: not an argument, so a copy with another envelope (``dataclasses.replace``) has none
    members: Mapping[str, bytes] | None = field(default=None, init=False, compare=False,
                                                repr=False)

    @classmethod
    def checked(cls, *, n: int, seq: int, digest: str, envelope: dict[str, Any],
                members: Mapping[str, bytes] | None) -> PageItem:
        """An item whose ``members`` were computed from ``envelope`` itself."""
        item = cls(n=n, seq=seq, digest=digest, envelope=envelope)
        object.__setattr__(item, "members", members)
        return item


@dataclass(frozen=True)
class VerifiedPage:
    """A feed page whose index signature and item list were checked."""

    origin: str
    after: int
    next: int
    head: int
    items: tuple[PageItem, ...]
    tree_head: dict[str, Any] | None
    tree_consistency: dict[str, Any] | None
    findings: list[Any]
    peer_heads: dict[str, Any]
    roster_version: int | None
    restore: dict[str, Any] | None = None


def build_page(links: FeedLinks, sender: Sender, *, partner: str, after: int, limit: int,
               now: datetime, tree_head: Mapping[str, Any] | None = None,
               roster_version: int | None = None, max_bytes: int | None = None,
               raw: bool = False) -> tuple[dict[str, Any], list[int]]:
    """The signed page for ``partner`` after cursor ``after``, and the sequence numbers
    it delivers (for the audit log): at most ``limit`` envelopes, and no more than
    ``max_bytes`` (default :data:`PAGE_BYTES`) of them, but at least one. With ``raw``
    the page's ``envelopes`` are the stored JSON texts, not parsed, for
    :func:`page_json` to serve as they are."""
    rows, head = links.link_page(partner, after=after, limit=limit)
    rows = _within(rows, PAGE_BYTES if max_bytes is None else max_bytes)
    items = [{"n": r.n, "seq": r.seq, "digest": r.digest} for r in rows]
    index = {"v": FEED_FORMAT, "origin": sender.code, "recipient": partner, "after": after,
             "next": rows[-1].n if rows else after, "head": head,
             "issued": to_rfc3339(now), "items": items}
    signature = sender.signer.sign(FEED_SIGNING_PREFIX + canonical_json(index))
    page = {"index": index, "signer": sender.signer.kid, "signature": b64u(signature),
            "envelopes": [r.envelope if raw else json.loads(r.envelope) for r in rows],
            "tree_head": dict(tree_head) if tree_head else None,
            "roster_version": roster_version}
    return page, [r.seq for r in rows]


def page_json(page: Mapping[str, Any]) -> bytes:
    """The JSON text of a page built with ``raw`` envelopes: its members as compact JSON
    with sorted names (as the API writes any answer), the envelopes' stored texts
    spliced in as they are. Each stored text is the JSON of its envelope (written by
    the outbox), so the page means what the parsed page means: the index digests are
    over each envelope's members (JCS), not over these bytes."""
    texts = page["envelopes"]
    rest = {k: v for k, v in page.items() if k != "envelopes"}
    head = json.dumps(rest, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    # "envelopes" sorts before every other member of a page: it goes first
    body = '{"envelopes":[' + ",".join(texts) + "]" + ("," + head[1:] if rest else "}")
    return body.encode()


def _within(rows: list[LinkedEnvelope], max_bytes: int) -> list[LinkedEnvelope]:
    """The first rows whose envelopes add up to at most ``max_bytes`` (at least one)."""
    total = 0
    for i, row in enumerate(rows):
        total += len(row.envelope)
        if total > max_bytes and i > 0:
            return rows[:i]
    return rows


def _int(value: Any, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ProtocolError(f"feed page: {name} is not a non-negative integer")
    return value


def _parts(page: Any) -> tuple[Mapping[str, Any], list[Any], str, str]:
    """The index, the envelopes, the signer and the signature of a page."""
    if not isinstance(page, Mapping):
        raise ProtocolError("feed page: not a JSON object")
    index, envelopes = page.get("index"), page.get("envelopes")
    if not isinstance(index, Mapping) or not isinstance(envelopes, list):
        raise ProtocolError("feed page: index or envelopes missing")
    signer, signature = page.get("signer"), page.get("signature")
    if not isinstance(signer, str) or not isinstance(signature, str):
        raise ProtocolError("feed page: signer or signature missing")
    return index, envelopes, signer, signature


def _check_signature(index: Mapping[str, Any], *, signer: str, signature: str,
                     roster: Roster, origin: str, now: datetime) -> None:
    """The signature over the index, with the origin's key valid now."""
    try:
        key = roster.signing_key(origin, signer, at=now)
    except RosterError as exc:
        raise CryptoError(f"feed page: signer not valid ({exc})") from exc
    verify_signature(key, unb64u(signature), FEED_SIGNING_PREFIX + canonical_json(dict(index)))


def _check_request(index: Mapping[str, Any], *, origin: str, recipient: str, after: int,
                   now: datetime, max_skew: int) -> None:
    """The index answers our request, and was issued now."""
    if index.get("v") != FEED_FORMAT:
        raise ProtocolError("feed page: unknown format version")
    why = violation(dict(index), "feed-page", "/$defs/index")  # closed: no unknown member
    if why is not None:
        raise ProtocolError(f"feed page: index does not follow its schema: {why}")
    if index.get("origin") != origin or index.get("recipient") != recipient:
        raise ProtocolError("feed page: not the page of this link")
    if _int(index.get("after"), "after") != after:
        raise ProtocolError("feed page: answers another cursor")
    try:
        issued = parse_rfc3339(index.get("issued"))  # type: ignore[arg-type]
    except ValueError as exc:
        raise ProtocolError("feed page: bad issue time") from exc
    if abs(issued - now) > timedelta(seconds=max_skew):
        raise ProtocolError("feed page: stale or future issue time (replayed page?)")


def _check_items(items: Any, envelopes: list[Any], *, after: int,
                 limit: int) -> list[PageItem]:
    """Items are the link's next positions, without holes, matching the bodies."""
    if not isinstance(items, list) or len(items) > limit:
        raise ProtocolError("feed page: more items than asked for")
    if len(items) != len(envelopes):
        raise ProtocolError("feed page: truncated (index and envelopes differ in length)")
    out: list[PageItem] = []
    expected = after + 1
    for i, (item, env) in enumerate(zip(items, envelopes)):
        if not isinstance(item, Mapping) or not isinstance(env, dict):
            raise ProtocolError(f"feed page: item {i} malformed")
        n = _int(item.get("n"), f"items.{i}.n")
        if n != expected:
            raise ProtocolError(f"feed page: expected link position {expected}, got {n}")
        digest = item.get("digest")
        computed, members = digest_and_members(env)
        if computed != digest:
            raise ProtocolError(f"feed page: envelope {n} does not match its index digest")
        out.append(PageItem.checked(n=n, seq=_int(item.get("seq"), f"items.{i}.seq"),
                                    digest=str(digest), envelope=env, members=members))
        expected += 1
    return out


def _dict_or_none(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def verify_page(page: Any, *, roster: Roster, origin: str, recipient: str, after: int,
                limit: int, now: datetime, max_skew: int = 300) -> VerifiedPage:
    """Check a page from ``origin`` answering ``after``/``limit``; raise
    ``CryptoError`` (bad signature) or ``ProtocolError`` (anything else)."""
    index, envelopes, signer, signature = _parts(page)
    _check_signature(index, signer=signer, signature=signature, roster=roster, origin=origin,
                     now=now)
    _check_request(index, origin=origin, recipient=recipient, after=after, now=now,
                   max_skew=max_skew)
    out = _check_items(index.get("items"), envelopes, after=after, limit=limit)
    nxt = _int(index.get("next"), "next")
    head = _int(index.get("head"), "head")
    if nxt != (out[-1].n if out else after) or head < nxt:
        raise ProtocolError("feed page: inconsistent cursor")
    findings, rv = page.get("findings"), page.get("roster_version")
    return VerifiedPage(origin=origin, after=after, next=nxt, head=head, items=tuple(out),
                        tree_head=_dict_or_none(page.get("tree_head")),
                        tree_consistency=_dict_or_none(page.get("tree_consistency")),
                        findings=findings if isinstance(findings, list) else [],
                        peer_heads=_dict_or_none(page.get("peer_heads")) or {},
                        roster_version=rv if isinstance(rv, int) else None,
                        restore=_dict_or_none(page.get("restore")))
