"""No personal data where it does not belong (issue 14, item 7).

The main flows run with every log record captured at DEBUG: an officer publishes a
notice with names, a full date of birth and a passport number; a partner receives and
screens it; officers screen the same person through the API, the web page and a
partner; and bad input carrying the same identity is sent every way an attacker or a
careless client would. Then the log records, every problem+json body and every audit
entry of every node are searched for the names, dates of birth and document numbers
used. (The node has no /metrics endpoint; there is nothing else it writes.)
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from coalition import Coalition, notice
from web_helpers import add_watchlist, csrf_of, sign_in

from fts_share.app import create_app
from fts_share.audit.query import entry_to_json
from fts_share.clock import utcnow
from fts_share.errors import FtsError
from fts_share.services import refusals, screening
from fts_share.storage.audit_tables import AuditEntry

pytestmark = pytest.mark.usefixtures("coalition")

NAMES = ("Karim Benali", "كريم بن علي", "Souleymane Haddouchi")
DOBS = ("1994-03-17", "17/03/1994", "1994-02-30")
DOCUMENTS = ("X9981726", "QZ7730412")
SECRETS = (*NAMES, *DOBS, *DOCUMENTS, "Benali", "Haddouchi")
BASE = {"purpose": "border_screening", "legal_basis": ["UNSCR-2178"]}


def subject(**extra: object) -> dict[str, object]:
    return {"names": [{"full": NAMES[0], "kind": "primary"}, {"full": NAMES[1], "kind": "spelling"}],
            "sex": "male", "dob": {"value": DOBS[0], "approximate": False},
            "nationalities": ["FRA"], "minor": False,
            "documents": [{"type": "passport", "number": DOCUMENTS[0], "issuer": "FRA"}], **extra}


class Recorder:
    """Every problem+json body the flows received."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def keep(self, status: int, body: object, headers: dict[str, str]) -> tuple[int, object]:
        if status >= 400:
            assert "problem+json" in headers.get("Content-Type", ""), (status, body)
            self.problems.append(json.dumps(body, ensure_ascii=False))
        return status, body


@pytest.fixture
def flows(coalition: Coalition, caplog: pytest.LogCaptureFixture) -> Iterator[Recorder]:
    caplog.set_level(logging.DEBUG)
    rec = Recorder()
    fra, irq = coalition["FRA"], coalition["IRQ"]
    add_watchlist(irq)

    def api(member, method: str, path: str, **kw: object) -> tuple[int, object]:  # type: ignore[no-untyped-def]
        return rec.keep(*member.api(method, path, **kw))

    # 1. publish, exchange, screen on arrival
    status, body = api(fra, "POST", "/api/v1/notices", token="officer",
                       body=notice(recipients=["IRQ"], **subject()))
    assert status == 201, body
    irq.poll()
    # 2. screening queries: API, a partner, the web page
    status, body = api(irq, "POST", "/api/v1/screen", token="officer",
                       body={**BASE, "name": NAMES[0], "dob": DOBS[0],
                             "documents": [{"number": DOCUMENTS[0]}]})
    assert status == 200 and body["hit"], body  # type: ignore[index]
    screening.screen_at(fra.node, "IRQ", body={**BASE, "name": NAMES[2], "dob": DOBS[0]},
                        actor="user:fra-officer", now=utcnow())
    with pytest.raises(FtsError):
        screening.screen_at(fra.node, "IRQ", body={**BASE, "name": NAMES[2], "dob": DOBS[2]},
                            actor="user:fra-officer", now=utcnow())
    web = create_app(node=irq.node).test_client()
    assert sign_in(web, irq.tokens["officer"]).status_code == 302
    reviewer = create_app(node=irq.node).test_client()
    assert sign_in(reviewer, irq.tokens["reviewer"]).status_code == 302
    assert reviewer.get(f"/officer/notices/{NAMES[0]}").status_code == 403  # refused, logged
    page = web.get("/officer/screen/")
    for dob in (DOBS[0], DOBS[1]):
        web.post("/officer/screen/", data={"name": NAMES[0], "dob": dob, "document": DOCUMENTS[1],
                                           "purpose": BASE["purpose"],
                                           "legal_basis": BASE["legal_basis"],
                                           "csrf_token": csrf_of(page.text)})
    # 3. bad input carrying the identity
    bad_notices = [notice(recipients=["IRQ"], **subject(dob={"value": DOBS[1]})),
                   notice(recipients=["IRQ"], **subject(dob={"value": DOBS[2]})),
                   notice(recipients=["IRQ"], **subject(nationalities=[NAMES[2]])),
                   notice(recipients=["IRQ"], **subject(
                       documents=[{"type": "passport", "number": DOCUMENTS[1] + "<>?"}])),
                   notice(recipients=[NAMES[2]], **subject()),
                   {**notice(recipients=["IRQ"], **subject()), NAMES[2]: DOCUMENTS[1]},
                   notice(recipients=["IRQ"], **subject(names=[{"full": NAMES[2] * 40}]))]
    for body in bad_notices:
        assert api(fra, "POST", "/api/v1/notices", token="officer", body=body)[0] in (400, 422)
    for body in ({**BASE, "name": NAMES[0], "dob": DOBS[1]},
                 {**BASE, "name": NAMES[0], "nationality": NAMES[2]},
                 {**BASE, "name": NAMES[0], "documents": [{"number": DOCUMENTS[1] + "\x00"}]},
                 {**BASE, "name": NAMES[0] * 60},
                 {**BASE, "batch": [{"name": NAMES[0], "dob": DOBS[2]}]},
                 {"purpose": NAMES[2], "legal_basis": [DOCUMENTS[1]], "name": NAMES[0]}):
        assert api(irq, "POST", "/api/v1/screen", token="officer", body=body)[0] in (400, 422)
    raw = [f'{{"name": "{NAMES[0]}", "dob": "{DOBS[0]}",'.encode(),
           f'{{"name": "{NAMES[0]}", "name": "{NAMES[2]}"}}'.encode(),
           f'{{"name": "{NAMES[0]}", "dob": NaN}}'.encode()]
    for data in raw:
        assert api(irq, "POST", "/api/v1/screen", token="officer", raw=data,
                   headers={"Content-Type": "application/json"})[0] == 400
    quoted = NAMES[0].replace(" ", "%20")
    for path, token in [(f"/api/v1/notices/{quoted}", "officer"),
                        (f"/api/v1/notices/{quoted}%01{DOCUMENTS[1]}", "officer"),
                        (f"/api/v1/notices?q={quoted}&dob={DOBS[0]}", None),
                        (f"/api/v1/notices/{DOCUMENTS[1]}", "wrong-token"),
                        (f"/api/v1/notices/{quoted}?purpose={DOBS[0]}", "reviewer"),
                        (f"/api/v1/feed?after={DOBS[0]}", None),
                        (f"/{quoted}/{DOBS[0]}", None),
                        (f"/api/v1/audit/entries?object_id={quoted}&since={DOBS[1]}", "reviewer")]:
        assert api(irq, "GET", path, token=token)[0] >= 400
    yield rec


def entries(member) -> list[str]:  # type: ignore[no-untyped-def]
    refusals.flush_closed(member.node, utcnow(), stopping=True)  # the counted refusals too
    with member.node.store.read() as session:
        rows = session.query(AuditEntry).order_by(AuditEntry.seq).all()
        return [json.dumps(entry_to_json(r), ensure_ascii=False) for r in rows]


def leaks(texts: list[str]) -> str:
    """Each text that holds a secret, with the secret (empty if none does)."""
    return "\n".join(f"{secret!r} in {text[:400]}" for text in texts for secret in SECRETS
                     if secret.lower() in text.lower())


def test_no_personal_data_in_logs_problems_or_audit(flows: Recorder, coalition: Coalition,
                                                    caplog: pytest.LogCaptureFixture,
                                                    tmp_path: Path) -> None:
    records = [f"{r.name} {r.levelname} {r.getMessage()}" for r in caplog.records]
    records.append(caplog.text)  # with the tracebacks
    assert len(flows.problems) >= 20
    audit = [e for code in ("FRA", "IRQ", "MLI") for e in entries(coalition[code])]
    assert any('"action": "access_refused"' in e for e in audit)
    assert not leaks(records), leaks(records)
    assert not leaks(flows.problems + audit), leaks(flows.problems + audit)



def test_a_database_error_does_not_carry_the_statement_parameters(store_url: str) -> None:
    """An error logged with its traceback (``log.exception``) shows the statement, not
    the values bound to it."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from fts_share.storage.engine import make_engine

    engine = make_engine(store_url)
    try:
        with engine.connect() as connection, pytest.raises(SQLAlchemyError) as caught:
            connection.execute(text("SELECT * FROM no_such_table WHERE name = :n AND dob = :d"),
                               {"n": NAMES[0], "d": DOBS[0]})
    finally:
        engine.dispose()
    assert "no_such_table" in str(caught.value)
    assert not leaks([str(caught.value)]), str(caught.value)
