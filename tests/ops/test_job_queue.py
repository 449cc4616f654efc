"""Long work leaves the web request (issue 13, item 4): batch screenings and UN list
imports are jobs. On the real PostgreSQL server the tests start, a job queued by one
process is run by a separate ``fts-share jobs worker`` process, and a worker killed
(-9) mid-job is finished by another with no row screened twice or skipped. On SQLite
the jobs run in-process. Progress shows through the API and the admin pages; bad
input is a problem+json naming the field."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from coalition import free_port
from flask.testing import FlaskClient
from sqlalchemy import select

from fts_share.app import create_app
from fts_share.clock import utcnow
from fts_share.config import load_config, write_config
from fts_share.services import accounts, batchjobs, jobqueue, listimports, running
from fts_share.services.node import Node
from fts_share.services.unit import reading, unit_of_work
from fts_share.storage.audit_tables import AuditEntry
from fts_share.storage.jobs_tables import ScreeningJob

ON_POSTGRESQL = pytest.mark.parametrize("backend", [pytest.param("postgresql",
                                                                 marks=pytest.mark.postgresql)])
UN_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "un-excerpt.xml"
SCREEN = {"purpose": "investigation", "legal_basis": ["UNSCR-2178"]}
STALLED = 2.0  # [ops] job_stalled_seconds of these homes
PROBLEM = "application/problem+json"


def _rows(count: int) -> list[dict[str, Any]]:
    names = ["SADDAM HUSSEIN AL-TIKRITI", "Jean Dupont", "ERIC BADEGE", "Maria Lopez"]
    return [{"ref": f"R{i}", "name": names[i % len(names)]} for i in range(count)]


@pytest.fixture
def home(tmp_path: Path, store_url: str) -> Iterator[tuple[Path, dict[str, str]]]:
    """A node home on this test's store, with the UN excerpt as watchlist, a short
    stalled-worker time, and tokens of two officers and an admin."""
    path = tmp_path / "fra"
    running.create_home(path, code="FRA", url="http://127.0.0.1:1", post_quantum=False,
                        database_url=store_url)
    config = load_config(path)
    write_config(replace(config, ops=replace(config.ops, job_stalled_seconds=STALLED)))
    node = running.open_node(path)
    tokens: dict[str, str] = {}
    try:
        with unit_of_work(node, utcnow()) as work:
            for name, role in (("officer", "officer"), ("other", "officer"),
                               ("admin", "admin")):
                tokens[name] = accounts.issue_token(
                    work, accounts.create_user(work, name=name, role=role))
        with unit_of_work(node, utcnow()) as work:
            from fts_share.services.watchlist_import import import_un_file

            import_un_file(work, UN_FILE, actor="system")
    finally:
        node.close()
    yield path, tokens


@pytest.fixture
def node(home: tuple[Path, dict[str, str]]) -> Iterator[Node]:
    opened = running.open_node(home[0])
    yield opened
    opened.close()


@pytest.fixture
def client(node: Node) -> FlaskClient:
    return create_app(node=node).test_client()


def _cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fts_share", *args], capture_output=True,
                          text=True, timeout=timeout, check=False)


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _submit(client: FlaskClient, token: str, rows: list[dict[str, Any]]) -> str:
    resp = client.post("/api/v1/screen/jobs", json={**SCREEN, "batch": rows},
                       headers=_auth(token))
    assert resp.status_code == 202, resp.text
    location = str(resp.headers["Location"])
    assert location == f"/api/v1/screen/jobs/{resp.json['id']}"
    assert resp.json["status"] == "running" and resp.json["total"] == len(rows)
    return location


def _job(node: Node, job_id: str) -> ScreeningJob:
    with reading(node, utcnow()) as work:
        job = work.session.get(ScreeningJob, job_id)
        assert job is not None
        return job


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def _admin(node: Node, token: str) -> FlaskClient:
    """A client of ``node``'s pages signed in with ``token``."""
    client = create_app(node=node).test_client()
    resp = client.post("/sign-in", data={"token": token,
                                         "csrf_token": _csrf(client.get("/sign-in").text)})
    assert resp.status_code == 302
    return client


def _shown(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def _wait(check: Any, what: str, seconds: float = 120) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {seconds} s")


@ON_POSTGRESQL
def test_a_job_queued_here_runs_in_a_separate_worker_process(
        home: tuple[Path, dict[str, str]], node: Node, client: FlaskClient) -> None:
    location = _submit(client, home[1]["officer"], _rows(3))
    queued = client.get(location, headers=_auth(home[1]["officer"]))
    assert queued.json["status"] == "running" and queued.json["done"] == 0
    assert queued.json["results"] is None  # no worker runs yet: the request did not screen
    out = _cli("jobs", "worker", str(home[0]), "--burst")
    assert out.returncode == 0, out.stderr
    done = client.get(location, headers=_auth(home[1]["officer"])).json
    assert done["status"] == "done" and done["done"] == 3 and done["finished"]
    assert [r["ref"] for r in done["results"]] == ["R0", "R1", "R2"]
    assert [r["hit"] for r in done["results"]] == [True, False, True]


@ON_POSTGRESQL
def test_a_worker_killed_mid_job_is_finished_by_another(
        home: tuple[Path, dict[str, str]], node: Node, client: FlaskClient) -> None:
    total = 60 * batchjobs.CHUNK
    location = _submit(client, home[1]["officer"], _rows(total))
    job_id = location.rsplit("/", 1)[1]
    log = (home[0] / "worker.log").open("wb")
    worker = subprocess.Popen([sys.executable, "-m", "fts_share", "jobs", "worker",
                               str(home[0])], stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait(lambda: _job(node, job_id).done > 0, "the worker's first chunk")
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        log.close()
    left = _job(node, job_id)
    assert left.status == "running" and 0 < left.done < total, "killed mid-job"
    time.sleep(STALLED + 1)  # the dead worker's heartbeat is now stale
    out = _cli("jobs", "worker", str(home[0]), "--burst", timeout=300)
    assert out.returncode == 0, out.stderr
    done = client.get(location, headers=_auth(home[1]["officer"])).json
    assert done["status"] == "done" and done["done"] == total
    assert [r["ref"] for r in done["results"]] == [f"R{i}" for i in range(total)]
    with node.store.read() as db:  # each chunk's screening is logged with the chunk
        logged = [e.detail["queries"] for e in db.scalars(
            select(AuditEntry).where(AuditEntry.action == "screen_batch"))]
    assert sum(logged) == total and len(logged) == total // batchjobs.CHUNK


def test_a_un_list_import_through_the_command_line(home: tuple[Path, dict[str, str]],
                                                   node: Node, backend: str) -> None:
    """SQLite: ``import-un`` runs the job in its own process and prints the counts;
    PostgreSQL: a worker process runs it while ``import-un`` waits."""
    worker = None
    if backend == "postgresql":
        worker = subprocess.Popen([sys.executable, "-m", "fts_share", "jobs", "worker",
                                   str(home[0])], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
    bad = home[0] / "broken.xml"
    bad.write_bytes(b"<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>")
    try:
        out = _cli("watchlist", "import-un", str(home[0]), str(UN_FILE))
        refused = _cli("watchlist", "import-un", str(home[0]), str(bad))
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
    assert out.returncode == 0, out.stderr
    assert "UN list: 18 entries (0 added, 18 updated, 0 delisted)" in out.stdout
    assert "names:" in out.stdout
    [failed, latest] = listimports.recent(node, now=utcnow(), limit=2)  # newest first
    assert latest["status"] == "done" and latest["done"] == latest["total"] == 18
    assert latest["file_name"] == "un-excerpt.xml"
    assert refused.returncode == 2 and "error: UN list XML is malformed" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert failed["status"] == "failed" and failed["error"].startswith("UN list XML")


def test_a_queued_import_shows_its_progress_then_its_counts(
        home: tuple[Path, dict[str, str]], node: Node, client: FlaskClient,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobqueue, "start_local", lambda *a: True)  # SQLite: not yet run
    import_id = jobqueue.submit_import(node, UN_FILE.read_bytes(), file_name="un.xml",
                                       owner="user:admin")
    monkeypatch.undo()
    signed_in = _admin(node, home[1]["admin"])
    listing = signed_in.get("/admin/imports")
    assert listing.status_code == 200 and import_id in listing.text
    page = _shown(signed_in.get(f"/admin/imports/{import_id}").text)
    assert "Queued (waiting for a worker)" in page and "un.xml" in page
    if jobqueue.on_postgresql(node):
        jobqueue.work(node, burst=True)
    else:
        assert jobqueue.resume_local(node) == 1
    _wait(lambda: listimports.get(node, import_id, now=utcnow())["status"] == "done",
          "the import")
    page = _shown(signed_in.get(f"/admin/imports/{import_id}").text)
    assert "18 of 18 entries" in page and "Done (finished)" in page
    assert signed_in.get("/admin/imports/" + "x" * 20).status_code == 404


@pytest.mark.parametrize("backend", ["sqlite"])
def test_on_sqlite_the_job_runs_in_process(home: tuple[Path, dict[str, str]],
                                           node: Node, client: FlaskClient) -> None:
    assert not jobqueue.on_postgresql(node)
    location = _submit(client, home[1]["officer"], _rows(250))
    done = _wait(lambda: (answer := client.get(location, headers=_auth(
        home[1]["officer"])).json)["status"] == "done" and answer, "the in-process job")
    assert done["done"] == 250 and len(done["results"]) == 250


def test_bad_input_is_a_problem_naming_the_field(home: tuple[Path, dict[str, str]],
                                                 client: FlaskClient,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    officer, other = _auth(home[1]["officer"]), _auth(home[1]["other"])
    unknown = client.get("/api/v1/screen/jobs/nosuchjob", headers=officer)
    assert unknown.status_code == 404 and unknown.mimetype == PROBLEM
    assert client.get("/api/v1/screen/jobs/" + "x" * 200,
                      headers=officer).status_code == 404
    monkeypatch.setattr(jobqueue, "start_local", lambda *a: True)
    location = _submit(client, home[1]["officer"], _rows(2))
    theirs = client.get(location, headers=other)
    assert theirs.status_code == 404 and theirs.mimetype == PROBLEM
    for body, field in (({**SCREEN}, "batch"),
                        ({**SCREEN, "batch": [{"ref": "R1"}]}, "batch"),
                        ({**SCREEN, "batch": "not a list"}, "batch"),
                        ({"legal_basis": ["UNSCR-2178"], "batch": _rows(1)}, "purpose")):
        resp = client.post("/api/v1/screen/jobs", json=body, headers=officer)
        assert resp.status_code == 422 and resp.mimetype == PROBLEM, resp.text
        assert any(k.startswith(field) for k in resp.json["errors"]), resp.json
    garbage = client.post("/api/v1/screen/jobs", data=b"{not json",
                          headers={**officer, "Content-Type": "application/json"})
    assert garbage.status_code == 400 and garbage.mimetype == PROBLEM
    reviewer = client.get(location)
    assert reviewer.status_code == 401 and reviewer.mimetype == PROBLEM


def _http(method: str, url: str, token: str, body: Any = None) -> tuple[int, Any, Any]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return int(resp.status), json.loads(resp.read()), resp.headers
    except urllib.error.HTTPError as exc:
        return exc.code, None, exc.headers
    except OSError:
        return 0, None, None


@ON_POSTGRESQL
def test_serve_runs_a_queue_worker_in_each_worker_process(
        home: tuple[Path, dict[str, str]]) -> None:
    """``serve --workers 2`` (gunicorn, PostgreSQL): a job queued through the API is run
    by a worker thread of the serving processes, no other worker needed."""
    port = free_port()
    base, token = f"http://127.0.0.1:{port}", home[1]["officer"]
    log = (home[0] / "serve.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "fts_share", "serve", str(home[0]),
                             "--port", str(port), "--workers", "2", "--no-poll"],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait(lambda: _http("GET", base + "/healthz", token)[0] == 200, "serve")
        status, job, headers = _http("POST", base + "/api/v1/screen/jobs", token,
                                     {**SCREEN, "batch": _rows(250)})
        assert status == 202, job
        done = _wait(lambda: (answer := _http("GET", base + headers["Location"], token)[1])
                     and answer["status"] == "done" and answer, "the job")
        assert [r["ref"] for r in done["results"]] == [f"R{i}" for i in range(250)]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_the_queue_depth_is_a_metric(home: tuple[Path, dict[str, str]], node: Node,
                                     client: FlaskClient,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def depth() -> float:
        text = client.get("/metrics").text
        found = re.search(r'^fts_job_queue_depth\{node="FRA",task="screen_batch"\} (\S+)$',
                          text, re.MULTILINE)
        assert found is not None, "no fts_job_queue_depth"
        return float(found.group(1))

    monkeypatch.setattr(jobqueue, "start_local", lambda *a: True)  # SQLite: not yet run
    _submit(client, home[1]["officer"], _rows(2))
    _submit(client, home[1]["officer"], _rows(3))
    monkeypatch.undo()
    assert depth() == 2
    if jobqueue.on_postgresql(node):
        jobqueue.work(node, burst=True)
    else:
        assert jobqueue.resume_local(node) == 2
    _wait(lambda: depth() == 0, "the queue emptied")


def test_a_serving_process_starts_its_queue_worker_again_after_an_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The database went away under the worker thread of ``serve``: it starts again."""
    calls: list[float] = []

    def work(*_a: Any, **_k: Any) -> None:
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise OSError("connection refused")

    monkeypatch.setattr(jobqueue, "work", work)
    monkeypatch.setattr(jobqueue, "RESTART_SECONDS", 0.05)
    thread = jobqueue.WorkerThread(None).start()  # type: ignore[arg-type]
    try:
        _wait(lambda: len(calls) >= 2, "the worker's restart", seconds=10)
    finally:
        thread.stop()
    assert not thread.thread.is_alive()


def test_an_ended_import_is_deleted_after_its_retention_time(
        home: tuple[Path, dict[str, str]], node: Node) -> None:
    first = jobqueue.submit_import(node, UN_FILE.read_bytes(), file_name="a.xml",
                                   owner="user:admin")
    if jobqueue.on_postgresql(node):
        jobqueue.work(node, burst=True)
    listimports.wait(node, first, clock=utcnow)
    hours = node.config.api.batch_retention_hours
    later = utcnow() + timedelta(hours=hours, seconds=1)
    with unit_of_work(node, later) as work:
        listimports.create(work, content=b"<x/>", file_name="b.xml", owner="user:admin")
    assert [i["file_name"] for i in listimports.recent(node, now=later)] == ["b.xml"]


def test_an_admin_uploads_a_un_list_and_follows_its_import(
        home: tuple[Path, dict[str, str]], node: Node) -> None:
    admin = _admin(node, home[1]["admin"])

    def upload(content: bytes, name: str = "consolidated.xml") -> Any:
        token = _csrf(admin.get("/admin/imports").text)
        return admin.post("/admin/imports", content_type="multipart/form-data", data={
            "csrf_token": token, "file": (io.BytesIO(content), name, "application/xml")})

    for content, message in ((b"", "Choose a UN list XML file."),
                             (b"name,dob\nKarim,1990\n", "This is not an XML file.")):
        refused = upload(content)
        assert refused.status_code == 422 and message in refused.text
        assert 'aria-invalid="true"' in refused.text
    resp = upload(UN_FILE.read_bytes())
    assert resp.status_code == 302 and "/admin/imports/" in resp.headers["Location"]
    import_id = resp.headers["Location"].rsplit("/", 1)[1]
    if jobqueue.on_postgresql(node):
        jobqueue.work(node, burst=True)
    found = listimports.wait(node, import_id, clock=utcnow)
    assert found["file_name"] == "consolidated.xml" and found["owner"] == "user:admin"
    page = _shown(admin.get(resp.headers["Location"]).text)
    assert "18 of 18 entries" in page and "Entries in the file18" in page
    officer = _admin(node, home[1]["officer"])
    assert officer.get("/admin/imports").status_code == 403
