"""Properties of feed-page verification: whatever is done to a signed page in transit,
``verify_page`` either accepts exactly the envelopes the origin signed for, or raises
``ProtocolError`` / ``CryptoError`` (never anything else)."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fts_share.clock import to_rfc3339, utcnow
from fts_share.crypto.canonical import b64u, canonical_json
from fts_share.crypto.envelope import Recipient, envelope_digest, seal
from fts_share.crypto.keys import KeyKind, generate
from fts_share.errors import CryptoError, ProtocolError
from fts_share.federation.feed import FEED_FORMAT, FEED_SIGNING_PREFIX, verify_page
from fts_share.federation.roster import Roster, build_member, roster_key_entry, sign_roster

NOW = utcnow()
ORIGIN, ME = generate(KeyKind.ED25519), generate(KeyKind.ED25519)
ME_ENC = generate(KeyKind.X25519)
SECRETARIAT = generate(KeyKind.ED25519)
START = NOW - timedelta(days=1)


def _roster() -> Roster:
    members = [
        build_member(code="FRA", name="FRA", role="member", url="http://127.0.0.1:1",
                     valid_from=START,
                     keys=[roster_key_entry(ORIGIN.public(), use="sign", valid_from=START)]),
        build_member(code="IRQ", name="IRQ", role="member", url="http://127.0.0.1:2",
                     valid_from=START,
                     keys=[roster_key_entry(ME.public(), use="sign", valid_from=START),
                           roster_key_entry(ME_ENC.public(), use="encrypt",
                                            valid_from=START)]),
    ]
    doc = sign_roster({"coalition": "test", "version": 1, "issued": to_rfc3339(START),
                       "members": members}, SECRETARIAT)
    return Roster.verify(doc, SECRETARIAT.public())


ROSTER = _roster()
AFTER, LIMIT = 4, 10


def _page() -> dict[str, Any]:
    envelopes, prev = [], None
    for seq in (11, 12, 13):
        env = seal({"notice": {"n": seq}}, origin="FRA", seq=seq, prev=prev, created=NOW,
                   label="AMBER", kind="notice", signer=ORIGIN,
                   recipients=[Recipient(node="IRQ", key=ME_ENC.public())])
        prev = envelope_digest(env)
        envelopes.append(env)
    items = [{"n": AFTER + 1 + i, "seq": e["header"]["seq"], "digest": envelope_digest(e)}
             for i, e in enumerate(envelopes)]
    index = {"v": FEED_FORMAT, "origin": "FRA", "recipient": "IRQ", "after": AFTER,
             "next": AFTER + 3, "head": AFTER + 5, "issued": to_rfc3339(NOW), "items": items}
    return {"index": index, "signer": ORIGIN.kid,
            "signature": b64u(ORIGIN.sign(FEED_SIGNING_PREFIX + canonical_json(index))),
            "envelopes": envelopes, "tree_head": None, "roster_version": 1}


PAGE = _page()


def verify(page: Any) -> Any:
    return verify_page(page, roster=ROSTER, origin="FRA", recipient="IRQ", after=AFTER,
                       limit=LIMIT, now=NOW)


def test_the_unchanged_page_verifies() -> None:
    page = verify(copy.deepcopy(PAGE))
    assert [i.n for i in page.items] == [5, 6, 7] and page.next == 7 and page.head == 9


SCALARS = (st.none() | st.booleans() | st.integers(-2**64, 2**64) | st.floats()
           | st.text(max_size=16) | st.binary(max_size=8).map(b64u))
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=5)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, prefix + (i,))
    return out


PATHS = [p for p in _paths(PAGE) if p]


@st.composite
def mutated_pages(draw: st.DrawFn) -> Any:
    page = copy.deepcopy(PAGE)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        parent: Any = page
        try:
            for p in path[:-1]:
                parent = parent[p]
            key = path[-1]
            op = draw(st.sampled_from(["set", "delete", "swap", "duplicate", "add"]))
            if op == "set":
                parent[key] = draw(JSON)
            elif op == "delete":
                del parent[key]
            elif op == "swap" and isinstance(parent, list) and len(parent) > 1:
                j = draw(st.integers(0, len(parent) - 1))
                parent[key], parent[j] = parent[j], parent[key]
            elif op == "duplicate" and isinstance(parent, list):
                parent.insert(key, copy.deepcopy(parent[key]))
            elif op == "add" and isinstance(parent, dict):
                parent[draw(st.text(min_size=1, max_size=6))] = draw(JSON)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed this path
    return page


@settings(max_examples=400, deadline=None)
@given(page=mutated_pages())
def test_mutated_page_is_refused_or_unchanged(page: Any) -> None:
    try:
        verified = verify(page)
    except (ProtocolError, CryptoError):
        return
    # Accepted: then exactly what the origin signed for is delivered.
    assert [(i.n, i.seq, i.digest) for i in verified.items] == [
        (it["n"], it["seq"], it["digest"]) for it in PAGE["index"]["items"]]
    assert [i.envelope for i in verified.items] == PAGE["envelopes"]
    assert (verified.after, verified.next, verified.head) == (AFTER, 7, 9)


@settings(max_examples=200, deadline=None)
@given(page=JSON)
def test_any_json_is_refused(page: Any) -> None:
    try:
        verify(page)
    except (ProtocolError, CryptoError):
        return
    raise AssertionError("a random document was accepted as a page")


def _resigned(index: dict[str, Any]) -> dict[str, Any]:
    page = copy.deepcopy(PAGE)
    page["index"] = index
    page["signature"] = b64u(ORIGIN.sign(FEED_SIGNING_PREFIX + canonical_json(index)))
    return page


def test_a_signed_index_with_an_unknown_member_is_refused() -> None:
    """The index is closed (docs/protocol.md, "Versioning"): the origin signed it, but
    a member this node does not know is refused, not ignored."""
    index = copy.deepcopy(PAGE["index"])
    index["witnessed"] = []
    with pytest.raises(ProtocolError, match="index does not follow its schema"):
        verify(_resigned(index))
    index = copy.deepcopy(PAGE["index"])
    index["items"][0]["note"] = "x"
    with pytest.raises(ProtocolError, match="index does not follow its schema"):
        verify(_resigned(index))


def test_unknown_members_of_the_open_page_are_ignored() -> None:
    page = copy.deepcopy(PAGE)
    page["witnessed_heads"] = {"IRQ": None}
    assert [i.n for i in verify(page).items] == [5, 6, 7]
