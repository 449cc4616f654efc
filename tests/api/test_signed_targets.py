"""Signed partner requests whose target carries percent-encoded or unusual characters,
over real HTTP (issue 14 §4). The node verifies ``@target-uri`` against its configured
public URL plus the path and query exactly as sent: never the decoded form Werkzeug
gives views, never the ``Host`` header a sender chooses."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from coalition import Coalition, build, free_port

from fts_share.clock import utcnow
from fts_share.crypto.httpsig import sign_request
from fts_share.crypto.keys import PrivateKey
from fts_share.http.target import request_target, target_uri
from fts_share.services.serving import ServerThread, make_server, reserve_port

ODD_QUERIES = [
    "/api/v1/feed?after=0&q=%27a%7E%41",   # %27 ', %7E ~, %41 A: decoded by Werkzeug
    "/api/v1/feed?after=0&q=~x",           # a literal tilde
    "/api/v1/feed?after=0&q=a+b",          # a plus, a space to form decoders
    "/api/v1/feed?after=0&q=a%20b",        # a space as %20
    "/api/v1/feed?after=0&q=%e2%82%ac&r=%2F%3F",  # lower-case escapes, encoded / and ?
    "/api/v1/%66eed?after=0",              # an escaped letter in the path
    "/api/v1/feed?after=0&",               # an empty last member
]


@pytest.fixture
def pair(tmp_path: Path, store_urls: Any) -> Iterator[Coalition]:
    c = build(tmp_path, store_urls, [("FRA", "member"), ("IRQ", "member")])
    yield c
    c.close()


def send(base: str, target: str, *, key: PrivateKey, signed_url: str | None = None,
         host: str | None = None) -> tuple[int, Any]:
    """GET ``target`` from the server at ``base`` exactly as written, signed for
    ``signed_url`` (default: ``base + target``), with ``host`` as the Host header."""
    headers = sign_request(method="GET", url=signed_url or base + target, headers={},
                           body=b"", key=key, now=utcnow())
    hostport = base.split("//", 1)[1]
    conn = http.client.HTTPConnection(hostport, timeout=10)
    try:
        conn.putrequest("GET", target, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host or hostport)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    return resp.status, json.loads(body) if body else None


@pytest.mark.parametrize("target", ODD_QUERIES)
def test_signed_requests_with_encoded_targets_verify(pair: Coalition, target: str) -> None:
    fra, irq = pair["FRA"], pair["IRQ"]
    status, body = send(fra.url, target, key=irq.node.signing)
    assert status == 200, body


def test_the_host_header_is_not_believed(pair: Coalition) -> None:
    fra, irq = pair["FRA"], pair["IRQ"]
    target = "/api/v1/feed?after=0"
    # Signed for another authority and sent with that authority as Host: refused.
    status, body = send(fra.url, target, key=irq.node.signing,
                        signed_url="http://evil.example" + target, host="evil.example")
    assert status == 401 and body["detail"] == "request signature not accepted"
    # Signed for this node but sent with a spoofed Host: the Host header plays no part.
    assert send(fra.url, target, key=irq.node.signing, host="evil.example")[0] == 200


@pytest.mark.parametrize("signed, sent", [
    ("/api/v1/audit/witnessed-heads", "/api/v1/feed?after=0"),  # another path
    ("/api/v1/feed?after=1", "/api/v1/feed?after=0"),           # another query
    ("/api/v1/feed?after=0&q='a~A", "/api/v1/feed?after=0&q=%27a%7E%41"),  # decoded form
    ("/api/v1/feed?after=0&q=a%20b", "/api/v1/feed?after=0&q=a+b"),
])
def test_a_request_signed_for_another_target_is_refused(pair: Coalition, signed: str,
                                                        sent: str) -> None:
    fra, irq = pair["FRA"], pair["IRQ"]
    status, body = send(fra.url, sent, key=irq.node.signing, signed_url=fra.url + signed)
    assert status == 401 and body["detail"] == "request signature not accepted"


def test_a_request_signed_by_an_independent_implementation_verifies(pair: Coalition) -> None:
    """The http-message-signatures library signs, the node verifies over HTTP."""
    hms = pytest.importorskip("http_message_signatures")
    from http_message_signatures import algorithms

    fra, irq = pair["FRA"], pair["IRQ"]
    key = irq.node.signing

    class Resolver(hms.HTTPSignatureKeyResolver):  # type: ignore[misc]
        def resolve_private_key(self, key_id: str) -> Any:
            return key._obj

    class Request:
        def __init__(self, method: str, url: str) -> None:
            self.method, self.url, self.headers = method, url, {}

    now = utcnow().replace(microsecond=0)
    for target in ODD_QUERIES[:4]:
        request = Request("GET", fra.url + target)
        hms.HTTPMessageSigner(signature_algorithm=algorithms.ED25519,
                              key_resolver=Resolver()).sign(
            request, key_id=key.kid, created=now, expires=now + timedelta(seconds=60),
            nonce=os.urandom(16).hex(), label="fts", body=b"",
            covered_component_ids=("@method", "@target-uri", "content-digest"))
        request.headers["Content-Digest"] = "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"
        req = urllib.request.Request(fra.url + target, headers=request.headers)
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 200


# -- the raw target, as each server hands it to the application -------------------------

def echo_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """A WSGI app that answers the target URI it rebuilds."""
    body = target_uri(environ, "https://fra.example/").encode()
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]


def raw_get(port: int, target: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest("GET", target, skip_host=True)
        conn.putheader("Host", "evil.example")
        conn.endheaders()
        return conn.getresponse().read().decode()
    finally:
        conn.close()


def test_waitress_gives_the_target_as_sent() -> None:
    sock = reserve_port()
    port = sock.getsockname()[1]
    server = ServerThread(make_server(echo_app, host="127.0.0.1", port=port, threads=1,
                                      sock=sock)).start()
    try:
        for target in ODD_QUERIES:
            assert raw_get(port, target) == "https://fra.example" + target
    finally:
        server.stop()


def test_gunicorn_gives_the_target_as_sent() -> None:
    pytest.importorskip("gunicorn")
    port = free_port()
    here = Path(__file__).resolve().parent
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--chdir", str(here), "test_signed_targets:echo_app"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(here.parent), *sys.path])})
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                raw_get(port, "/")
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        for target in ODD_QUERIES:
            assert raw_get(port, target) == "https://fra.example" + target
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.mark.parametrize("environ, target", [
    # No raw target: PATH_INFO (raw bytes as latin-1) is quoted again, the query kept.
    ({"PATH_INFO": "/api/v1/feed", "QUERY_STRING": "q=%27a"}, "/api/v1/feed?q=%27a"),
    ({"PATH_INFO": "/a b/\xe2\x82\xac~", "QUERY_STRING": ""}, "/a%20b/%E2%82%AC~"),
    # Absolute-form targets give their path and query; the mount point is taken off.
    ({"RAW_URI": "http://evil.example/api/v1/feed?x=%41"}, "/api/v1/feed?x=%41"),
    ({"REQUEST_URI": "/fts/api/v1/feed?x=1", "SCRIPT_NAME": "/fts"}, "/api/v1/feed?x=1"),
    ({"RAW_URI": "/ftsx/api", "SCRIPT_NAME": "/fts"}, "/ftsx/api"),
    ({"RAW_URI": "*", "PATH_INFO": "/x"}, "/x"),
])
def test_the_request_target_without_a_raw_uri(environ: dict[str, str], target: str) -> None:
    assert request_target(environ) == target
