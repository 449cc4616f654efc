"""api/problems.py: a 405 names the methods the route accepts (RFC 9110 15.5.6)."""

from __future__ import annotations

from flask import Flask

from fts_share.api import problems


def test_a_405_carries_allow() -> None:
    app = Flask(__name__)
    problems.init_app(app)
    app.add_url_rule("/x", "x", dict, methods=["GET", "POST"])
    resp = app.test_client().delete("/x")
    assert resp.status_code == 405 and resp.mimetype == problems.PROBLEM_MIME
    assert {m.strip() for m in resp.headers["Allow"].split(",")} >= {"GET", "POST"}
    assert resp.json is not None and resp.json["type"].endswith("/method-not-allowed")
