"""Serving a node: the WSGI app under waitress, with the poller in a background thread.

The poller runs only while its process holds the poller's lease
(:mod:`fts_share.storage.leader`): on PostgreSQL a session advisory lock, so that of
several worker processes (or several ``serve`` processes on one database) exactly one
polls, and another takes over within a poll interval when it dies; on SQLite the one
process. Each round, a process that does not hold the lease tries to take it. After
each round the poller sends the notifications of new alerts that are due
(:mod:`fts_share.services.notifying`, ``[notify]``).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from typing import Any

from fts_share.clock import Clock, utcnow
from fts_share.services import index_snapshots, refusals, witnessing
from fts_share.services.node import Node
from fts_share.services.notifying import Notifier
from fts_share.services.polling import Poller, purge_expired
from fts_share.services.unit import unit_of_work
from fts_share.storage.leader import Lease, SoleProcess

log = logging.getLogger(__name__)


class BackgroundPoller:
    """Polls the partners every ``interval`` seconds, purges expired content, signs due
    tree heads and writes counted refusals, until stopped; only while ``lease`` is
    held (by default: always, the one process of the store). Every-N audit heads are
    looked for every ``[audit] head_tick`` seconds. With ``poll`` False the loop only
    signs heads (``serve --no-poll``): the node still needs its one head signer."""

    def __init__(self, node: Node, *, interval: float, clock: Clock = utcnow,
                 on_notice: Any = None, on_page: Any = None, lease: Lease | None = None,
                 poll: bool = True) -> None:
        self.poller = Poller(node, clock=clock, on_notice=on_notice, on_page=on_page)
        self.node, self.interval, self.clock, self.poll = node, interval, clock, poll
        self.lease: Lease = lease or SoleProcess()
        self.leading = False
        """whether this process held the lease at its last round"""
        self.notifier = Notifier.of(node)
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="fts-poller", daemon=True)

    def start(self) -> None:
        """Start the loop."""
        self.thread.start()

    def stop(self) -> None:
        """Ask the loop to stop and wait for it (and for the polls it started)."""
        self._stop.set()
        self.thread.join(timeout=30)
        self.poller.close()
        self.lease.release()

    def _run(self) -> None:
        tick = min(self.interval, self.node.config.audit.head_tick)
        next_round = 0.0
        while not self._stop.is_set():
            self.leading = self.lease.hold()
            if not self.leading:  # another process polls; try again next round
                self._stop.wait(self.interval)
                continue
            try:
                if time.monotonic() >= next_round:
                    next_round = time.monotonic() + self.interval
                    self._round()
                witnessing.sign_scheduled_heads(self.node, self.clock())  # head_every
            except Exception:  # keep polling whatever one round did
                log.exception("poll round failed")
            self._stop.wait(tick)

    def _round(self) -> None:
        """One round every ``interval``: poll, purge, interval heads, refusals, the index
        snapshot and the notifications of new alerts (only the interval heads and the
        index snapshot when the loop does not ``poll``)."""
        try:
            if self.poll:
                if not self.notifier.started:  # alerts from here on are told about
                    self.notifier.begin(self.clock())
                self.poller.poll_due(slow_after=self.interval)  # each on its own; no wait
                with unit_of_work(self.node, self.clock()) as work:
                    purge_expired(work)
            witnessing.sign_due_head(self.node, self.clock())  # [audit] head_interval
            if self.poll:
                refusals.flush_closed(self.node, self.clock())
            index_snapshots.write_if_due(self.node, self.clock())
        finally:
            if self.poll:
                self._notify()

    def _notify(self) -> None:
        """Send the notifications of new alerts that are due; a failure is logged."""
        try:
            self.notifier.after_round(self.clock())
        except Exception:  # never stops the poller
            log.exception("notifications of new alerts failed")


def make_server(app: Any, *, host: str, port: int, threads: int = 8,
                sock: socket.socket | None = None, trust_forwarded: bool = False) -> Any:
    """A waitress server for ``app`` (not started), on ``host:port`` or on an already
    bound, listening ``sock`` (so that a port reserved early cannot be taken).

    waitress drops every X-Forwarded-* header unless ``trust_forwarded``: a node with
    ``limits.trusted_proxies`` lets them through, and the app believes X-Forwarded-For
    from those proxies only (:mod:`fts_share.http.clients`)."""
    from waitress.server import create_server

    where: dict[str, Any] = {"sockets": [sock]} if sock is not None else {"host": host,
                                                                         "port": port}
    return create_server(app, threads=threads, clear_untrusted_proxy_headers=not trust_forwarded,
                         ident="fts-share", **where)


def reserve_port(host: str = "127.0.0.1") -> socket.socket:
    """A listening socket on a free port of ``host``, to hand to :func:`make_server`."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    sock.listen(128)
    return sock


class ServerThread:
    """A waitress server running in a background thread, stopped cleanly.

    waitress's loop may see its sockets closed under it while stopping; that is the
    expected end of the loop, not an error.
    """

    def __init__(self, server: Any, *, name: str = "fts-server") -> None:
        self.server = server
        self._stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self) -> None:
        try:
            self.server.run()
        except (OSError, ValueError):
            if not self._stopping.is_set():
                raise

    def start(self) -> ServerThread:
        """Start serving."""
        self.thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and wait for the thread.

        The sockets are closed by the server's own loop (through its trigger), so the
        loop sees them gone at once rather than at its next poll timeout. Idle
        keep-alive connections (a browser's) would keep the loop running until the
        client hangs up: each is told to close once its response is written, so a
        request in flight still completes.
        """
        self._stopping.set()
        if self.thread.is_alive():
            try:
                self.server.trigger.pull_trigger(self._close)
            except OSError:  # the loop already closed its trigger: it is ending
                self._close()
            self.thread.join(timeout)
        else:  # never started, or already ended
            self._close()
        # waitress ends its worker threads only when its loop is interrupted; a server
        # on one socket closed this way would leave them waiting for tasks for good
        dispatcher = getattr(self.server, "task_dispatcher", None)
        if dispatcher is not None:
            dispatcher.shutdown(timeout=timeout)

    def _close(self) -> None:
        for channel in list(getattr(self.server, "_map", {}).values()):
            if hasattr(channel, "will_close"):
                channel.will_close = True
        with contextlib.suppress(OSError):  # closed already (a second stop)
            self.server.close()
