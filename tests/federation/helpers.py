"""Helpers of the fault tests: counting what a node holds, a tampering HTTP proxy,
and roster edits that point partners somewhere else."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from coalition import Coalition, Member, notice
from sqlalchemy import func, select

from fts_share.clock import utcnow
from fts_share.storage.audit_tables import AuditEntry
from fts_share.storage.models import (
    FederationEvent,
    Notice,
    OutboxEnvelope,
    OutboxLink,
    Peer,
    ReceivedEnvelope,
)

PURPOSE = "?purpose=investigation&legal_basis=UNSCR-2178"
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade",
              "proxy-connection", "content-length"}


def count(member: Member, model: Any) -> int:
    """Rows of ``model`` in ``member``'s database."""
    with member.node.store.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)))


def holdings(member: Member) -> dict[str, int]:
    """What a node stores of notices and envelopes (to show nothing was stored)."""
    return {"received": count(member, ReceivedEnvelope), "notices": count(member, Notice),
            "outbox": count(member, OutboxEnvelope), "links": count(member, OutboxLink)}


def received_seqs(member: Member, origin: str) -> list[int]:
    """The sequence numbers ``member`` accepted from ``origin``, in order."""
    with member.node.store.read() as s:
        return list(s.scalars(select(ReceivedEnvelope.seq)
                              .where(ReceivedEnvelope.origin == origin)
                              .order_by(ReceivedEnvelope.seq)).all())


def notice_ids(member: Member, origin: str) -> list[str]:
    """Ids of the notice versions ``member`` holds from ``origin`` (with repeats)."""
    with member.node.store.read() as s:
        return list(s.scalars(select(Notice.notice_id).where(Notice.origin == origin)
                              .order_by(Notice.id)).all())


def events(member: Member, peer: str | None = None,
           kind: str | None = None) -> list[FederationEvent]:
    """Federation events ``member`` recorded (about ``peer``, of ``kind``)."""
    q = select(FederationEvent).order_by(FederationEvent.id)
    if peer:
        q = q.where(FederationEvent.peer == peer)
    if kind:
        q = q.where(FederationEvent.kind == kind)
    with member.node.store.read() as s:
        return list(s.scalars(q).all())


def audit(member: Member, action: str | None = None,
          object_type: str | None = None) -> list[AuditEntry]:
    """Audit entries of ``member`` (of ``action`` on ``object_type``)."""
    q = select(AuditEntry).order_by(AuditEntry.seq)
    if action:
        q = q.where(AuditEntry.action == action)
    if object_type:
        q = q.where(AuditEntry.object_type == object_type)
    with member.node.store.read() as s:
        return list(s.scalars(q).all())


def peer(member: Member, code: str) -> Peer | None:
    """``member``'s polling state for partner ``code``."""
    with member.node.store.read() as s:
        return s.get(Peer, code)


def publish(member: Member, recipients: list[str], **subject: Any) -> str:
    """Publish a notice at ``member`` through its API; return its id."""
    status, body, _ = member.api("POST", "/api/v1/notices", token="officer",
                                 body=notice(recipients=recipients, **subject))
    assert status == 201, body
    return str(body["id"])


def report_of(reports: list[Any], code: str) -> Any:
    """The poll report about partner ``code``."""
    [r] = [r for r in reports if r.peer == code]
    return r


def new_roster(coalition: Coalition, edit: Callable[[dict[str, dict[str, Any]]], None]) -> int:
    """Publish the next roster version to every member, ``edit`` changing the entries
    (keyed by code); return the version."""
    coalition.version += 1

    def apply(entries: list[dict[str, Any]]) -> None:
        edit({e["code"]: e for e in entries})

    doc = coalition.roster_document(version=coalition.version, now=utcnow(), edit=apply)
    coalition.publish_roster(doc)
    return coalition.version


def route_through(coalition: Coalition, code: str, url: str) -> int:
    """A new roster version on which partner ``code`` is reached at ``url``; the node
    is configured with that public URL too, as its operator would (it verifies the
    ``@target-uri`` of signed requests against it)."""

    def edit(entries: dict[str, dict[str, Any]]) -> None:
        entries[code]["url"] = url

    coalition[code].node.config.url = url
    return new_roster(coalition, edit)


# -- a tampering proxy ------------------------------------------------------------------
@dataclass
class Proxy:
    """An HTTP proxy on 127.0.0.1 in front of ``target``.

    It forwards requests unchanged (signatures over ``@target-uri`` verify against the
    target node's configured URL, which :func:`route_through` sets) and can change what comes back: ``mutate`` rewrites
    a feed page (a JSON object), ``raw`` replaces the whole HTTP answer with bytes,
    ``delay`` holds the answer back. It keeps the headers of every request it saw.
    """

    target: str
    mutate: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    raw: bytes | None = None
    delay: float = 0.0
    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> Proxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                proxy._handle(self)

            do_POST = do_PUT = do_GET

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that gave up on a slow answer

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        headers = {k: v for k, v in h.headers.items() if k.lower() not in HOP_BY_HOP}
        self.seen.append((h.command, h.path, dict(headers)))
        if self.raw is not None:
            h.wfile.write(self.raw)
            return
        length = int(h.headers.get("Content-Length") or 0)
        data = h.rfile.read(length) if length else None
        req = urllib.request.Request(self.target + h.path, data=data, headers=headers,
                                     method=h.command)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, body, ctype = resp.status, resp.read(), resp.headers.get("Content-Type")
        except urllib.error.HTTPError as exc:
            status, body, ctype = exc.code, exc.read(), exc.headers.get("Content-Type")
        if self.mutate is not None and status == 200 and h.path.startswith("/api/v1/feed"):
            body = json.dumps(self.mutate(json.loads(body))).encode()
        if self.delay:
            time.sleep(self.delay)
        h.send_response(status)
        h.send_header("Content-Type", ctype or "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)
