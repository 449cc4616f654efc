"""``fts-share serve`` logs JSON lines, each line of a request with its id (the
client's well-formed X-Request-ID, else a new one, echoed in the response), and none
with personal data from a request body."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from coalition import Coalition, build, free_port

from fts_share.services import logs

NAME, DOB, DOCUMENT = "Zakaria Ouahbi", "1989-03-14", "P7741209"
SCREEN = {"purpose": "investigation", "legal_basis": ["UNSCR-2178"], "name": NAME,
          "dob": DOB, "documents": [DOCUMENT]}


def _call(url: str, *, body: Any = None, headers: dict[str, str] | None = None
          ) -> tuple[int, Message]:
    data = json.dumps(body).encode() if body is not None else None
    hdrs = {"Content-Type": "application/json", **(headers or {})}
    req = urllib.request.Request(url, data=data, headers=hdrs,
                                 method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers


@pytest.fixture
def served(tmp_path: Path, sqlite_store_urls: Callable[[], str]
           ) -> Iterator[tuple[str, Coalition, subprocess.Popen[str]]]:
    c = build(tmp_path, sqlite_store_urls, [("FRA", "member")], start=False)
    fra = c["FRA"]
    fra.stop()  # release the reserved port: the command serves on its own
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "fts_share", "serve", str(fra.home),
                             "--port", str(port), "--no-poll"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if _call(url + "/healthz")[0] == 200:
                break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                proc.communicate(timeout=30)
                raise
            time.sleep(0.2)
    yield url, c, proc
    if proc.poll() is None:
        proc.kill()
    proc.communicate(timeout=30)
    c.close()


def _stop(proc: subprocess.Popen[str]) -> list[dict[str, Any]]:
    proc.terminate()
    _, err = proc.communicate(timeout=60)
    lines = [line for line in err.splitlines() if line.strip()]
    return [json.loads(line) for line in lines]  # every line is one JSON object


def test_each_request_line_carries_its_id_and_no_personal_data(
        served: tuple[str, Coalition, subprocess.Popen[str]]) -> None:
    url, c, proc = served
    token = c["FRA"].tokens["officer"]
    auth = {"Authorization": f"Bearer {token}"}
    status, headers = _call(url + "/api/v1/screen", body=SCREEN,
                            headers={**auth, "X-Request-ID": "ops-test-42"})
    assert status == 200 and headers["X-Request-ID"] == "ops-test-42"
    bad = dict(SCREEN, purpose="curiosity")
    status, headers = _call(url + "/api/v1/screen", body=bad,
                            headers={**auth, "X-Request-ID": "bad id"})
    assert status == 422
    generated = headers["X-Request-ID"]
    assert generated != "bad id" and len(generated) == 32
    status, headers = _call(url + "/api/v1/node")
    assert status == 200 and len(headers["X-Request-ID"]) == 32
    assert headers["X-Request-ID"] != generated
    lines = _stop(proc)
    mine = [line for line in lines if line.get("request_id") == "ops-test-42"]
    assert mine and all(line["level"] and line["logger"] and line["time"] for line in mine)
    assert any(line.get("route") == "/api/v1/screen" and line.get("status") == 200
               for line in mine)
    assert any(line.get("request_id") == generated and line.get("status") == 422
               for line in lines)
    assert not any(line.get("request_id") == "bad id" for line in lines)
    text = json.dumps(lines, ensure_ascii=False)
    for word in (*NAME.split(), DOB, DOCUMENT, token):
        assert word not in text


@pytest.mark.parametrize("offered, kept", [
    ("ops-test-42", True), ("0f8fad5b-d9cb-469f-a165-70867728950e", True),
    ("bad id", False), ("", False), ("x" * 129, False), ("-leading", False),
    ("a\r\nSet-Cookie: x", False), ("é", False)])
def test_which_request_ids_are_kept(offered: str, kept: bool) -> None:
    assert (logs.request_id(offered) == offered) is kept
