"""A small HTTP client for partner requests, signed with RFC 9421 (stdlib only).

Every request has a whole-request deadline: connecting, sending and reading the whole
answer must finish within ``timeout`` seconds, or a watchdog shuts the socket down. A
partner that drips one byte at a time therefore holds a request for ``timeout``
seconds at most, not ``timeout`` per read. The answer is read to its end and checked
against its announced ``Content-Length``: a body cut short, a connection reset
mid-body and a body longer than announced are failures, never a partial answer.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Self
from urllib.parse import urlsplit

from fts_share import jsontext
from fts_share.crypto.httpsig import sign_request
from fts_share.crypto.keys import PrivateKey
from fts_share.errors import ProtocolError

MAX_RESPONSE_BYTES = 64 * 1024 * 1024
_CHUNK = 65536


@dataclass(frozen=True)
class Response:
    """A partner's answer."""

    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    """The answer's headers, names in lower case."""

    @property
    def content_type(self) -> str:
        """The media type of the answer (``Content-Type`` without parameters)."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def json(self) -> Any:
        """The body as JSON, or ProtocolError."""
        return jsontext.loads(self.body, error=ProtocolError)


class PartnerClient:
    """Signs and sends requests to partner nodes."""

    def __init__(self, *, key: PrivateKey, timeout: float = 10.0, ttl: int = 60) -> None:
        self.key, self.timeout, self.ttl = key, timeout, ttl

    def request(self, method: str, url: str, *, now: datetime, body: Any = None,
                max_bytes: int = MAX_RESPONSE_BYTES) -> Response:
        """Send a signed request; network failures become ProtocolError."""
        data = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        headers.update(sign_request(method=method, url=url, headers=headers, body=data,
                                    key=self.key, now=now, ttl=self.ttl))
        return send(method, url, headers=headers, body=data if body is not None else None,
                    timeout=self.timeout, max_bytes=max_bytes)


class _Deadline:
    """Shuts a connection's socket down when ``timeout`` seconds have passed, whatever
    the request is doing then (connecting, sending, reading headers or body).

    The socket is held here from the moment it is connected: ``http.client`` lets go
    of it (``conn.sock = None``) once the answer's headers are read, while the body is
    still being read from it."""

    def __init__(self, timeout: float) -> None:
        self.fired = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(timeout, self._fire)
        self._timer.daemon = True

    def hold(self, sock: socket.socket | None) -> None:
        """Watch ``sock`` (just connected); shut it at once if the time is up."""
        with self._lock:
            self._sock = sock
            if self.fired:
                self._shut()

    def _shut(self) -> None:
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            self._shut()

    def __enter__(self) -> Self:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        with self._lock:
            if self._sock is not None:
                self._sock.close()


def _connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    """A connection (not yet open) to ``url``'s host, and the request target."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProtocolError(f"{url}: not an http(s) URL")
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        return kind(parts.hostname, parts.port, timeout=timeout), target
    except ValueError as exc:  # a port that is not a number
        raise ProtocolError(f"{url}: {exc}") from None


def _read_body(resp: http.client.HTTPResponse, max_bytes: int) -> bytes:
    """The whole body (to its announced length, to the end of the connection, or
    de-chunked), at most ``max_bytes + 1`` bytes. A body shorter or longer than its
    ``Content-Length`` is a ProtocolError."""
    if resp.chunked:
        return resp.read(max_bytes + 1)
    announced, fp = resp.length, resp.fp
    if fp is None:
        return b""
    chunks: list[bytes] = []
    size = 0
    while size <= max_bytes:
        chunk = fp.read1(min(_CHUNK, max_bytes + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if announced is not None and size <= max_bytes:
        if size < announced:
            raise ProtocolError(f"answer cut short: {size} of {announced} announced bytes")
        if size > announced:
            raise ProtocolError(f"answer longer than its announced {announced} bytes")
    return b"".join(chunks)


def _exchange(conn: http.client.HTTPConnection, deadline: _Deadline, method: str,
              target: str, headers: Mapping[str, str], body: bytes | None,
              max_bytes: int) -> tuple[int, bytes, dict[str, str]]:
    """Connect, send the request and read the whole answer: status, body, headers."""
    conn.connect()
    deadline.hold(conn.sock)
    conn.request(method, target, body=body, headers={**headers, "Connection": "close"})
    resp = conn.getresponse()
    names = {k.lower(): v for k, v in resp.getheaders()}
    if method == "HEAD" or resp.status in (204, 304) or 100 <= resp.status < 200:
        return resp.status, b"", names
    if resp.length is not None and resp.length > max_bytes:
        raise ProtocolError(f"answer larger than {max_bytes} bytes "
                            f"({resp.length} announced)")
    return resp.status, _read_body(resp, max_bytes), names


def send(method: str, url: str, *, headers: Mapping[str, str] | None = None,
         body: bytes | None = None, timeout: float = 10.0,
         max_bytes: int = MAX_RESPONSE_BYTES) -> Response:
    """Send one HTTP request as it is (signed or not) and read the whole answer within
    ``timeout`` seconds in all (connect, send and read). Any HTTP status is an answer;
    network failures and a late, cut, overlong or oversized answer are ProtocolError."""
    conn, target = _connection(url, timeout)
    late = f"{url}: timed out: no complete answer within {timeout:g} s"
    with _Deadline(timeout) as deadline:
        try:
            status, payload, names = _exchange(conn, deadline, method, target, headers or {},
                                               body, max_bytes)
        except ProtocolError as exc:
            raise ProtocolError(late if deadline.fired else f"{url}: {exc}") from exc
        except (OSError, ValueError, http.client.HTTPException) as exc:
            # HTTPException: an answer that is not HTTP (BadStatusLine) or is cut short
            # (IncompleteRead); OSError: refused, reset, unreachable, timed out.
            if deadline.fired or isinstance(exc, TimeoutError):
                raise ProtocolError(late) from exc
            raise ProtocolError(f"{url}: {exc!s:.200} ({type(exc).__name__})") from exc
        finally:
            conn.close()
        if deadline.fired:
            raise ProtocolError(late)
    if len(payload) > max_bytes:
        raise ProtocolError(f"{url}: answer larger than {max_bytes} bytes")
    return Response(status=status, body=payload, headers=names)
