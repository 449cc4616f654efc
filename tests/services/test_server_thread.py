"""A stopped server leaves nothing running: its loop and its worker threads end."""

from __future__ import annotations

import threading
import urllib.request

from fts_share.services.serving import ServerThread, make_server, reserve_port


def _app(environ: object, start_response: object) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])  # type: ignore[operator]
    return [b"ok"]


def test_a_stopped_server_leaves_no_thread_behind() -> None:
    before = set(threading.enumerate())
    sock = reserve_port()
    port = sock.getsockname()[1]
    server = ServerThread(make_server(_app, host="127.0.0.1", port=port, threads=4,
                                      sock=sock)).start()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as resp:
        assert resp.read() == b"ok"  # the worker threads have started and served
    server.stop()
    left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    assert left == []
