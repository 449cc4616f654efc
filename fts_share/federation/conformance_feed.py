"""The conformance kit's checks that act as a partner: signed feed requests.

With a partner's identity (its code, signing key, decryption keys and the roster it
trusts) the kit fetches the node's feed as that partner would (RFC 9421, see
docs/protocol.md "HTTP request signatures") and checks, in order: the page against
``feed-page.schema.json``; the index signature and cursor (``verify_page``); every
envelope's schema, outer signature and addressing; that the envelopes addressed to the
partner open, with a plaintext that validates; the signed tree head; and, from a second
fetch that sends ``tree_size``, the consistency proof between the two heads. A refused
signature and a bad query must be answered with problem documents.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fts_share.audit.errors import VerificationError
from fts_share.audit.heads import SignedTreeHead, verify_tree_head
from fts_share.audit.merkle import verify_consistency
from fts_share.crypto.canonical import b64u
from fts_share.crypto.httpsig import sign_request
from fts_share.crypto.keys import verify_signature
from fts_share.errors import FtsError
from fts_share.federation.conformance import (
    JSON,
    Check,
    Identity,
    Probe,
    failed,
    guarded,
    json_answer,
    passed,
    problem_answer,
    skipped,
)
from fts_share.federation.envelopes import Receiver, Rejected, open_item, verify_item
from fts_share.federation.feed import VerifiedPage, verify_page
from fts_share.federation.http import Response, send

PAGE_LIMIT = 100
MAX_PAGES = 20


def signed_get(probe: Probe, me: Identity, path: str, *, tamper: bool = False) -> Response:
    """A GET of ``path`` signed as ``me`` (``tamper``: with a corrupted signature)."""
    url = probe.url.rstrip("/") + path
    headers = {"Accept": JSON}
    headers.update(sign_request(method="GET", url=url, headers=headers, body=b"",
                                key=me.signing, now=probe.clock()))
    if tamper:
        value = headers["Signature"]
        i = value.index(":") + 5
        headers["Signature"] = value[:i] + ("A" if value[i] != "A" else "B") + value[i + 1:]
    return send("GET", url, headers=headers, timeout=probe.timeout)


@dataclass
class FeedRun:
    """One partner's run over the node's feed: the pages fetched and what they held."""

    probe: Probe
    me: Identity
    origin: str
    pages: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    verified: list[VerifiedPage] = field(default_factory=list)
    first_head: SignedTreeHead | None = None

    def _query(self, after: int, limit: int, tree_size: int | None = None) -> str:
        query: dict[str, int] = {"after": after, "limit": limit}
        if tree_size:
            query["tree_size"] = tree_size
        return f"/api/v1/feed?{urlencode(query)}"

    def _fetch(self, after: int, limit: int, tree_size: int | None = None) -> dict[str, Any]:
        """A signed page, checked against the feed-page schema (or FtsError)."""
        resp = signed_get(self.probe, self.me, self._query(after, limit, tree_size))
        error, body = json_answer(resp, status=200, media=JSON, schema="feed-page",
                                  validate=self.probe.validate)
        if error is not None:
            raise FtsError(f"page after {after}: {error}")
        return dict(body)

    def fetch_pages(self) -> Check:
        """Fetch the link from the start until caught up (bounded)."""
        after = 0
        for _ in range(MAX_PAGES):
            page = self._fetch(after, PAGE_LIMIT)
            self.pages.append((after, page))
            index = page["index"]
            if not page["envelopes"] or index["next"] >= index["head"]:
                break
            after = index["next"]
        count = sum(len(p["envelopes"]) for _, p in self.pages)
        return passed("feed-page", f"{len(self.pages)} page(s), {count} envelope(s), "
                                   "feed-page.schema.json")

    def verify_index(self) -> Check:
        """Every page's index signature, origin, recipient, cursor and digests."""
        if not self.pages:
            return failed("feed-index", "no page fetched")
        for after, page in self.pages:
            self.verified.append(verify_page(page, roster=self.me.roster, origin=self.origin,
                                             recipient=self.me.code, after=after,
                                             limit=PAGE_LIMIT, now=self.probe.clock()))
        return passed("feed-index", f"signed by {self.pages[-1][1]['signer']}")

    def _items(self) -> list[Any]:
        return [item for page in self.verified for item in page.items]

    def verify_envelopes(self) -> Check:
        """Each envelope: schema, outer signature with the origin's roster key, addressed
        to this partner."""
        items = self._items()
        if not items:
            return skipped("envelopes", "the link holds no envelope for this partner")
        for item in items:
            error = self.probe.validate(item.envelope, "envelope")
            if error is not None:
                return failed("envelopes", f"envelope {item.n}: envelope.schema.json: {error}")
            try:
                verify_item(item, roster=self.me.roster, origin=self.origin, me=self.me.code,
                            now=self.probe.clock())
            except Rejected as exc:
                return failed("envelopes", f"envelope {item.n}: {exc.reason}")
        return passed("envelopes", f"{len(items)} verified")

    def decrypt(self) -> Check:
        """The envelopes open with this partner's keys; their plaintext validates."""
        items = self._items()
        if not items:
            return skipped("decrypt", "no envelope to open")
        if not self.me.keys:
            return skipped("decrypt", "no decryption key given")
        me = Receiver(code=self.me.code, keys=self.me.keys)
        for item in items:
            try:
                header = verify_item(item, roster=self.me.roster, origin=self.origin,
                                     me=self.me.code, now=self.probe.clock())
                opened = open_item(item, header, me, self.me.roster)
            except Rejected as exc:
                return failed("decrypt", f"envelope {item.n}: {exc.reason}")
            plaintext = {"statement": json.loads(opened.signed), "sig": b64u(opened.signature)}
            error = self.probe.validate(plaintext, "statement#/$defs/plaintext")
            if error is not None:
                return failed("decrypt", f"envelope {item.n}: statement.schema.json: {error}")
        return passed("decrypt", f"{len(items)} opened, plaintext schema valid")

    def _head(self, doc: Any) -> SignedTreeHead:
        """A page's tree head, its schema and signature checked (or FtsError)."""
        if doc is None:
            raise FtsError("the page carries no tree head")
        error = self.probe.validate(doc, "tree-head")
        if error is not None:
            raise FtsError(f"tree-head.schema.json: {error}")
        head = SignedTreeHead.from_json(doc)
        key = self.me.roster.signing_key(self.origin, head.key_id, at=self.probe.clock())
        verify_tree_head(head, lambda sig, data: verify_signature(key, sig, data))
        return head

    def tree_head(self) -> Check:
        """The last page's signed tree head verifies with the origin's roster key."""
        if not self.pages:
            return failed("tree-head", "no page fetched")
        try:
            self.first_head = self._head(self.pages[-1][1].get("tree_head"))
        except VerificationError as exc:
            return failed("tree-head", exc.detail)
        return passed("tree-head", f"size {self.first_head.size}, signed by "
                                   f"{self.first_head.key_id}")

    def consistency(self) -> Check:
        """A second page, asked with ``tree_size``, proves the log only grew."""
        name = "consistency"
        if self.first_head is None:
            return failed(name, "no verified tree head to start from")
        first = self.first_head
        after = self.pages[-1][1]["index"]["next"]
        page = self._fetch(after, 1, tree_size=first.size)
        try:
            second = self._head(page.get("tree_head"))
        except VerificationError as exc:
            return failed(name, exc.detail)
        if second.size == first.size:
            if second.root != first.root:
                return failed(name, f"two roots for size {first.size} (split view)")
            return passed(name, f"the log did not grow (size {first.size}); same root")
        proof = page.get("tree_consistency")
        if not isinstance(proof, dict) or (proof.get("first"), proof.get("second")) != (
                first.size, second.size):
            return failed(name, f"no consistency proof from {first.size} to {second.size}")
        try:
            verify_consistency(first=first.size, second=second.size, first_root=first.root,
                               second_root=second.root,
                               proof=[bytes.fromhex(p) for p in proof["proof"]])
        except VerificationError as exc:
            return failed(name, exc.detail)
        return passed(name, f"sizes {first.size} -> {second.size} verified")


def check_tampered_signature(probe: Probe, me: Identity) -> Check:
    """A feed request whose signature was altered: 401 ``unauthenticated``."""
    resp = signed_get(probe, me, "/api/v1/feed?after=0&limit=1", tamper=True)
    error = problem_answer(resp, status=401, validate=probe.validate, slug="unauthenticated")
    return failed("feed-bad-signature", error) if error else passed(
        "feed-bad-signature", "401 unauthenticated problem+json")


def check_bad_query(probe: Probe, me: Identity) -> Check:
    """A signed feed request with a bad query: 4xx problem document."""
    resp = signed_get(probe, me, "/api/v1/feed?after=-1&limit=0")
    error = problem_answer(resp, status=(400, 422), validate=probe.validate)
    return failed("problem-bad-query", error) if error else passed(
        "problem-bad-query", f"{resp.status} problem+json")


FEED_CHECKS = ("feed-page", "feed-index", "envelopes", "decrypt", "tree-head",
               "feed-bad-signature", "problem-bad-query", "consistency")


def feed_checks(probe: Probe, me: Identity | None) -> list[Check]:
    """The checks that act as partner ``me`` (skipped without an identity)."""
    if me is None:
        return [skipped(n, "no partner identity given (--home, or --key with --code)")
                for n in FEED_CHECKS]
    origin = (probe.seen.get("node") or {}).get("code")
    if not isinstance(origin, str):
        return [failed(n, "the node's code is unknown (node-info failed)") for n in FEED_CHECKS]
    run = FeedRun(probe=probe, me=me, origin=origin)
    checks = [guarded("feed-page", run.fetch_pages)]
    if checks[0].outcome != "pass":
        checks += [failed(n, "no feed page") for n in FEED_CHECKS[1:5]]
    else:
        checks += [guarded("feed-index", run.verify_index)]
        checks += [guarded("envelopes", run.verify_envelopes) if run.verified
                   else failed("envelopes", "no verified page")]
        checks += [guarded("decrypt", run.decrypt) if run.verified
                   else failed("decrypt", "no verified page")]
        checks += [guarded("tree-head", run.tree_head)]
    # The refusals come before the second fetch: a node that logs them has grown its
    # log, so the second page must carry a consistency proof.
    checks += [guarded("feed-bad-signature", lambda: check_tampered_signature(probe, me)),
               guarded("problem-bad-query", lambda: check_bad_query(probe, me)),
               guarded("consistency", run.consistency)]
    return checks
