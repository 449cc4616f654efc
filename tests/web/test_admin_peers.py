"""What an administrator sees of each partner's polling, in the API
(``GET /api/v1/peers``, valid against schemas/peers.schema.json) and on the admin page
in English, French and Arabic: last success, last error, failures in a row, next
attempt, position in the feed and last sequence held."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from coalition import Coalition, free_port, notice
from page_tour import client_of
from protocol.wire_schemas import validator
from test_every_word import english_messages, leaks

from fts_share.clock import utcnow
from fts_share.services.roster import import_roster
from fts_share.services.unit import Work


def _publish(c: Coalition, origin: str, to: list[str]) -> None:
    status, body, _ = c[origin].api("POST", "/api/v1/notices", token="officer",
                                    body=notice(recipients=to))
    assert status == 201, body


def _fra_down(c: Coalition) -> None:
    """A new roster on which FRA is reached where nobody listens."""
    c.version += 1

    def edit(entries: list[dict[str, Any]]) -> None:
        for e in entries:
            if e["code"] == "FRA":
                e["url"] = f"http://127.0.0.1:{free_port()}"

    doc = c.roster_document(version=c.version, now=utcnow(), edit=edit)
    with c["IRQ"].node.store.transaction() as session:
        import_roster(Work(session=session, now=utcnow(), node=c["IRQ"].node), doc)


def _states(c: Coalition) -> dict[str, dict[str, Any]]:
    status, body, _ = c["IRQ"].api("GET", "/api/v1/peers", token="admin")
    assert status == 200, body
    validator("peers").validate(body)
    assert body["node"] == "IRQ"
    return {p["code"]: p for p in body["peers"]}


def test_admin_sees_each_partners_state(coalition: Coalition) -> None:
    _publish(coalition, "MLI", ["IRQ"])
    _publish(coalition, "FRA", ["IRQ"])
    before = _states(coalition)
    assert set(before) == {"FRA", "MLI"}
    assert before["FRA"]["last_success"] is None and before["FRA"]["failures"] == 0
    coalition["IRQ"].poll()
    ok = _states(coalition)["FRA"]
    assert ok["cursor"] == 1 and ok["last_seq"] == 1 and ok["last_success"]
    assert ok["failures"] == 0 and ok["last_error"] is None and ok["polled"]
    assert datetime.fromisoformat(ok["next_attempt"]) > datetime.fromisoformat(ok["last_success"])
    _fra_down(coalition)
    coalition["IRQ"].poll()
    coalition["IRQ"].poll()
    states = _states(coalition)
    fra, mli = states["FRA"], states["MLI"]
    assert fra["failures"] == 2 and "refused" in fra["last_error"]
    assert fra["last_success"] == ok["last_success"] and fra["cursor"] == 1
    assert datetime.fromisoformat(fra["next_attempt"]) > datetime.fromisoformat(fra["last_success"])
    assert mli["failures"] == 0 and mli["cursor"] == 1 and mli["roster_status"] == "active"
    # Only administrators see it.
    for role in ("officer", "reviewer"):
        status, body, _ = coalition["IRQ"].api("GET", "/api/v1/peers", token=role)
        assert status == 403 and "admin" in body["detail"]


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_admin_page(coalition: Coalition, lang: str) -> None:
    _publish(coalition, "FRA", ["IRQ"])
    coalition["IRQ"].poll()
    _fra_down(coalition)
    coalition["IRQ"].poll()
    client = client_of(coalition["IRQ"], "admin", lang)
    home = client.get("/")
    assert home.status_code == 302 and home.location.endswith("/admin/peers")
    page = client.get("/admin/peers")
    assert page.status_code == 200
    html = page.text
    row = html[html.index('id="peer-FRA"'):]
    row = row[:row.index("</tr>")]
    assert "Connection refused" in row and re.search(r"<time datetime=\"20", row)
    assert html.count("<tr id=\"peer-") == 2
    if lang != "en":
        assert leaks(html, lang, english_messages(lang)) == []
    officer = client_of(coalition["IRQ"], "officer", lang)
    assert officer.get("/admin/peers").status_code == 403
