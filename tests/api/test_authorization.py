"""The authorisation matrix: every endpoint, every role (issue 4 §7).

A reviewer reads the log but cannot open notice content; an officer cannot read the
log; a partner node reaches only the feed, node information, screening and the
audit heads it witnessed; an admin
manages the node from the command line and reaches no data over the API.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from coalition import Coalition, build
from flask.testing import FlaskClient

from fts_share.app import create_app
from fts_share.clock import utcnow
from fts_share.crypto.httpsig import sign_request

NID = "00000000-0000-4000-8000-000000000000"
ENDPOINTS: list[tuple[str, str, set[str]]] = [
    ("GET", "/api/v1/openapi.json", {"anonymous", "officer", "reviewer", "admin", "node"}),
    ("GET", "/api/v1/node", {"anonymous", "officer", "reviewer", "admin", "node"}),
    ("GET", "/api/v1/roster", {"anonymous", "officer", "reviewer", "admin", "node"}),
    ("GET", "/api/v1/feed?after=0&limit=10", {"node"}),
    ("POST", "/api/v1/notices", {"officer"}),
    ("GET", "/api/v1/notices", {"officer"}),
    ("POST", "/api/v1/notices/search", {"officer"}),
    ("GET", f"/api/v1/notices/{NID}?purpose=investigation&legal_basis=UNSCR-2178", {"officer"}),
    ("PUT", f"/api/v1/notices/{NID}", {"officer"}),
    ("POST", f"/api/v1/notices/{NID}/withdraw", {"officer"}),
    ("GET", f"/api/v1/notices/{NID}/export?purpose=investigation&legal_basis=UNSCR-2178",
     {"officer"}),
    ("POST", f"/api/v1/notices/{NID}/share", {"officer"}),
    ("GET", f"/api/v1/notices/{NID}/hits", {"officer"}),
    ("POST", "/api/v1/screen", {"officer", "node"}),
    ("POST", "/api/v1/screen/jobs", {"officer"}),
    ("GET", "/api/v1/screen/jobs/nosuchjob", {"officer"}),
    ("GET", "/api/v1/alerts", {"officer"}),
    ("POST", "/api/v1/alerts/1/decision", {"officer"}),
    ("GET", "/api/v1/audit/entries", {"reviewer"}),
    ("GET", "/api/v1/audit/tree-head", {"reviewer"}),
    ("GET", "/api/v1/audit/proof/inclusion?index=0", {"reviewer"}),
    ("GET", "/api/v1/audit/proof/consistency?first=1", {"reviewer"}),
    ("GET", "/api/v1/audit/verify", {"reviewer"}),
    ("GET", "/api/v1/audit/export?format=csv", {"reviewer"}),
    ("GET", "/api/v1/audit/report", {"reviewer"}),
    ("GET", "/api/v1/audit/findings", {"reviewer"}),
    ("GET", "/api/v1/audit/witnessed-heads", {"node"}),
    ("GET", "/api/v1/peers", {"admin"}),
]
ROLES = ["anonymous", "officer", "reviewer", "admin", "node"]
BODY = {"purpose": "investigation", "legal_basis": ["UNSCR-2178"], "name": "Omar Khalid"}


@pytest.fixture
def pair(tmp_path: Path, store_urls: Callable[[], str]) -> Iterator[Coalition]:
    c = build(tmp_path, store_urls, [("FRA", "member"), ("IRQ", "member")], start=False)
    yield c
    c.close()


def call(client: FlaskClient, coalition: Coalition, role: str, method: str,
         path: str) -> Any:
    body = json.dumps(BODY).encode()
    headers = {"Content-Type": "application/json"}
    if role == "node":
        headers.update(sign_request(method=method, url=coalition["FRA"].url + path,
                                    headers=headers, body=body,
                                    key=coalition["IRQ"].node.signing, now=utcnow()))
    elif role != "anonymous":
        headers["Authorization"] = f"Bearer {coalition['FRA'].tokens[role]}"
    return client.open(path, method=method, headers=headers, data=body)


def test_every_endpoint_is_documented_in_the_matrix(pair: Coalition) -> None:
    app = create_app(node=pair["FRA"].node)
    api_rules = {(m, r.rule) for r in app.url_map.iter_rules() if r.rule.startswith("/api/")
                 for m in r.methods - {"HEAD", "OPTIONS"}}
    listed = {(m, p.split("?")[0].replace(NID, "<notice_id>").replace("/alerts/1/",
                                                                      "/alerts/<int:alert_id>/")
               .replace("/nosuchjob", "/<job_id>"))
              for m, p, _ in ENDPOINTS}
    assert api_rules == listed


@pytest.mark.parametrize("role", ROLES)
def test_authorisation_matrix(pair: Coalition, role: str) -> None:
    client = create_app(node=pair["FRA"].node).test_client()
    for method, path, allowed in ENDPOINTS:
        resp = call(client, pair, role, method, path)
        if role in allowed:
            assert resp.status_code not in (401, 403), (role, method, path, resp.get_json())
        else:
            want = 401 if role == "anonymous" else 403
            assert resp.status_code == want, (role, method, path, resp.status_code)
            assert resp.mimetype == "application/problem+json"
