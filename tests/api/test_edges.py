"""Bad input at the edge (issue 14, item 3), from outside over real HTTP on both stores:
integers out of range, duplicate JSON members, NaN, control characters. Every answer
is a 4xx problem+json that names what was wrong (never a 500, never a cryptographic
failure for a validation error), and nothing reaches the database out of range."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from coalition import Coalition, Member, build, notice

from fts_share.clock import utcnow
from fts_share.crypto.httpsig import sign_request
from fts_share.services import refusals

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
PROBLEM = json.loads((SCHEMAS / "problem.schema.json").read_text())
BIG = [2**31, 2**62, 2**64 + 1, 10**30]
PURPOSE = "purpose=investigation&legal_basis=UNSCR-2178"
NID = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def pair(tmp_path: Path, store_urls: Callable[[], str]) -> Iterator[Coalition]:
    c = build(tmp_path, store_urls, [("FRA", "member"), ("IRQ", "member")])
    yield c
    c.close()


def problem(status: int, body: Any, headers: dict[str, str], want: int) -> dict[str, Any]:
    """Assert a problem+json answer of status ``want``; return it."""
    assert status == want, (status, body)
    assert headers["Content-Type"].startswith("application/problem+json")
    jsonschema.Draft202012Validator(PROBLEM).validate(body)
    return dict(body)


def refused_entries(member: Member) -> list[dict[str, Any]]:
    status, body, _ = member.api("GET", "/api/v1/audit/entries?action=access_refused"
                                        "&limit=1000", token="reviewer")
    assert status == 200, body
    return list(body["items"])


def signed_get(member: Member, signer: Member, path: str) -> tuple[int, Any, dict[str, str]]:
    headers = sign_request(method="GET", url=member.url + path, headers={}, body=b"",
                           key=signer.node.signing, now=utcnow())
    return member.api("GET", path, headers=headers)


@pytest.mark.parametrize("value", BIG)
def test_integers_out_of_range_are_named_validation_errors(pair: Coalition, value: int) -> None:
    fra = pair["FRA"]
    for path, field in [(f"/api/v1/notices?after={value}", "after"),
                        (f"/api/v1/alerts?after={value}", "after"),
                        (f"/api/v1/notices/{NID}?{PURPOSE}&version={value}", "version")]:
        doc = problem(*fra.api("GET", path, token="officer"), want=422)
        assert doc["type"].endswith("/validation") and field in doc["errors"], doc
    doc = problem(*fra.api("POST", f"/api/v1/alerts/{value}/decision", token="officer",
                           body={"decision": "dismissed"}), want=422)
    assert "alert_id" in doc["errors"]
    for path, field in [(f"/api/v1/audit/proof/inclusion?index={value * 2**22}", "index"),
                        (f"/api/v1/audit/proof/consistency?first=1&second={value * 2**22}",
                         "second")]:
        doc = problem(*fra.api("GET", path, token="reviewer"), want=422)
        assert field in doc["errors"], doc


@pytest.mark.parametrize("param", ["after", "tree_size"])
def test_a_feed_request_with_a_huge_cursor_is_a_validation_error(pair: Coalition,
                                                                 param: str) -> None:
    fra, irq = pair["FRA"], pair["IRQ"]
    doc = problem(*signed_get(fra, irq, f"/api/v1/feed?{param}={2**62}&limit=10"), want=422)
    assert doc["type"].endswith("/validation") and param in doc["errors"]
    assert "crypto" not in doc["type"]
    # The largest accepted cursor is an ordinary (empty) page.
    status, page, _ = signed_get(fra, irq, f"/api/v1/feed?after={2**31 - 1}&limit=10")
    assert status == 200 and page["envelopes"] == []


def test_an_if_match_version_out_of_range_is_named(pair: Coalition) -> None:
    fra = pair["FRA"]
    status, out, _ = fra.api("POST", "/api/v1/notices", token="officer",
                             body=notice(recipients=["IRQ"]))
    assert status == 201, out
    doc = problem(*fra.api("PUT", f"/api/v1/notices/{out['id']}", token="officer",
                           body=notice(recipients=["IRQ"]),
                           headers={"If-Match": f'"v{2**64}"'}), want=422)
    assert "If-Match" in doc["errors"]


@pytest.mark.parametrize("raw", [
    b'{"decision": "dismissed", "decision": "confirmed"}',
    b'{"decision": "dismissed", "note": NaN}',
    b'{"decision": "dismissed", "note": 1e999}',
    b'{"decision": "dismissed", "note": "\\ud800"}',
    b'{"decision": "dismissed"' + b', "x": [' * 200 + b']' * 200 + b'}',
    b'{"decision": "\xff"}',
])
def test_json_that_is_not_strict_is_malformed(pair: Coalition, raw: bytes) -> None:
    fra = pair["FRA"]
    doc = problem(*fra.api("POST", "/api/v1/alerts/1/decision", token="officer", raw=raw,
                           headers={"Content-Type": "application/json"}), want=400)
    assert doc["type"].endswith("/malformed")


def test_duplicate_members_in_a_notice_are_refused_and_nothing_is_stored(
        pair: Coalition) -> None:
    fra = pair["FRA"]
    body = json.dumps(notice(recipients=["IRQ"]))
    raw = ('{"subject": {"names": [], "sex": "male"}, ' + body[1:]).encode()
    doc = problem(*fra.api("POST", "/api/v1/notices", token="officer", raw=raw,
                           headers={"Content-Type": "application/json"}), want=400)
    assert "duplicate member name" in doc["detail"]
    status, listing, _ = fra.api("GET", "/api/v1/notices", token="officer")
    assert status == 200 and listing["items"] == []


@pytest.mark.parametrize("path", ["/api/v1/notices/%00", "/api/v1/notices/a%0Ab",
                                  "/api/v1/node%1F", "/api/v1/feed%7F"])
def test_a_path_with_a_control_character_is_refused_and_recorded(pair: Coalition,
                                                                 path: str) -> None:
    fra = pair["FRA"]
    before = len(refused_entries(fra))
    doc = problem(*fra.api("GET", path, token="officer"), want=422)
    assert "path" in doc["errors"]
    # Unauthenticated refusals are counted per source and minute (issue 14, 2b):
    # the count reaches the log when the minute is flushed.
    refusals.flush_closed(fra.node, utcnow(), stopping=True)
    after = refused_entries(fra)
    assert len(after) == before + 1
    entry = after[-1]
    assert entry["outcome"] == "refused" and entry["detail"]["aggregated"] is True
    assert entry["detail"]["reasons"] == {"control character in the path": 1}


def test_a_query_argument_with_a_nul_is_named(pair: Coalition) -> None:
    fra = pair["FRA"]
    doc = problem(*fra.api("GET", f"/api/v1/notices/{NID}?purpose=inv%00&legal_basis=x",
                           token="officer"), want=422)
    assert "purpose" in doc["errors"]
