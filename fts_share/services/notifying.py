"""Telling officers, outside the pages, that new match alerts arrived: an e-mail and/or
a webhook (``[notify]`` in the node's configuration, both off by default).

The poller calls :meth:`Notifier.after_round` after each of its rounds (never a web
request). Each channel remembers the highest alert it told about and when it last
sent: alerts raised since are counted into one message, at most one per
``min_interval`` seconds, so a burst of alerts is one message. A message carries a
count, a link, the node's code and the time: never a name, a notice or a score.
A channel that fails is logged and tried again after ``min_interval`` with every
alert not yet told about; it never stops the poller.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from http.client import HTTPException
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import func, select

from fts_share.clock import to_rfc3339
from fts_share.config import NotifySettings
from fts_share.services.node import Node
from fts_share.services.unit import reading
from fts_share.storage.models import Alert

if TYPE_CHECKING:
    import urllib.request

log = logging.getLogger(__name__)

#: The header of the webhook's signature: ``sha256=`` and the hex HMAC of the body.
SIGNATURE_HEADER = "X-FTS-Signature"
WEBHOOK_SECRET_ENV = "FTS_SHARE_WEBHOOK_SECRET"
SMTP_PASSWORD_ENV = "FTS_SHARE_SMTP_PASSWORD"


@dataclass(frozen=True)
class Message:
    """What a notification says: how many new alerts, where to see them, which node,
    when."""

    count: int
    link: str
    node: str
    time: str

    def body(self) -> bytes:
        """The webhook's JSON body (sorted keys, compact: the bytes that are signed)."""
        doc = {"count": self.count, "link": self.link, "node": self.node, "time": self.time}
        return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()

    def subject(self) -> str:
        """The e-mail's subject line."""
        return f"fts-share {self.node}: {self.count} new match alert(s)"

    def text(self) -> str:
        """The e-mail's body."""
        return (f"{self.count} new match alert(s) at node {self.node} ({self.time}).\n"
                f"See them (sign-in required): {self.link}\n")


class Channel(Protocol):
    """A way to send a :class:`Message`; raises on failure."""

    name: str

    def send(self, message: Message) -> None:
        """Send ``message`` or raise."""


@functools.cache
def _opener() -> urllib.request.OpenerDirector:
    """urllib's opener for webhooks, made for the first one sent. A redirect is an
    answer, not a delivery: it fails (urllib would re-send a POST redirected by 301-303
    as a bodiless GET)."""
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    return urllib.request.build_opener(NoRedirect)


@dataclass
class Webhook:
    """HTTP POST of the message as JSON, signed when a secret is given."""

    url: str
    timeout: float
    secret: bytes | None = None
    name: str = "webhook"

    def send(self, message: Message) -> None:
        """POST the message; anything but a 2xx answer raises."""
        import urllib.request  # (only a node that sends webhooks needs it)

        body = message.body()
        headers = {"Content-Type": "application/json", "User-Agent": "fts-share notifier"}
        if self.secret:
            digest = hmac.new(self.secret, body, hashlib.sha256).hexdigest()
            headers[SIGNATURE_HEADER] = f"sha256={digest}"
        req = urllib.request.Request(self.url, data=body, method="POST", headers=headers)
        with _opener().open(req, timeout=self.timeout) as resp:
            if not 200 <= resp.status < 300:
                raise OSError(f"webhook answered HTTP {resp.status}")


@dataclass
class Email:
    """An e-mail through an SMTP server (``smtplib``), STARTTLS and login optional."""

    host: str
    port: int
    sender: str
    recipients: Sequence[str]
    timeout: float
    starttls: bool = False
    user: str = ""
    password: str = ""
    name: str = "email"

    def send(self, message: Message) -> None:
        """Send the message to every recipient."""
        import smtplib  # (only a node that sends mail needs it)

        mail = EmailMessage()
        mail["Subject"], mail["From"] = message.subject(), self.sender
        mail["To"] = ", ".join(self.recipients)
        mail.set_content(message.text())
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(mail)


def channels_of(settings: NotifySettings) -> list[Channel]:
    """The channels ``[notify]`` turns on (none by default)."""
    out: list[Channel] = []
    if settings.email:
        out.append(Email(host=settings.smtp_host, port=settings.smtp_port,
                         sender=settings.mail_from, recipients=list(settings.mail_to),
                         timeout=settings.timeout, starttls=settings.smtp_starttls,
                         user=settings.smtp_user,
                         password=os.environ.get(SMTP_PASSWORD_ENV, "")))
    if settings.webhook_url:
        secret = os.environ.get(WEBHOOK_SECRET_ENV, "")
        out.append(Webhook(url=settings.webhook_url, timeout=settings.timeout,
                           secret=secret.encode() if secret else None))
    return out


def _alerts_after(node: Node, now: datetime, after_id: int) -> tuple[int, int]:
    """How many alerts were raised after ``after_id``, and the highest id."""
    with reading(node, now) as work:
        count, top = work.session.execute(
            select(func.count(Alert.id), func.max(Alert.id)).where(Alert.id > after_id)).one()
    return int(count or 0), int(top or after_id)


@dataclass
class Notifier:
    """The poller's notifications of new alerts (see the module docstring)."""

    node: Node
    channels: list[Channel] = field(default_factory=list)
    marks: dict[str, int] = field(default_factory=dict)
    """per channel: the highest alert id told about"""
    last: dict[str, datetime] = field(default_factory=dict)
    """per channel: when it last sent (or tried to)"""

    @classmethod
    def of(cls, node: Node) -> Notifier:
        """The notifier of ``node``'s ``[notify]`` settings."""
        return cls(node=node, channels=channels_of(node.config.notify))

    @property
    def started(self) -> bool:
        """Whether :meth:`begin` was called."""
        return bool(self.marks) or not self.channels

    def link(self) -> str:
        """Where messages point: ``[notify] link``, or the node's alerts page."""
        return self.node.config.notify.link or f"{self.node.config.url.rstrip('/')}/officer/alerts"

    def begin(self, now: datetime) -> None:
        """Start counting from the alerts that exist now (earlier ones are not told)."""
        if self.channels:
            _count, top = _alerts_after(self.node, now, 0)
            self.marks = {c.name: top for c in self.channels}

    def after_round(self, now: datetime) -> int:
        """Tell each channel that is due about the alerts raised since it last did; how
        many messages went out. Never raises for a channel's failure."""
        if not self.channels:
            return 0
        if not self.started:
            self.begin(now)
        interval = timedelta(seconds=self.node.config.notify.min_interval)
        sent = 0
        for channel in self.channels:
            last = self.last.get(channel.name)
            if last is not None and now - last < interval:
                continue  # coalesced into a later message
            count, top = _alerts_after(self.node, now, self.marks.get(channel.name, 0))
            if count == 0:
                continue
            self.last[channel.name] = now
            message = Message(count=count, link=self.link(), node=self.node.code,
                              time=to_rfc3339(now))
            try:
                channel.send(message)
            except (OSError, ValueError, HTTPException) as exc:  # never breaks polling
                log.warning("notification by %s failed: %s", channel.name,
                            _reason(exc), extra={"channel": channel.name})
                continue
            self.marks[channel.name] = top
            sent += 1
        return sent


def _reason(exc: BaseException) -> str:
    """A failure as one short line (no URL query, no credentials: the class and the
    first line of the message)."""
    text: Any = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"[:200]
