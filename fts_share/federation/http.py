"""A small HTTP client for partner requests, signed with RFC 9421 (stdlib only)."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fts_share import jsontext
from fts_share.crypto.httpsig import sign_request
from fts_share.crypto.keys import PrivateKey
from fts_share.errors import ProtocolError

MAX_RESPONSE_BYTES = 64 * 1024 * 1024


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


def send(method: str, url: str, *, headers: Mapping[str, str] | None = None,
         body: bytes | None = None, timeout: float = 10.0,
         max_bytes: int = MAX_RESPONSE_BYTES) -> Response:
    """Send one HTTP request as it is (signed or not); any HTTP status is an answer,
    network failures become ProtocolError."""
    req = urllib.request.Request(url, data=body, headers=dict(headers or {}), method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            payload = resp.read(max_bytes + 1)
            status, got = resp.status, resp.headers
    except urllib.error.HTTPError as exc:
        payload = exc.read(65536) if exc.fp else b""
        status, got = exc.code, exc.headers
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
        # HTTPException: an answer that is not HTTP or is cut short (BadStatusLine,
        # IncompleteRead), which urllib lets through unwrapped.
        raise ProtocolError(f"{url}: {getattr(exc, 'reason', exc)!s:.200} "
                            f"({type(exc).__name__})") from exc
    if len(payload) > max_bytes:
        raise ProtocolError(f"{url}: answer larger than {max_bytes} bytes")
    names = {k.lower(): v for k, v in (got.items() if got is not None else [])}
    return Response(status=status, body=payload, headers=names)
