"""The node's Prometheus metrics (prometheus-client), served at ``GET /metrics``.

No metric carries personal data: the labels are this node's code, partner codes,
outcomes, alert kinds, audit actions and route templates, never a name, a date of
birth, a document number or a notice's content.

- ``fts_polls_total{node, peer, outcome}``: polls of a partner's feed, ``ok`` or
  ``failed``;
- ``fts_envelopes_received_total{node, peer}``, ``fts_envelopes_rejected_total{node,
  peer}``, ``fts_envelopes_duplicate_total{node, peer}``: envelopes fetched from a
  partner: stored, refused (recorded with the reason), already held;
- ``fts_screening_seconds{node, kind}``: screening latency (histogram); ``kind`` is
  ``query`` (one name), ``batch`` or ``arrival`` (a received page screened on arrival);
- ``fts_alerts_raised_total{node, kind}``: alerts committed (``match``,
  ``sanctions_hit``, ``travel_ban_hit``);
- ``fts_audit_appends_total{node, action}``: audit entries committed;
- ``fts_screening_jobs{node}``: jobs (batch screenings, list imports) running in this
  node's processes;
- ``fts_job_queue_depth{node, task}``: jobs waiting or running (``screen_batch``,
  ``import_watchlist``), as last counted in the store (when a job is queued or ends,
  and every few seconds by a queue worker): ``/metrics`` itself never reads the store;
- ``fts_http_requests_total{node, method, route, status}`` and
  ``fts_http_request_seconds{node, route}``: requests by route template.

With several worker processes (gunicorn), set ``PROMETHEUS_MULTIPROC_DIR`` to an empty
folder before the processes start: each writes its values there and any worker's
``/metrics`` sums them (prometheus-client's multiprocess mode); call
:func:`worker_exited` from the process manager when a worker exits.

The metrics are registered, and prometheus-client imported (~0.01 CPU-s: its exposition
brings ``http.server``, ``wsgiref``, ``urllib.request``), the first time one is counted or
served. ``fts-share poll`` counts nothing (:func:`dropped_unless_shared`): a process of
its own, its counters would end with it unread.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from fts_share.federation.poller import PeerReport
from fts_share.services.node import Node
from fts_share.storage.observe import Tally, observe

if TYPE_CHECKING:
    from prometheus_client import Counter, Gauge, Histogram

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class _Metrics:
    """The node's metrics, registered with prometheus-client's default registry."""

    def __init__(self) -> None:
        from prometheus_client import Counter, Gauge, Histogram

        self.polls: Counter = Counter("fts_polls", "Polls of a partner's feed, by outcome",
                                      ["node", "peer", "outcome"])
        self.received: Counter = Counter(
            "fts_envelopes_received", "Envelopes fetched from a partner and stored",
            ["node", "peer"])
        self.rejected: Counter = Counter(
            "fts_envelopes_rejected", "Envelopes fetched from a partner and refused",
            ["node", "peer"])
        self.duplicates: Counter = Counter(
            "fts_envelopes_duplicate", "Envelopes fetched again (already held)",
            ["node", "peer"])
        self.screening: Histogram = Histogram(
            "fts_screening_seconds", "Screening latency, by kind", ["node", "kind"],
            buckets=LATENCY_BUCKETS)
        self.alerts: Counter = Counter("fts_alerts_raised", "Match alerts committed, by kind",
                                       ["node", "kind"])
        self.audit: Counter = Counter("fts_audit_appends", "Audit entries committed, by action",
                                      ["node", "action"])
        self.jobs: Gauge = Gauge("fts_screening_jobs",
                                 "Batch screenings running in the background", ["node"],
                                 multiprocess_mode="livesum")
        self.queue_depth: Gauge = Gauge("fts_job_queue_depth",
                                        "Jobs waiting or running, by task", ["node", "task"],
                                        multiprocess_mode="mostrecent")
        self.requests: Counter = Counter(
            "fts_http_requests", "HTTP requests, by route template and status",
            ["node", "method", "route", "status"])
        self.request_seconds: Histogram = Histogram(
            "fts_http_request_seconds", "HTTP request latency, by route", ["node", "route"],
            buckets=LATENCY_BUCKETS)


_lock = threading.Lock()
_registered: _Metrics | None = None
_dropped = False  # within dropped_unless_shared(): what this process counts is dropped


def _metrics() -> _Metrics:
    """The node's metrics, made (and prometheus-client imported) the first time they
    are counted or served."""
    global _registered
    with _lock:
        if _registered is None:
            _registered = _Metrics()
        return _registered


def _counting() -> _Metrics | None:
    """The metrics to count into; none while this process's counts are dropped."""
    return None if _dropped else _metrics()


@contextmanager
def dropped_unless_shared() -> Iterator[None]:
    """Within the block, what this process counts is dropped, and prometheus-client is
    not loaded for it, unless multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``) writes
    the counts to the folder the serving processes sum. For a command that is a process
    of its own and serves no ``/metrics`` (``fts-share poll``): its counters would end
    with it, never read."""
    global _dropped
    before = _dropped
    _dropped = before or not os.environ.get(MULTIPROC_ENV)
    try:
        yield
    finally:
        _dropped = before


def observe_poll(node: str, report: PeerReport) -> None:
    """Count one poll of ``report.peer`` and the envelopes it brought."""
    if (m := _counting()) is None:
        return
    m.polls.labels(node, report.peer, "ok" if report.ok else "failed").inc()
    for metric, count in ((m.received, report.result.received),
                          (m.rejected, report.result.rejected),
                          (m.duplicates, report.result.duplicates)):
        if count:
            metric.labels(node, report.peer).inc(count)


def observe_screening(node: str, kind: str, seconds: float) -> None:
    """Record one screening's latency (``kind``: query, batch or arrival)."""
    if (m := _counting()) is not None:
        m.screening.labels(node, kind).observe(seconds)


def observe_request(node: str, *, method: str, route: str, status: int,
                    seconds: float) -> None:
    """Count one HTTP request by its route template (never its path)."""
    if (m := _counting()) is not None:
        m.requests.labels(node, method, route, str(status)).inc()
        m.request_seconds.labels(node, route).observe(seconds)


def job_started(node: str) -> None:
    """A batch screening started in the background."""
    if (m := _counting()) is not None:
        m.jobs.labels(node).inc()


def job_ended(node: str) -> None:
    """A background batch screening ended (done or failed)."""
    if (m := _counting()) is not None:
        m.jobs.labels(node).dec()


def queue_depth(node: str, depths: dict[str, int]) -> None:
    """Record the queue's depth by task, as just counted."""
    if (m := _counting()) is None:
        return
    for task, count in depths.items():
        m.queue_depth.labels(node, task).set(count)


def _committed(node: str, tally: Tally) -> None:
    if (m := _counting()) is None:
        return
    for (what, label), count in tally.items():
        if what == "audit_appends":
            m.audit.labels(node, label).inc(count)
        elif what == "alerts":
            m.alerts.labels(node, label).inc(count)


def watch(node: Node) -> None:
    """Count what ``node``'s committed transactions write (audit appends, alerts)."""
    code = node.code
    observe(node.store.engine, lambda tally: _committed(code, tally))


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus text format and its content type: this process's, or
    every worker's in multiprocess mode."""
    from prometheus_client import (
        CONTENT_TYPE_LATEST,
        REGISTRY,
        CollectorRegistry,
        generate_latest,
        multiprocess,
    )

    _metrics()  # every family listed, counted yet or not
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def worker_exited(pid: int) -> None:
    """Forget a dead worker's live gauges (multiprocess mode; gunicorn's
    ``child_exit`` hook)."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
