"""The web pages through Flask's test client, on SQLite and PostgreSQL: sign-in and
sessions, roles, CSRF, the notice form, screening uploads, reviewer pages, headers."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import coalition
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from web_helpers import csrf_of, shown, sign_in

from fts_share.clock import utcnow
from fts_share.services import jobqueue, refusals
from fts_share.services.unit import unit_of_work
from fts_share.storage.audit_tables import AuditEntry
from fts_share.storage.models import Notice

GOOD = {"name_latin": "Karim Benali", "name_ar": "كريم بن علي", "alias-0-full": "Abou Souleymane",
        "alias-0-kind": "nom_de_guerre", "dob": "1994", "dob_approx": "1", "nationality-0": "FRA",
        "movement_kind": "departure", "movement_place": "Paris", "movement_country": "FRA",
        "legal_basis": "UNSCR-2178", "audience": "named", "recipients": "IRQ",
        "caveats": "ct-only", "action": "publish"}


def entries(pair: coalition.Coalition, action: str, code: str = "FRA") -> list[AuditEntry]:
    with pair[code].node.store.read() as db:
        return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def notices(pair: coalition.Coalition) -> int:
    with pair["FRA"].node.store.read() as db:
        return int(db.scalar(select(func.count()).select_from(Notice)) or 0)


def post(client: FlaskClient, url: str, data: dict[str, Any], *, page: str | None = None,
         **kw: Any) -> Any:
    token = csrf_of(client.get(page or "/officer/").text)
    return client.post(url, data={**data, "csrf_token": token}, **kw)


def publish(client: FlaskClient, **changes: Any) -> Any:
    return post(client, "/officer/publish", {**GOOD, **changes}, page="/officer/publish")


def field_errors(html: str) -> dict[str, str]:
    return dict(re.findall(r'<ul class="field-errors" id="err-([^"]+)">\s*<li>([^<]+)', html))


# -- sign-in and sessions --------------------------------------------------------------


def test_root_sends_to_sign_in_then_home(app: Flask, pair: coalition.Coalition) -> None:
    client = app.test_client()
    assert client.get("/").headers["Location"].endswith("/sign-in")
    assert client.get("/officer/").headers["Location"].startswith("/sign-in?next=")
    sign_in(client, pair["FRA"].tokens["reviewer"])
    assert client.get("/").headers["Location"].endswith("/review/")


def test_sign_in_cookie_rotation_and_sign_out(app: Flask, pair: coalition.Coalition) -> None:
    client = app.test_client()
    before = csrf_of(client.get("/sign-in").text)
    resp = sign_in(client, pair["FRA"].tokens["officer"])
    cookie = resp.headers["Set-Cookie"]
    assert cookie.startswith("fts-FRA=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # the node URL is http in tests
    after = csrf_of(client.get("/officer/").text)
    assert before != after, "the session (and its CSRF token) is renewed at sign-in"
    token = pair["FRA"].tokens["officer"]
    for page in ("/officer/", "/officer/publish", "/officer/screen/", "/officer/alerts"):
        text = client.get(page).text
        assert token not in text and token[4:20] not in text
    assert [e.actor for e in entries(pair, "sign_in")] == ["user:fra-officer"]
    post(client, "/sign-out", {})
    assert client.get("/officer/").status_code == 302
    assert [e.actor for e in entries(pair, "sign_out")] == ["user:fra-officer"]


def test_bad_token_is_refused_and_logged(app: Flask, pair: coalition.Coalition) -> None:
    client = app.test_client()
    resp = sign_in(client, "fts_not-a-token")
    assert resp.status_code == 401 and "not valid" in resp.text
    # Anonymous refusals are counted per address and minute, written once it closes.
    with unit_of_work(pair["FRA"].node, utcnow()) as work:
        refusals.flush(work, closed_before=utcnow() + timedelta(minutes=2))
    refused = entries(pair, "access_refused")
    assert refused and refused[-1].outcome == "refused"
    assert refused[-1].detail["reasons"] == {"invalid token at sign-in": 1}


def test_secure_cookie_for_https_nodes(pair: coalition.Coalition) -> None:
    from fts_share.app import create_app

    app = create_app(node=pair["FRA"].node, test_config={"SESSION_COOKIE_SECURE": True})
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-fts-FRA"
    resp = sign_in(app.test_client(), pair["FRA"].tokens["officer"])
    cookie = resp.headers["Set-Cookie"]
    assert cookie.startswith("__Host-fts-FRA=") and "Secure" in cookie and "Path=/" in cookie


# -- roles -----------------------------------------------------------------------------


def test_reviewer_cannot_open_notice_content(officer: FlaskClient, reviewer: FlaskClient,
                                             pair: coalition.Coalition) -> None:
    assert publish(officer).status_code == 302
    with pair["FRA"].node.store.read() as db:
        notice_id = db.scalars(select(Notice.notice_id)).first()
    for url in (f"/officer/notices/{notice_id}", "/officer/", "/officer/alerts"):
        resp = reviewer.get(url)
        assert resp.status_code == 403 and "Karim" not in resp.text
    resp = post(reviewer, f"/officer/notices/{notice_id}/open",
                {"purpose": "investigation", "legal_basis": "UNSCR-2178"}, page="/review/")
    assert resp.status_code == 403 and "Karim" not in resp.text
    refused = entries(pair, "access_refused")
    assert len(refused) == 4 and {e.actor for e in refused} == {"user:fra-reviewer"}


def test_officer_cannot_read_the_log(officer: FlaskClient, pair: coalition.Coalition) -> None:
    for url in ("/review/", "/review/tree", "/review/report", "/review/export.csv"):
        assert officer.get(url).status_code == 403
    assert len(entries(pair, "access_refused")) == 4


# -- CSRF ------------------------------------------------------------------------------


def test_forms_without_csrf_token_are_refused(officer: FlaskClient,
                                              pair: coalition.Coalition) -> None:
    resp = officer.post("/officer/publish", data=GOOD)
    assert resp.status_code == 400 and "form expired" in resp.text
    assert officer.post("/officer/publish", data={**GOOD, "csrf_token": "forged"}).status_code == 400
    assert officer.post("/officer/preview-name", json={"name": "Ali"}).status_code == 400
    assert notices(pair) == 0


def test_json_api_is_not_subject_to_csrf(app: Flask, pair: coalition.Coalition) -> None:
    body = coalition.notice(recipients=["IRQ"])
    resp = app.test_client().post("/api/v1/notices", json=body, headers={
        "Authorization": f"Bearer {pair['FRA'].tokens['officer']}"})
    assert resp.status_code == 201


# -- the notice form -------------------------------------------------------------------


def test_publish_through_the_form(officer: FlaskClient, pair: coalition.Coalition) -> None:
    resp = publish(officer)
    assert resp.status_code == 302 and "box=published" in resp.headers["Location"]
    listing = officer.get("/officer/?box=published").text
    assert "Notice published to 1 partner(s)." in listing and "TLP:AMBER" in listing
    [entry] = entries(pair, "publish")
    assert entry.actor == "user:fra-officer" and entry.legal_basis == ["UNSCR-2178"]


def test_bad_input_shows_errors_next_to_fields(officer: FlaskClient,
                                               pair: coalition.Coalition) -> None:
    resp = publish(officer, name_latin="123", name_ar="", dob="1994-13", movement_place="",
                   legal_basis=[], recipients=[])
    assert resp.status_code == 422
    errs = field_errors(resp.text)
    assert errs["name_latin"] == "A name must contain letters."
    assert errs["dob"].startswith("Not a valid date")
    assert errs["movement_place"] == "Missing data for required field."
    assert "legal_basis" in errs and "recipients" in errs
    assert 'id="f-dob"' in resp.text and 'aria-describedby="hint-dob err-dob"' not in resp.text
    assert re.search(r'id="f-dob"[^>]*aria-invalid="true"', resp.text)
    assert 'value="1994-13"' in resp.text, "what was typed is kept"
    assert notices(pair) == 0 and not entries(pair, "publish")


def test_minimum_criteria_and_service_errors_are_placed(officer: FlaskClient) -> None:
    resp = publish(officer, dob="", **{"nationality-0": ""})
    assert "Below the minimum identifying data" in field_errors(resp.text)["subject"]
    resp = publish(officer, review_date="2001-01-01")
    assert field_errors(resp.text)["review_date"] == "must be in the future"


def test_errors_are_translated(officer: FlaskClient) -> None:
    post(officer, "/language", {"lang": "fr", "back": "/officer/publish"})
    resp = publish(officer, movement_place="")
    assert field_errors(resp.text)["movement_place"] == "Champ obligatoire manquant."


def test_name_preview_without_and_with_javascript(officer: FlaskClient,
                                                  pair: coalition.Coalition) -> None:
    resp = publish(officer, action="preview", name_ar="أبو بكر البغدادي")
    assert resp.status_code == 200 and "How the engine reads the names" in resp.text
    assert "kunya" in resp.text and "nisba (origin)" in resp.text
    assert notices(pair) == 0
    token = csrf_of(officer.get("/officer/publish").text)
    doc = officer.post("/officer/preview-name", json={"name": "Abu Bakr al-Baghdadi"},
                       headers={"X-CSRFToken": token}).get_json()
    assert [p["role"] for p in doc["parts"]] == ["kunya", "nisba"]
    assert doc["parts"][0]["romanisations"]
    bad = officer.post("/officer/preview-name", json={"name": "al-"},
                       headers={"X-CSRFToken": token}).get_json()
    assert bad["error"]


def test_open_asks_purpose_first_then_update_and_withdraw(officer: FlaskClient,
                                                          pair: coalition.Coalition) -> None:
    publish(officer)
    with pair["FRA"].node.store.read() as db:
        notice_id = db.scalars(select(Notice.notice_id)).one()
    gate = officer.get(f"/officer/notices/{notice_id}")
    assert "Karim" not in gate.text and 'name="purpose"' in gate.text
    url = f"/officer/notices/{notice_id}/open"
    missing = post(officer, url, {"legal_basis": "UNSCR-2178"})
    assert missing.status_code == 422 and "purpose" in field_errors(missing.text)
    opened = post(officer, url, {"purpose": "investigation", "legal_basis": "UNSCR-2178"})
    assert "Karim Benali" in opened.text and 'dir="auto">كريم بن علي' in opened.text
    [entry] = entries(pair, "open")
    assert entry.purpose == "investigation"
    edit = post(officer, url, {"purpose": "investigation", "legal_basis": "UNSCR-2178",
                               "intent": "edit"})
    assert 'value="Karim Benali"' in edit.text and 'name="version" value="1"' in edit.text
    form = {**GOOD, "version": "1", "movement_place": "Lyon"}
    resp = post(officer, f"/officer/notices/{notice_id}/update", form)
    assert resp.status_code == 302
    stale = post(officer, f"/officer/notices/{notice_id}/update", form)
    assert stale.status_code == 409, "the form was prefilled from version 1"
    empty = post(officer, f"/officer/notices/{notice_id}/withdraw", {"reason": " "})
    assert empty.status_code == 422 and "reason" in field_errors(empty.text)
    done = post(officer, f"/officer/notices/{notice_id}/withdraw", {"reason": "duplicate"})
    assert done.status_code == 302
    assert [e.object_version for e in entries(pair, "withdraw")] == [2]


# -- screening -------------------------------------------------------------------------

SCREEN = {"purpose": "border_screening", "legal_basis": "UNSCR-2178"}


def upload(client: FlaskClient, content: bytes, name: str = "list.csv",
           mimetype: str = "text/csv") -> Any:
    return post(client, "/officer/screen/batch",
                {**SCREEN, "file": (io.BytesIO(content), name, mimetype)},
                page="/officer/screen/", content_type="multipart/form-data")


def test_screen_one_name(officer: FlaskClient, pair: coalition.Coalition) -> None:
    resp = post(officer, "/officer/screen/", {**SCREEN, "name": "Omar Haddad", "dob": "1980"},
                page="/officer/screen/")
    assert resp.status_code == 200 and "No hit" in resp.text
    assert entries(pair, "screen")[0].purpose == "border_screening"
    bad = post(officer, "/officer/screen/", {"name": ""}, page="/officer/screen/")
    assert bad.status_code == 422 and {"name", "purpose"} <= set(field_errors(bad.text))


def test_csv_with_a_bad_row_screens_nothing(officer: FlaskClient,
                                            pair: coalition.Coalition) -> None:
    resp = upload(officer, b"ref,name,dob\nA1,Omar Haddad,1980\nA2,Ali Hassan,19x0\n")
    assert resp.status_code == 422 and 'Line 3 (<bdi dir="ltr">dob</bdi>)' in resp.text
    resp = upload(officer, b"name\nOmar Haddad\nal-\n")
    assert resp.status_code == 422 and 'Line 3 (<bdi dir="ltr">name</bdi>)' in resp.text
    assert not entries(pair, "screen_batch") and not entries(pair, "screen")
    good = upload(officer, "name,dob\nOmar Haddad,1980\nكريم بن علي,1994\n".encode())
    assert good.status_code == 302
    assert "2 rows screened" in shown(officer.get(good.headers["Location"]).text)
    assert entries(pair, "screen_batch")[0].detail["queries"] == 2


@pytest.mark.parametrize("content,name,mimetype,message", [
    (b"PK\x03\x04binary", "list.xlsx",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Only CSV files"),
    (b"\xff\xfe\x00n\x00a", "list.csv", "text/csv", "not UTF-8"),
    (b"name,colour\nAli,red\n", "list.csv", "text/csv", "Line 1"),
    (b"name\n" + b"Ali Hassan\n" * 500, "big.csv", "text/csv", "larger than 4 KB"),
])
def test_bad_uploads_are_refused(officer: FlaskClient, pair: coalition.Coalition,
                                 content: bytes, name: str, mimetype: str, message: str,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from fts_share.web import screening

    monkeypatch.setattr(screening, "MAX_UPLOAD_BYTES", 4096)  # small: no spooled temp file
    resp = upload(officer, content, name, mimetype)
    assert resp.status_code == 422 and message in resp.text
    assert not entries(pair, "screen_batch")


def test_long_batch_shows_progress(officer: FlaskClient, pair: coalition.Coalition,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from fts_share.web import screening

    monkeypatch.setattr(screening, "SYNC_ROWS", 2)
    resp = upload(officer, b"name\nOmar Haddad\nAli Hassan\nKarim Benali\n")
    assert resp.status_code == 302 and "/officer/screen/jobs/" in resp.headers["Location"]
    node = pair["FRA"].node
    if jobqueue.on_postgresql(node):  # queued: a worker of the job queue screens it
        assert "0 of 3 rows screened" in shown(officer.get(resp.headers["Location"]).text)
        jobqueue.work(node, burst=True)
    job = screening_job(officer, resp.headers["Location"])
    assert "3 rows screened" in shown(job)


def screening_job(client: FlaskClient, url: str) -> str:
    import time

    for _ in range(100):
        text = client.get(url).text
        if "Screening in progress" not in text:
            return text
        assert re.search(r"\d+ of 3 rows screened", text)
        time.sleep(0.05)
    raise AssertionError("the batch did not finish")


# -- reviewer pages --------------------------------------------------------------------


def test_audit_log_filters_paging_and_errors(officer: FlaskClient, reviewer: FlaskClient,
                                             pair: coalition.Coalition) -> None:
    for _ in range(3):
        publish(officer)
    page = reviewer.get("/review/?action=publish")
    assert page.status_code == 200 and page.text.count("<tr class=\"outcome-ok\">") == 3
    bad = reviewer.get("/review/?actor=nobody&since=2026-99-01")
    assert bad.status_code == 422 and {"actor", "since"} <= set(field_errors(bad.text))
    from fts_share.web import reviewer as reviewer_pages

    reviewer_pages.PER_PAGE = 2
    try:
        first = reviewer.get("/review/?action=publish")
        nxt = re.search(r'rel="next" href="([^"]+)"', first.text).group(1).replace("&amp;", "&")
        second = reviewer.get(nxt)
        assert second.text.count("<tr class=\"outcome-ok\">") == 1
    finally:
        reviewer_pages.PER_PAGE = 50


def test_tree_head_proof_report_and_export(officer: FlaskClient, reviewer: FlaskClient,
                                           pair: coalition.Coalition) -> None:
    publish(officer)
    tree = reviewer.get("/review/tree").text
    assert 'id="verified-badge"' in tree and "Verified" in tree
    proof = reviewer.get("/review/proof?index=1").text
    assert "Proof verified" in proof and "the signed tree head" in proof
    assert reviewer.get("/review/proof?index=99999").status_code == 422
    report = reviewer.get("/review/report").text
    assert report.count("<svg") == 6 and "Subjects by sex" in report
    csv_text = reviewer.get("/review/export.csv?action=publish").text
    assert csv_text.splitlines()[0].startswith("seq,time,actor,action")
    assert len(csv_text.splitlines()) == 2
    jsonl = reviewer.get("/review/export.jsonl").text
    assert jsonl.startswith("{")
    assert len(entries(pair, "export")) == 2 and len(entries(pair, "audit_verify")) == 1
    assert "Karim" not in report + tree + proof + reviewer.get("/review/").text


# -- languages and headers --------------------------------------------------------------


def test_accept_language_and_switcher(app: Flask, pair: coalition.Coalition) -> None:
    client = app.test_client()
    page = client.get("/sign-in", headers={"Accept-Language": "ar,en;q=0.5"}).text
    assert '<html lang="ar" dir="rtl">' in page and "تسجيل الدخول" in page
    post(client, "/language", {"lang": "fr"}, page="/sign-in")
    page = client.get("/sign-in", headers={"Accept-Language": "ar"}).text
    assert '<html lang="fr" dir="ltr">' in page and "Se connecter" in page


def test_security_headers(app: Flask) -> None:
    client = app.test_client()
    resp = client.get("/sign-in")
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in resp.text and " style=" not in resp.text
    with client.get("/web-static/preview.js") as script:
        assert script.status_code == 200


def test_unknown_notice_is_an_html_404(officer: FlaskClient) -> None:
    resp = officer.get("/officer/notices/nope")
    assert resp.status_code == 404 and resp.mimetype == "text/html"
