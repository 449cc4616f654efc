"""The alert page: both sides side by side (names, dates of birth, nationalities,
documents), and decisions that need a reason, can be revised or undone, and are kept
as a history and logged. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import coalition
import pytest
from page_tour import client_of, post, prepare
from sqlalchemy import select

from fts_share.storage.audit_tables import AuditEntry
from fts_share.storage.models import AlertDecision


@pytest.fixture
def started(tmp_path: Path, store_urls: Callable[[], str]) -> Iterator[tuple[coalition.Coalition,
                                                                            dict[str, str]]]:
    c = coalition.build(tmp_path, store_urls, [("FRA", "member"), ("IRQ", "member")],
                        post_quantum={"FRA": False, "IRQ": False})
    ids = prepare(c)
    yield c, ids
    c.close()


def side(html: str, title: str) -> str:
    """The text of the side headed ``title`` (tags removed)."""
    found = re.search(r'<section class="side">\s*<h3>' + title + r"</h3>(.*?)</section>", html,
                      re.DOTALL)
    assert found, title
    return re.sub(r"<[^>]+>", " ", found.group(1))


def test_both_sides_with_dates_nationalities_and_documents(
        started: tuple[coalition.Coalition, dict[str, str]]) -> None:
    c, _ids = started
    officer = client_of(c["IRQ"], "officer")
    page = officer.get("/officer/alerts").text
    card = page[page.index('<article class="alert-card"'):]
    card = card[:card.index("</article>")]
    subject, record = side(card, "Notice subject"), side(card, "Watchlist record")
    assert "Saddam Hussein al-Tikriti" in subject and "1937-04-28" in subject
    assert "Iraq" in subject and "From" in subject
    assert "1937-04-28" in record and "IQi.001" in record and "Iraq" in record


def test_decisions_need_a_reason_and_are_revised_with_their_history(
        started: tuple[coalition.Coalition, dict[str, str]]) -> None:
    c, ids = started
    officer = client_of(c["IRQ"], "officer")
    alert = ids["alert"]
    url, page = f"/officer/alerts/{alert}/decision", f"/officer/alerts/{alert}"
    refused = post(officer, url, {"decision": "confirmed", "back": "alert"}, page,
                   follow_redirects=True)
    assert "The decision was not recorded" in refused.text and "Reason" in refused.text
    assert "No decision yet." in refused.text
    steps = [("confirmed", "Same passport as the notice."),
             ("reopened", "The origin says the date of birth is wrong."),
             ("dismissed", "Different person: checked with the origin.")]
    for decision, reason in steps:
        done = post(officer, url, {"decision": decision, "reason": reason, "back": "alert"},
                    page, follow_redirects=True)
        assert done.status_code == 200 and reason in done.text
    again = post(officer, url, {"decision": "dismissed", "reason": "twice"}, page,
                 follow_redirects=True)
    assert "The alert already has this status." in again.text
    history = officer.get(page).text
    table = history[history.index('<section class="history"'):]
    assert [r for _d, r in steps] == re.findall(r'class="reason">([^<]+)<', table)
    assert "Undo the decision" in history and "Confirm the match" in history
    with c["IRQ"].node.store.read() as db:
        kept = [(d.decision, d.previous) for d in db.scalars(
            select(AlertDecision).where(AlertDecision.alert_id == int(alert))
            .order_by(AlertDecision.id))]
        logged = [e.detail for e in db.scalars(select(AuditEntry).where(
            AuditEntry.action == "match_decided", AuditEntry.object_id == alert))]
    assert kept == [("confirmed", "new"), ("reopened", "confirmed"), ("dismissed", "new")]
    assert [d["revision"] for d in logged] == [1, 2, 3]
    assert not any("passport" in str(d) for d in logged)
    fr = client_of(c["IRQ"], "officer", "fr").get(page).text
    assert "Écarté" in fr and "Rouverte" in fr
    assert officer.get("/officer/alerts/99999").status_code == 404
