"""Notifications of new match alerts ([notify]): a webhook to a real HTTP server on
127.0.0.1 and an e-mail to a real SMTP sink, sent after a poll round, coalesced,
carrying a count and a link but never a name; failures are logged and retried. On
SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from coalition import FIXTURES, Coalition, build, notice

from fts_share.clock import utcnow
from fts_share.config import NotifySettings, load_config, write_config
from fts_share.errors import ConfigError
from fts_share.services import notifying, running
from fts_share.services.unit import Work
from fts_share.services.watchlist_import import import_un_file

SECRET = "webhook-secret"
ZAWAHIRI = notice(recipients=["IRQ"], names=[{"full": "Ayman al-Zawahiri", "kind": "primary"}],
                  dob={"value": "1951-06-19", "approximate": False}, nationalities=["EGY"])
BAGHDADI = notice(recipients=["IRQ"], names=[{"full": "أبو بكر البغدادي", "kind": "primary"}],
                  dob={"value": "1971-07-28", "approximate": False}, nationalities=["IRQ"])
# Dates of birth in full, not bare years: a port number or a signature's hex digits may
# hold a year.
NAMES = ("Zawahiri", "Baghdadi", "البغدادي", "1951-06-19", "1971-07-28")


class Hook(ThreadingHTTPServer):
    """A webhook receiver: keeps each request, answers ``status``."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), HookHandler)
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.status = 200

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class HookHandler(BaseHTTPRequestHandler):
    server: Hook

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(self.server.status)
        if 300 <= self.server.status < 400:
            self.send_header("Location", self.server.url)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


class SmtpSink(socketserver.ThreadingTCPServer):
    """A minimal SMTP server that keeps every message (no relay, no auth)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), SmtpHandler)
        self.messages: list[dict[str, Any]] = []

    @property
    def port(self) -> int:
        return int(self.server_address[1])


REPLIES = {b"EHLO": b"250-sink\r\n250 8BITMIME\r\n", b"HELO": b"250 sink\r\n",
           b"MAIL": b"250 OK\r\n", b"RCPT": b"250 OK\r\n", b"RSET": b"250 OK\r\n",
           b"NOOP": b"250 OK\r\n", b"DATA": b"354 go ahead\r\n"}
"""What the SMTP sink answers to each command."""


class SmtpHandler(socketserver.StreamRequestHandler):
    server: SmtpSink

    def handle(self) -> None:
        self.wfile.write(b"220 sink ESMTP\r\n")
        envelope: dict[str, Any] = {"to": [], "data": b""}
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            if verb == b"MAIL":
                envelope["from"] = line[10:].strip().decode()
            elif verb == b"RCPT":
                envelope["to"].append(line[8:].strip().decode())
            self.wfile.write(REPLIES.get(verb, b"502 no\r\n"))
            if verb == b"DATA":
                envelope["data"] = self._data()
                self.server.messages.append(envelope)
                envelope = {"to": [], "data": b""}
                self.wfile.write(b"250 queued\r\n")

    def _data(self) -> bytes:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        return b"".join(lines)


def serving(server: socketserver.BaseServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def sinks() -> Iterator[tuple[Hook, SmtpSink]]:
    hook, smtp = Hook(), SmtpSink()
    serving(hook), serving(smtp)
    yield hook, smtp
    for server in (hook, smtp):
        server.shutdown()
        server.server_close()


@pytest.fixture
def pair(tmp_path: Path, store_urls: Callable[[], str]) -> Iterator[Coalition]:
    c = build(tmp_path, store_urls, [("FRA", "member"), ("IRQ", "member")],
              post_quantum={"FRA": False, "IRQ": False})
    with c["IRQ"].node.store.transaction() as s:
        import_un_file(Work(s, utcnow(), c["IRQ"].node), FIXTURES / "un-excerpt.xml",
                       actor="system")
    yield c
    c.close()


def configure(c: Coalition, hook: Hook, smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch,
              **more: Any) -> notifying.Notifier:
    monkeypatch.setenv(notifying.WEBHOOK_SECRET_ENV, SECRET)
    c["IRQ"].node.config.notify = NotifySettings(
        email=True, smtp_host="127.0.0.1", smtp_port=smtp.port, mail_from="node@irq.example",
        mail_to=("duty@irq.example", "lead@irq.example"), webhook_url=hook.url, timeout=5,
        min_interval=60, **more)
    return notifying.Notifier.of(c["IRQ"].node)


def publish(c: Coalition, body: dict[str, Any]) -> None:
    status, out, _ = c["FRA"].api("POST", "/api/v1/notices", token="officer", body=body)
    assert status == 201, out
    c["IRQ"].poll()


def test_new_alerts_are_told_by_webhook_and_email_with_a_count_and_no_name(
        pair: Coalition, sinks: tuple[Hook, SmtpSink], monkeypatch: pytest.MonkeyPatch) -> None:
    hook, smtp = sinks
    notifier = configure(pair, hook, smtp, monkeypatch)
    start = utcnow()
    notifier.begin(start)
    assert notifier.after_round(start) == 0  # nothing new yet
    publish(pair, ZAWAHIRI)
    assert notifier.after_round(start + timedelta(seconds=1)) == 2
    [(headers, body)] = hook.received
    doc = json.loads(body)
    assert set(doc) == {"count", "link", "node", "time"} and doc["count"] == 1
    assert doc["node"] == "IRQ" and doc["link"] == f"{pair['IRQ'].url}/officer/alerts"
    expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers[notifying.SIGNATURE_HEADER.lower()] == f"sha256={expected}"
    [mail] = smtp.messages
    assert mail["to"] == ["<duty@irq.example>", "<lead@irq.example>"]
    text = mail["data"].decode()
    assert "1 new match alert(s)" in text and f"{pair['IRQ'].url}/officer/alerts" in text
    for told in (body.decode(), json.dumps(headers), text):
        assert not any(n.lower() in told.lower() for n in NAMES)
    assert notifier.after_round(start + timedelta(seconds=2)) == 0  # nothing new


def test_alerts_within_the_interval_are_coalesced(
        pair: Coalition, sinks: tuple[Hook, SmtpSink], monkeypatch: pytest.MonkeyPatch) -> None:
    hook, smtp = sinks
    notifier = configure(pair, hook, smtp, monkeypatch, link="https://irq.example/alerts")
    start = utcnow()
    notifier.begin(start)
    publish(pair, ZAWAHIRI)
    assert notifier.after_round(start) == 2
    publish(pair, BAGHDADI)
    assert notifier.after_round(start + timedelta(seconds=30)) == 0  # too soon
    assert notifier.after_round(start + timedelta(seconds=61)) == 2
    counts = [json.loads(b)["count"] for _h, b in hook.received]
    assert counts == [1, 1] and len(smtp.messages) == 2
    assert json.loads(hook.received[-1][1])["link"] == "https://irq.example/alerts"


def test_a_failing_channel_is_logged_retried_and_never_raises(
        pair: Coalition, sinks: tuple[Hook, SmtpSink], monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    hook, smtp = sinks
    notifier = configure(pair, hook, smtp, monkeypatch)
    smtp.shutdown()
    smtp.server_close()  # the e-mail channel now fails: nothing listens
    hook.status = 500
    start = utcnow()
    notifier.begin(start)
    publish(pair, ZAWAHIRI)
    with caplog.at_level(logging.WARNING, logger="fts_share.services.notifying"):
        assert notifier.after_round(start) == 0
    failed = {r.getMessage().split(":")[0] for r in caplog.records}
    assert failed == {"notification by webhook failed", "notification by email failed"}
    assert not any(n in caplog.text for n in NAMES)
    hook.status = 302  # a redirect is not a delivery
    assert notifier.after_round(start + timedelta(seconds=61)) == 0
    hook.status = 200
    assert notifier.after_round(start + timedelta(seconds=70)) == 0  # retried later
    assert notifier.after_round(start + timedelta(seconds=122)) == 1  # the webhook now
    assert [json.loads(b)["count"] for _h, b in hook.received] == [1, 1, 1]


def test_the_poll_command_notifies(pair: Coalition, sinks: tuple[Hook, SmtpSink],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    hook, smtp = sinks
    configure(pair, hook, smtp, monkeypatch)
    status, out, _ = pair["FRA"].api("POST", "/api/v1/notices", token="officer", body=ZAWAHIRI)
    assert status == 201, out
    running.poll_once(pair["IRQ"].node)
    assert len(hook.received) == 1 and len(smtp.messages) == 1


def test_the_background_poller_notifies_after_its_rounds(
        pair: Coalition, sinks: tuple[Hook, SmtpSink], monkeypatch: pytest.MonkeyPatch) -> None:
    hook, smtp = sinks
    configure(pair, hook, smtp, monkeypatch)
    poller = running.background_poller(pair["IRQ"].node, interval=0.2)
    poller.start()
    try:
        status, out, _ = pair["FRA"].api("POST", "/api/v1/notices", token="officer",
                                         body=ZAWAHIRI)
        assert status == 201, out
        deadline = time.monotonic() + 30
        while not (hook.received and smtp.messages) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        poller.stop()
    assert [json.loads(b)["count"] for _h, b in hook.received] == [1]
    assert len(smtp.messages) == 1


def test_off_by_default_and_nothing_is_sent(pair: Coalition) -> None:
    notifier = notifying.Notifier.of(pair["IRQ"].node)
    assert notifier.channels == [] and notifier.after_round(utcnow()) == 0


@pytest.mark.parametrize(("settings", "word"), [
    ({"email": True}, "notify.email"),
    ({"email": True, "mail_from": "a@b", "mail_to": ("x",)}, "e-mail address"),
    ({"mail_from": "a@b\r\nBcc: c@d"}, "e-mail address"),
    ({"smtp_port": 70000}, "smtp_port"),
    ({"email": "yes"}, "notify.email"),
    ({"webhook_url": "ftp://x"}, "webhook_url"),
    ({"webhook_url": "http://"}, "webhook_url"),
    ({"link": "javascript:alert(1)"}, "link"),
    ({"timeout": 0}, "timeout"),
    ({"min_interval": -1}, "min_interval"),
])
def test_bad_settings_are_refused(settings: dict[str, Any], word: str) -> None:
    with pytest.raises(ConfigError, match=word):
        NotifySettings(**settings)


def test_settings_are_written_and_read_back(pair: Coalition) -> None:
    config = load_config(pair["IRQ"].home)
    assert config.notify == NotifySettings()
    config.notify = NotifySettings(webhook_url="https://hooks.example/fts", min_interval=30,
                                   email=True, mail_from="n@irq.example",
                                   mail_to=("duty@irq.example",))
    write_config(config)
    assert load_config(pair["IRQ"].home).notify == config.notify
    text = (pair["IRQ"].home / "config.toml").read_text()
    assert "[notify]" in text
    (pair["IRQ"].home / "config.toml").write_text(text.replace("smtp_port = 25",
                                                               "smtp_port = 0"))
    with pytest.raises(ConfigError):
        load_config(pair["IRQ"].home)
