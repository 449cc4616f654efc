"""Batch screening results an officer can act on: stored jobs (run by the job queue,
resumed after their process stops, removed after their retention time), each hit with its name, score,
explanation and measures, filters, paging, CSV and JSON export. Both stores."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from datetime import timedelta

import coalition
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from web_helpers import add_watchlist, csrf_of, shown, sign_in

from fts_share.clock import utcnow
from fts_share.services import batchjobs, jobqueue
from fts_share.services.node import Node
from fts_share.services.unit import unit_of_work
from fts_share.storage.jobs_tables import ScreeningJobRow
from fts_share.web import screening_results

SCREEN = {"purpose": "border_screening", "legal_basis": "UNSCR-2178"}
ROWS = "ref,name,dob\nR1,Karim Ben Ali,1994\nR2,Jean Dupont,1970\nR3,Omar Haddad,1980\n"


def upload(client: FlaskClient, text: str) -> str:
    token = csrf_of(client.get("/officer/screen/").text)
    resp = client.post("/officer/screen/batch", content_type="multipart/form-data", data={
        **SCREEN, "csrf_token": token, "file": (io.BytesIO(text.encode()), "l.csv", "text/csv")})
    assert resp.status_code == 302, resp.text
    return str(resp.headers["Location"])


def finished(client: FlaskClient, url: str) -> str:
    for _ in range(200):
        text = client.get(url).text
        if "Screening in progress" not in text:
            return text
        time.sleep(0.05)
    raise AssertionError("the batch did not finish")


@pytest.fixture
def screened(officer: FlaskClient, pair: coalition.Coalition) -> str:
    add_watchlist(pair["FRA"])
    return upload(officer, ROWS)


def test_each_hit_shows_name_score_explanation_and_measures(officer: FlaskClient,
                                                            screened: str) -> None:
    page = officer.get(screened).text
    assert "3 rows screened, 2 with hits." in shown(page)
    assert "Karim Ben Ali" in page and "Omar Haddad" in page and "Jean Dupont" in page
    assert page.count('class="badge hit"') == 2 and "No hit" in page
    assert "W-17" in page and 'details class="explanation' in page


def test_filters_keep_the_rows_and_hits_asked_for(officer: FlaskClient, screened: str) -> None:
    page = officer.get(screened + "?hits=1").text
    assert "2 rows match the filters." in shown(page) and "Jean Dupont" not in page
    strict = officer.get(screened + "?min_score=0.999").text
    assert "0 rows match the filters." in shown(strict) or "1 row matches the filters." in shown(strict)
    bad = officer.get(screened + "?min_score=lots&page=x")
    assert bad.status_code == 200 and "3 rows match the filters." in shown(bad.text)


def test_results_export_as_csv_and_json(officer: FlaskClient, screened: str) -> None:
    resp = officer.get(screened + "/results.csv?hits=1")
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    assert {r["ref"] for r in rows} == {"R1", "R3"} and all(r["result"] == "hit" for r in rows)
    assert {"national:national:W-17", "national:national:W-18"} <= {r["reference"] for r in rows}
    doc = json.loads(officer.get(screened + "/results.json").text)
    assert doc["total"] == 3 and doc["finished"].endswith("Z")
    assert [r["ref"] for r in doc["results"]] == ["R1", "R2", "R3"]
    assert officer.get(screened + "/results.xlsx").status_code == 404


def test_a_csv_cell_cannot_become_a_formula() -> None:
    text = screening_results.to_csv([{"ref": "=1+2", "name": "@SUM(A1)", "hits": []}])
    row = next(iter(csv.DictReader(io.StringIO(text))))
    assert row["ref"] == "'=1+2" and row["name"] == "'@SUM(A1)"


def test_paging(officer: FlaskClient, pair: coalition.Coalition,
                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(screening_results, "PAGE_ROWS", 2)
    url = upload(officer, ROWS)
    first = officer.get(url).text
    assert "Page 1 of 2" in shown(first) and "<bdi>R3</bdi>" not in first and 'rel="next"' in first
    second = officer.get(url + "?page=2").text
    assert "Page 2 of 2" in shown(second) and "<bdi>R3</bdi>" in second and "<bdi>R1</bdi>" not in second
    assert "Page 2 of 2" in shown(officer.get(url + "?page=99").text)


def test_a_batch_screened_a_row_per_chunk_reads_as_one(officer: FlaskClient,
                                                       pair: coalition.Coalition,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Counts, measure choices, pages and export hold every chunk's rows, in order; a
    screened row keeps no input (its date of birth) beside its result."""
    from fts_share.web import screening

    add_watchlist(pair["FRA"])
    monkeypatch.setattr(batchjobs, "CHUNK", 1)
    monkeypatch.setattr(screening, "SYNC_ROWS", 1)  # queued: screened by the queue
    monkeypatch.setattr(screening_results, "PAGE_ROWS", 2)
    url = upload(officer, ROWS)
    if jobqueue.on_postgresql(pair["FRA"].node):
        jobqueue.work(pair["FRA"].node, burst=True)
    page = finished(officer, url)
    assert "3 rows screened, 2 with hits." in shown(page) and "Page 1 of 2" in shown(page)
    doc = json.loads(officer.get(url + "/results.json").text)
    assert [r["ref"] for r in doc["results"]] == ["R1", "R2", "R3"]
    measures = {m for r in doc["results"] for h in r["hits"] for m in h.get("measures") or []}
    assert set(re.findall(r'<option value="([^"]+)"', page.split('id="f-measure"')[1]
                          .split("</select>")[0])) == measures
    assert "<bdi>R3</bdi>" in officer.get(url + "?page=2").text
    with unit_of_work(pair["FRA"].node, utcnow()) as work:
        stored = work.session.execute(select(ScreeningJobRow.input, ScreeningJobRow.result)
                                      .where(ScreeningJobRow.job_id == url.rsplit("/", 1)[1])
                                      ).all()
    assert len(stored) == 3 and all(i is None and r for i, r in stored)


def test_only_the_owner_sees_a_job(app: Flask, officer: FlaskClient,
                                   pair: coalition.Coalition, screened: str) -> None:
    other = app.test_client()
    assert sign_in(other, pair["FRA"].tokens["admin"]).status_code == 302
    assert other.get(screened).status_code in (403, 404)
    assert officer.get("/officer/screen/jobs/" + "x" * 40).status_code == 404


def test_a_job_is_removed_after_its_retention_time(officer: FlaskClient,
                                                   pair: coalition.Coalition,
                                                   screened: str) -> None:
    """The job goes, and its rows (names and hits: personal data) with it."""
    assert officer.get(screened).status_code == 200
    job_id = screened.rsplit("/", 1)[1]
    node = pair["FRA"].node
    assert _stored_rows(node, job_id) == 3
    hours = node.config.api.batch_retention_hours
    with unit_of_work(node, utcnow() + timedelta(hours=hours, seconds=1)) as work:
        assert batchjobs.purge_expired(work) == 1
    assert officer.get(screened).status_code == 404
    assert _stored_rows(node, job_id) == 0


def _stored_rows(node: Node, job_id: str) -> int:
    with unit_of_work(node, utcnow()) as work:
        return int(work.session.scalar(select(func.count()).select_from(ScreeningJobRow)
                                       .where(ScreeningJobRow.job_id == job_id)) or 0)


def test_a_job_whose_process_stopped_is_resumed(officer: FlaskClient,
                                                pair: coalition.Coalition,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A queued batch is screened by a queue worker (PostgreSQL), or by the next
    process at its start (SQLite: in-process jobs)."""
    from fts_share.web import screening

    add_watchlist(pair["FRA"])
    monkeypatch.setattr(screening, "SYNC_ROWS", 1)
    # SQLite: stored, but its process "died" before the first chunk
    monkeypatch.setattr(jobqueue, "start_local", lambda *a: True)
    url = upload(officer, ROWS)  # PostgreSQL: queued, no worker runs yet
    assert "0 of 3 rows screened" in officer.get(url).text
    monkeypatch.undo()
    node = pair["FRA"].node
    if jobqueue.on_postgresql(node):
        jobqueue.work(node, burst=True)
    else:
        assert jobqueue.resume_local(node) == 1
    page = finished(officer, url)
    assert "3 rows screened, 2 with hits." in shown(page)
