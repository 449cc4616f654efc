"""Real protocol flows between running nodes, collecting every object that crosses the
wire, each with the schema it must satisfy.

Three nodes take part: ``a`` publishes, ``b`` receives and re-shares, ``c`` receives
from both. The flows publish, update (with a partner dropped), withdraw, re-share and
recall notices; fetch feed pages as a partner (signed requests) and open the
envelopes; poll; screen at a partner; read the reviewer API; and provoke errors. The
same flows serve the schema tests (tests/protocol/test_wire.py) and the examples of
docs/protocol.md (tests/protocol/make_examples.py).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from fts_share.clock import utcnow
from fts_share.crypto.canonical import b64u
from fts_share.crypto.envelope import open_envelope, verify_envelope
from fts_share.crypto.httpsig import sign_request
from fts_share.federation.http import PartnerClient
from fts_share.services import bundling

PURPOSE = {"purpose": "investigation", "legal_basis": ["UNSCR-2178"]}
OPEN = "?purpose=investigation&legal_basis=UNSCR-2178"
SCREEN = {"purpose": "border_screening", "legal_basis": ["UNSCR-2178", "UNSCR-2396"]}


class Member(Protocol):
    """What the flows need of a running node (tests/coalition.py's Member)."""

    code: str
    url: str
    node: Any
    tokens: dict[str, str]

    def api(self, method: str, path: str, *, token: str | None = None, body: Any = None,
            raw: bytes | None = None, headers: dict[str, str] | None = None
            ) -> tuple[int, Any, dict[str, str]]: ...

    def poll(self, **kwargs: Any) -> Any: ...


@dataclass(frozen=True)
class Sample:
    """One object seen on the wire: what it is, its schema (and part), the object."""

    name: str
    schema: str
    pointer: str
    obj: Any
    status: int | None = None  # the HTTP status it came with, for answers


@dataclass
class Collected:
    """Every sample of a run."""

    samples: list[Sample] = field(default_factory=list)

    def add(self, name: str, schema: str, obj: Any, pointer: str = "",
            status: int | None = None) -> Any:
        self.samples.append(Sample(name, schema, pointer, obj, status))
        return obj

    def first(self, name: str) -> Sample:
        return next(s for s in self.samples if s.name == name)


def notice_body(recipients: list[str], **subject: Any) -> dict[str, Any]:
    """A notice as an officer posts it, in the normal form of notice.schema.json."""
    subj: dict[str, Any] = {
        "names": [{"full": "Karim Benali", "kind": "primary"},
                  {"full": "كريم بن علي", "kind": "spelling"}],
        "sex": "male", "dob": {"value": "1994", "approximate": True},
        "nationalities": ["FRA"], "documents": [], "minor": False}
    subj.update(subject)
    return {"subject": subj,
            "movement": {"kind": "departure", "place": "Paris", "country": "TUR",
                         "date": "2026-11-20"},
            "basis": {"legal_basis": ["UNSCR-2178"]},
            "handling": {"audience": "named", "recipients": sorted(recipients), "tlp": "AMBER",
                         "caveats": ["ct-only"], "purposes": ["investigation"]}}


def signed(caller: Member, method: str, url: str, body: Any = None) -> tuple[int, Any]:
    """A request signed as ``caller``'s node (RFC 9421), as partners send them."""
    resp = PartnerClient(key=caller.node.signing).request(method, url, now=utcnow(), body=body)
    return resp.status, resp.json()


def fetch_page(c: Collected, caller: Member, origin: Member, *, after: int = 0,
               tree_size: int | None = None) -> dict[str, Any]:
    """``caller`` fetches its link at ``origin``; the page, its envelopes' headers and
    their opened statements are collected."""
    query = f"?after={after}&limit=100" + (f"&tree_size={tree_size}" if tree_size else "")
    status, page = signed(caller, "GET", f"{origin.url}/api/v1/feed{query}")
    assert status == 200, page
    c.add("feed-page", "feed-page", page, status=status)
    c.add("feed-index", "feed-page", page["index"], "/$defs/index")
    if page.get("tree_head"):
        c.add("tree-head", "tree-head", page["tree_head"])
    if page.get("tree_consistency"):
        c.add("feed-consistency", "feed-page", page["tree_consistency"], "/$defs/consistency")
    for head in page.get("peer_heads", {}).values():
        c.add("peer-head", "tree-head", head)
    roster = caller.node.roster

    def key_for(who: str, kid: str) -> Any:
        return roster.key(who, kid, use="sign").key

    for env in page["envelopes"]:
        c.add("envelope", "envelope", env)
        c.add("envelope-header", "envelope", env["header"], "/$defs/header")
        header = verify_envelope(env, key_for=key_for)
        opened = open_envelope(env, header, node=caller.code,
                               private_keys=caller.node.encryption, key_for=key_for)
        statement = json.loads(opened.signed)
        c.add("plaintext", "statement",
              {"statement": statement, "sig": b64u(opened.signature)}, "/$defs/plaintext")
        c.add("statement", "statement", statement)
        payload = statement["payload"]
        kind = next(iter(payload))
        c.add(f"payload-{kind}", "statement", payload, f"/$defs/{kind}Payload")
        if kind == "notice":
            c.add("notice", "notice", payload["notice"], "/$defs/wire")
        elif kind == "tombstone":
            c.add("tombstone", "tombstone", payload["tombstone"])
        elif kind == "hit":
            c.add("hit", "hit", payload["hit"])
        elif kind == "forwarded":
            c.add("forwarded-statement", "statement",
                  json.loads(_unb64u(payload["forwarded"]["signed"])))
    return page


def _unb64u(text: str) -> bytes:
    from fts_share.crypto.canonical import unb64u
    return unb64u(text)


def publish(c: Collected, a: Member, body: dict[str, Any]) -> str:
    c.add("notice-input", "notice", body)
    status, out, _ = a.api("POST", "/api/v1/notices", token="officer", body=body)
    assert status == 201, out
    return str(out["id"])


def exchange(c: Collected, a: Member, b: Member, cc: Member) -> None:
    """Publish, update, withdraw, re-share and recall; fetch every page as a partner."""
    for m in (a, b, cc):
        status, info, _ = m.api("GET", "/api/v1/node")
        c.add("node-info", "node-info", info, status=status)
    status, roster, _ = a.api("GET", "/api/v1/roster")
    c.add("roster", "roster", roster, status=status)
    shared = publish(c, a, notice_body([b.code]))  # to b, who re-shares it with cc
    gone = publish(c, a, notice_body([b.code, cc.code], nationalities=["IRQ"]))
    dropped = publish(c, a, notice_body([b.code, cc.code]))
    page = fetch_page(c, b, a)
    first_size = page["tree_head"]["size"]
    b.poll()
    status, opened, _ = b.api("GET", f"/api/v1/notices/{shared}{OPEN}", token="officer")
    assert status == 200, opened
    c.add("notice-opened", "notice", opened["notice"], "/$defs/wire")
    status, exported, _ = b.api("GET", f"/api/v1/notices/{shared}/export{OPEN}",
                                token="officer")
    assert status == 200, exported
    c.add("notice-export", "notice-export", exported, status=status)
    query = {**PURPOSE, "name": "كريم بن علي", "origin": a.code, "dob_from": "1990"}
    c.add("notice-search-query", "notice-search", query, "/$defs/query")
    status, found, _ = b.api("POST", "/api/v1/notices/search", token="officer", body=query)
    assert status == 200 and found["items"], found
    c.add("notice-search", "notice-search", found, status=status)
    status, out, _ = b.api("POST", f"/api/v1/notices/{shared}/share", token="officer",
                           body={"recipients": [cc.code], **PURPOSE})
    assert status == 200, out
    # a new version of the shared notice (b recalls its copy), a withdrawal, a partner
    # dropped from the recipients (it gets a tombstone)
    status, out, _ = a.api("PUT", f"/api/v1/notices/{shared}", token="officer",
                           body=notice_body([b.code], place_of_birth="Lyon"))
    assert status == 200, out
    status, out, _ = a.api("POST", f"/api/v1/notices/{gone}/withdraw", token="officer",
                           body={"reason": "identity resolved"})
    assert status == 200, out
    status, out, _ = a.api("PUT", f"/api/v1/notices/{dropped}", token="officer",
                           body=notice_body([b.code]))
    assert status == 200, out
    a.poll()  # a now holds heads of b and cc, which it gossips
    fetch_page(c, b, a, after=page["index"]["next"], tree_size=first_size)
    fetch_page(c, cc, a)
    b.poll()  # b recalls the copy it shared with cc
    fetch_page(c, cc, b)
    cc.poll()


def reviewer(c: Collected, a: Member) -> None:
    """The audit endpoints."""
    for path, name, schema, pointer in [
            ("/api/v1/audit/tree-head", "tree-head", "tree-head", ""),
            ("/api/v1/audit/entries?limit=3", "audit-entries", "audit-entries", ""),
            ("/api/v1/audit/proof/inclusion?index=2", "inclusion-proof", "audit-proof",
             "/$defs/inclusion"),
            ("/api/v1/audit/proof/consistency?first=3", "consistency-proof", "audit-proof",
             "/$defs/consistency")]:
        status, doc, _ = a.api("GET", path, token="reviewer")
        assert status == 200, doc
        c.add(name, schema, doc, pointer, status=status)
    status, doc, _ = a.api("GET", "/api/v1/audit/entries?limit=1000", token="reviewer")
    for entry in doc["items"]:
        c.add("audit-entry", "audit-entries", entry, "/$defs/entry")
    with tempfile.TemporaryDirectory() as folder:  # the offline bundle's manifest
        c.add("audit-bundle", "audit-bundle", bundling.export_bundle(
            a.node, Path(folder) / "bundle", actor="user:reviewer", now=utcnow()))


def screening(c: Collected, a: Member, b: Member) -> None:
    """``b`` screens names at ``a`` (a's watchlist holds the UN excerpt)."""
    for body in ({**SCREEN, "name": "Aiman al-Zawahri"},
                 {**SCREEN, "name": "Pierre Martin", "dob": "1970", "nationality": "FRA"},
                 {**SCREEN, "batch": [{"ref": "A", "name": "Aiman al-Zawahri"},
                                      {"ref": "B", "name": "Pierre Martin"}]}):
        c.add("screen-query", "screen", body)
        status, answer = signed(b, "POST", f"{a.url}/api/v1/screen", body)
        assert status == 200, answer
        c.add("screen-answer", "screen-answer", answer, status=status)
    status, answer, _ = a.api("POST", "/api/v1/screen", token="officer",
                              body={**SCREEN, "name": "Aiman al-Zawahri", "dob": "1951",
                                    "nationality": "EGY"})
    assert status == 200 and answer["hits"], answer
    for hit in answer["hits"]:
        c.add("explanation", "explanation", hit["explanation"], status=status)


def operations(c: Collected, a: Member) -> None:
    """The operator's readiness probe (docs/protocol.md, "Operations") and the
    administrator's view of how the node polls each partner."""
    status, doc, _ = a.api("GET", "/readyz")
    assert status == 200, doc
    c.add("readiness", "readiness", doc, status=status)
    status, doc, _ = a.api("GET", "/api/v1/peers", token="admin")
    assert status == 200, doc
    assert {p["code"] for p in doc["peers"]} >= {"IRQ", "MLI"}, doc
    c.add("peers", "peers", doc, status=status)


def problems(c: Collected, a: Member, b: Member) -> None:
    """Error answers: each a problem document with the status of docs/protocol.md."""
    bad = notice_body([b.code])
    bad["subject"]["names"] = []
    calls = [
        (401, lambda: a.api("GET", "/api/v1/feed")[:2]),
        (401, lambda: a.api("GET", "/api/v1/notices", token="fts_not-a-token")[:2]),
        (403, lambda: a.api("GET", "/api/v1/audit/entries", token="officer")[:2]),
        (403, lambda: signed(b, "GET", f"{a.url}/api/v1/notices")),
        (404, lambda: a.api("GET", "/api/v1/nothing-here")[:2]),
        (404, lambda: a.api("GET", f"/api/v1/notices/unknown{OPEN}", token="officer")[:2]),
        (405, lambda: a.api("DELETE", "/api/v1/node")[:2]),
        (400, lambda: a.api("POST", "/api/v1/notices", token="officer", raw=b"{not json",
                            headers={"Content-Type": "application/json"})[:2]),
        (422, lambda: a.api("POST", "/api/v1/notices", token="officer", body=bad)[:2]),
        (422, lambda: signed(b, "GET", f"{a.url}/api/v1/feed?after=-1")),
    ]
    for expected, call in calls:
        status, doc = call()
        c.add("problem", "problem", doc, status=status)
        assert status == expected, (expected, status, doc)
    # A signed request whose signature does not verify: 401, opaque.
    url = f"{a.url}/api/v1/feed?after=0"
    headers = sign_request(method="GET", url=url, headers={}, body=b"", key=b.node.signing,
                           now=utcnow())
    headers["Signature"] = headers["Signature"][:10] + ("A" if headers["Signature"][10] != "A"
                                                        else "B") + headers["Signature"][11:]
    status, doc, _ = a.api("GET", "/api/v1/feed?after=0", headers=headers)
    c.add("problem-signature", "problem", doc, status=status)
    assert status == 401, doc


def decisions_and_witnesses(c: Collected, a: Member, b: Member) -> None:
    """An officer decides an alert (the request body of a decision, with a note for the
    origin: its hit feedback, fetched by the other node from the decider's feed), and
    ``b`` asks ``a`` for the heads of ``b`` that ``a`` witnessed (a signed partner
    request)."""
    status, doc = signed(b, "GET", f"{a.url}/api/v1/audit/witnessed-heads?limit=10")
    assert status == 200, doc
    c.add("witnessed-heads", "witnessed-heads", doc, status=status)
    for member in (a, b):
        status, listing, _ = member.api("GET", "/api/v1/alerts", token="officer")
        if status == 200 and listing["items"]:
            body = {"decision": "confirmed", "reason": "Same date of birth.",
                    "note": "Seen at the border on 2 December."}
            c.add("alert-decision", "alert-decision", body)
            status, out, _ = member.api(
                "POST", f"/api/v1/alerts/{listing['items'][0]['id']}/decision",
                token="officer", body=body)
            assert status == 200, out
            fetch_page(c, b if member is a else a, member)
            return
    raise AssertionError("the flows raised no alert to decide")
