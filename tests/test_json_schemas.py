"""The JSON Schemas of the wire formats (schemas/*.schema.json): valid 2020-12
schemas that accept what the code produces and refuse what it refuses."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from protocol.wire_schemas import names, validator

from fts_share.config import DEFAULT_LEGAL_BASES, DEFAULT_PURPOSES
from fts_share.notices.schemas import (
    dump_notice,
    load_decision,
    load_notice_input,
    load_screen_request,
)

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
NAMES = tuple(names())
VOCAB = {"legal_bases": DEFAULT_LEGAL_BASES, "purposes": DEFAULT_PURPOSES}
NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("name", NAMES)
def test_is_a_valid_2020_12_schema(name: str) -> None:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith(f"/{name}.schema.json")
    jsonschema.Draft202012Validator.check_schema(schema)


# -- notice ------------------------------------------------------------------------

def raw_notice() -> dict[str, Any]:
    return {
        "subject": {"names": [{"full": "\u200fإبراهيم عواد إبراهيم البدري", "kind": "primary"},
                              {"full": "Abu Bakr al-Baghdadi", "kind": "kunya"}],
                    "sex": "male", "dob": {"value": "1971", "approximate": True},
                    "nationalities": ["Irak"],
                    "documents": [{"type": "passport", "number": "a12-345", "issuer": "IQ"}]},
        "movement": {"kind": "departure", "place": "Istanbul", "country": "Turkey",
                     "date": "2026-11"},
        "basis": {"legal_basis": ["UNSCR-2178"], "un_reference": "QDi.299"},
        "handling": {"audience": "named", "recipients": ["irq", "JOR"]},
    }


def variants() -> list[dict[str, Any]]:
    minimal = {"subject": {"names": [{"full": "X Y"}], "dob": "1990"},
               "movement": {"kind": "transit", "place": "Gaziantep"},
               "basis": {"legal_basis": ["UNSCR-2396"]},
               "handling": {"audience": "members-and-observers"}}
    minor = raw_notice()
    minor["subject"]["minor"] = True
    red = raw_notice()
    red["handling"].update(tlp="RED", named_users=["alice"], review_date="2030-01-01",
                           caveats=["ct-only", "no-judicial-use"], purposes=["prosecution"])
    return [raw_notice(), minimal, minor, red]


@pytest.mark.parametrize("index", range(4))
def test_loaded_notices_validate(index: int) -> None:
    loaded = load_notice_input(variants()[index], **VOCAB)
    validator("notice").validate(loaded)


def test_dumped_view_validates() -> None:
    content = load_notice_input(raw_notice(), **VOCAB)
    view = dump_notice({**content, "status": "active", "provenance": {
        "id": "IRQ-000001", "version": 1, "origin": "IRQ", "officer": "alice",
        "created": NOW, "supersedes": None, "recipients": ["JOR"]}})
    validator("notice").validate(view)


def _wire_notice() -> dict[str, Any]:
    content = load_notice_input(raw_notice(), **VOCAB)
    content["handling"]["review_date"] = "2027-11-20"
    return {**content, "provenance": {"id": "0b8e5a56-0d7e-4a43-8d39-8e0d1c2f4a10",
                                      "version": 2, "supersedes": 1, "origin": "IRQ",
                                      "officer": "alice", "created": "2026-11-20T08:00:00.000000Z",
                                      "recipients": ["JOR"]}}


def test_wire_notice_validates() -> None:
    validator("notice", "/$defs/wire").validate(_wire_notice())


@pytest.mark.parametrize("change", ["supersedes-string", "no-recipients", "no-provenance",
                                    "status", "unknown-provenance-member", "offset-time"])
def test_broken_wire_notices_do_not_validate(change: str) -> None:
    doc = _wire_notice()
    prov = doc["provenance"]
    if change == "supersedes-string":
        prov["supersedes"] = "1"
    elif change == "no-recipients":
        del prov["recipients"]
    elif change == "no-provenance":
        del doc["provenance"]
    elif change == "status":
        doc["status"] = "active"
    elif change == "unknown-provenance-member":
        prov["relayed_by"] = "JOR"
    else:
        prov["created"] = "2026-11-20T08:00:00+00:00"
    assert not validator("notice", "/$defs/wire").is_valid(doc)


def test_notice_extensions_go_under_ext() -> None:
    doc = _wire_notice()
    doc["ext"] = {"hit_feedback": {"wanted": True}}
    validator("notice", "/$defs/wire").validate(doc)
    doc["feedback"] = True
    assert not validator("notice", "/$defs/wire").is_valid(doc)


def _broken(change: str) -> dict[str, Any]:
    doc = copy.deepcopy(load_notice_input(raw_notice(), **VOCAB))
    s, h = doc["subject"], doc["handling"]
    if change == "no-names":
        s["names"] = []
    elif change == "no-identifier":
        s["dob"], s["nationalities"], s["documents"] = None, [], []
    elif change == "minor-green":
        s["minor"], h["tlp"] = True, "GREEN"
    elif change == "named-no-recipients":
        h["recipients"] = []
    elif change == "all-members-with-recipients":
        h["audience"] = "all-members"
    elif change == "named-users-amber":
        h["named_users"] = ["alice"]
    elif change == "unknown-field":
        s["eye_colour"] = "brown"
    elif change == "bad-month":
        s["dob"]["value"] = "1971-13"
    elif change == "lower-country":
        s["nationalities"] = ["irq"]
    elif change == "bidi-mark":
        s["names"][0]["full"] = "\u200fAbu"
    elif change == "control-char":
        s["names"][0]["full"] = "Abu\x00"
    elif change == "bad-doc-number":
        s["documents"][0]["number"] = "a-1"
    elif change == "bad-tlp":
        h["tlp"] = "WHITE"
    elif change == "bad-un-reference":
        doc["basis"]["un_reference"] = "QDi299"
    elif change == "no-legal-basis":
        doc["basis"]["legal_basis"] = []
    elif change == "long-name":
        s["names"][0]["full"] = "a" * 201
    return doc


BROKEN = ["no-names", "no-identifier", "minor-green", "named-no-recipients",
          "all-members-with-recipients", "named-users-amber", "unknown-field", "bad-month",
          "lower-country", "bidi-mark", "control-char", "bad-doc-number", "bad-tlp",
          "bad-un-reference", "no-legal-basis", "long-name"]


@pytest.mark.parametrize("change", BROKEN)
def test_broken_notices_do_not_validate(change: str) -> None:
    assert not validator("notice").is_valid(_broken(change))


#: Not normalised on the wire, but the input schema normalises them (upper-cases the
#: country, drops the bidi mark, writes the document number ICAO style).
NORMALISED_ON_INPUT = {"lower-country", "bidi-mark", "bad-doc-number"}


@pytest.mark.parametrize("change", [c for c in BROKEN if c not in NORMALISED_ON_INPUT])
def test_marshmallow_refuses_the_same(change: str) -> None:
    from fts_share.errors import ValidationError
    with pytest.raises(ValidationError):
        load_notice_input(_broken(change), **VOCAB)


# -- screen ------------------------------------------------------------------------

SCREEN = {"purpose": "border_screening", "legal_basis": ["UNSCR-2396"]}


def test_loaded_screen_requests_validate() -> None:
    v = validator("screen")
    kw = {**VOCAB, "max_rows": 10}
    v.validate(load_screen_request({**SCREEN, "name": "Abu Bakr"}, **kw))
    v.validate(load_screen_request({**SCREEN, "name": "Abu Bakr", "dob": "1971",
                                    "nationality": "Irak", "documents": ["A1", {"number": "b2"}]},
                                   **kw))
    v.validate(load_screen_request({**SCREEN, "batch": [{"name": "A"}, {"name": "B",
                                    "ref": "x", "dob": "1980-01", "nationality": "SY"}]}, **kw))
    v.validate({**SCREEN, "name": "Abu Bakr", "documents": ["A1"]})


@pytest.mark.parametrize("doc", [
    {**SCREEN},
    {**SCREEN, "name": "A", "batch": [{"name": "B"}]},
    {**SCREEN, "batch": []},
    {**SCREEN, "batch": [{"name": "A", "x": 1}]},
    {**SCREEN, "batch": [{"name": "A"}], "dob": "1970"},
    {**SCREEN, "name": "A", "dob": "1970-13"},
    {**SCREEN, "name": "A", "nationality": "Iraq"},
    {**SCREEN, "name": ""},
    {"legal_basis": ["UNSCR-2396"], "name": "A"},
    {**SCREEN, "legal_basis": [], "name": "A"},
    {**SCREEN, "name": "A", "limit": 3},
])
def test_bad_screen_requests_do_not_validate(doc: dict[str, Any]) -> None:
    assert not validator("screen").is_valid(doc)


# -- roster and feed page ----------------------------------------------------------

def _roster() -> tuple[dict[str, Any], Any]:
    from fts_share.crypto.keys import KeyKind, generate
    from fts_share.federation.roster import sign_roster
    secretariat = generate(KeyKind.ED25519)
    members = []
    keys = {}
    for code in ("IRQ", "JOR"):
        sign, enc = generate(KeyKind.ED25519), generate(KeyKind.X25519)
        keys[code] = (sign, enc)
        members.append({"code": code, "name": code, "role": "member", "status": "active",
                        "url": f"https://{code.lower()}.example", "valid_from": "2026-01-01T00:00:00Z",
                        "keys": [{**sign.public().to_json(), "use": "sign",
                                  "valid_from": "2026-01-01T00:00:00Z"},
                                 {**enc.public().to_json(), "use": "encrypt",
                                  "valid_from": "2026-01-01T00:00:00Z", "valid_until": None}]})
    doc = sign_roster({"v": 1, "version": 1, "issued": "2026-01-01T00:00:00Z",
                       "secretariat": secretariat.kid, "members": members}, secretariat)
    return doc, keys


def test_signed_roster_validates() -> None:
    from fts_share.federation.roster import Roster
    doc, _ = _roster()
    validator("roster").validate(doc)
    assert Roster(doc).members["IRQ"].role == "member"


@pytest.mark.parametrize("change", ["no-signature", "sign-with-x25519", "bad-role", "v2"])
def test_broken_rosters_do_not_validate(change: str) -> None:
    doc, _ = _roster()
    if change == "no-signature":
        del doc["signature"]
    elif change == "sign-with-x25519":
        doc["members"][0]["keys"][1]["use"] = "sign"
    elif change == "bad-role":
        doc["members"][0]["role"] = "admin"
    else:
        doc["v"] = 2
    assert not validator("roster").is_valid(doc)


def _page() -> dict[str, Any]:
    from fts_share.crypto.canonical import b64u, canonical_json
    from fts_share.crypto.envelope import Recipient, envelope_digest, seal
    from fts_share.federation.feed import FEED_SIGNING_PREFIX
    _, keys = _roster()
    irq_sign, _ = keys["IRQ"]
    _, jor_enc = keys["JOR"]
    content = load_notice_input(raw_notice(), **VOCAB)
    env = seal(content, origin="IRQ", seq=1, prev=None, created=NOW, label="AMBER",
               kind="notice", signer=irq_sign, recipients=[Recipient(node="JOR", key=jor_enc.public())])
    index = {"v": 1, "origin": "IRQ", "recipient": "JOR", "after": 0, "next": 1, "head": 1,
             "issued": "2026-11-20T08:00:00Z",
             "items": [{"n": 1, "seq": 1, "digest": envelope_digest(env)}]}
    return {"index": index, "signer": irq_sign.kid,
            "signature": b64u(irq_sign.sign(FEED_SIGNING_PREFIX + canonical_json(index))),
            "envelopes": [env], "tree_head": None, "roster_version": 1}


def test_feed_page_validates() -> None:
    validator("feed-page").validate(_page())


def test_feed_pages_are_open_at_the_top() -> None:
    """A page member this version does not know is ignored (docs/protocol.md,
    "Versioning"); the signed index is closed."""
    page = _page()
    page["witnessed_heads"] = []
    validator("feed-page").validate(page)


@pytest.mark.parametrize("change", ["no-index", "extra", "bad-n", "envelope-extra", "label"])
def test_broken_feed_pages_do_not_validate(change: str) -> None:
    page = _page()
    if change == "no-index":
        del page["index"]
    elif change == "extra":
        page["index"]["note"] = "x"
    elif change == "bad-n":
        page["index"]["items"][0]["n"] = -1
    elif change == "envelope-extra":
        page["envelopes"][0]["plaintext"] = "x"
    else:
        page["envelopes"][0]["header"]["label"] = "WHITE"
    assert not validator("feed-page").is_valid(page)


# -- alert decision (local API) ----------------------------------------------------------

@pytest.mark.parametrize("body", [
    {"decision": "confirmed", "reason": "same passport number"},
    {"decision": "reopened", "reason": "the date of birth differs\nchecked with the origin"},
    {"decision": "dismissed"}, {"decision": "confirmed", "reason": ""},
    {"decision": "confirmed", "note": "x"}, {"decision": "maybe", "reason": "x"},
    {"decision": "confirmed", "reason": "x", "note": "y"}, {"reason": "x"},
])
def test_alert_decision_schema_agrees_with_the_loader(body: dict[str, Any]) -> None:
    from fts_share.errors import ValidationError

    try:
        load_decision(body)
    except ValidationError:
        accepted = False
    else:
        accepted = True
    assert validator("alert-decision").is_valid(body) == accepted
