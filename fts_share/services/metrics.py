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
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from fts_share.federation.poller import PeerReport
from fts_share.services.node import Node
from fts_share.storage.observe import Tally, observe

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

POLLS = Counter("fts_polls", "Polls of a partner's feed, by outcome",
                ["node", "peer", "outcome"])
RECEIVED = Counter("fts_envelopes_received", "Envelopes fetched from a partner and stored",
                   ["node", "peer"])
REJECTED = Counter("fts_envelopes_rejected", "Envelopes fetched from a partner and refused",
                   ["node", "peer"])
DUPLICATES = Counter("fts_envelopes_duplicate", "Envelopes fetched again (already held)",
                     ["node", "peer"])
SCREENING = Histogram("fts_screening_seconds", "Screening latency, by kind",
                      ["node", "kind"], buckets=LATENCY_BUCKETS)
ALERTS = Counter("fts_alerts_raised", "Match alerts committed, by kind", ["node", "kind"])
AUDIT = Counter("fts_audit_appends", "Audit entries committed, by action",
                ["node", "action"])
JOBS = Gauge("fts_screening_jobs", "Batch screenings running in the background",
             ["node"], multiprocess_mode="livesum")
QUEUE_DEPTH = Gauge("fts_job_queue_depth", "Jobs waiting or running, by task",
                    ["node", "task"], multiprocess_mode="mostrecent")
REQUESTS = Counter("fts_http_requests", "HTTP requests, by route template and status",
                   ["node", "method", "route", "status"])
REQUEST_SECONDS = Histogram("fts_http_request_seconds", "HTTP request latency, by route",
                            ["node", "route"], buckets=LATENCY_BUCKETS)


def observe_poll(node: str, report: PeerReport) -> None:
    """Count one poll of ``report.peer`` and the envelopes it brought."""
    POLLS.labels(node, report.peer, "ok" if report.ok else "failed").inc()
    for metric, count in ((RECEIVED, report.result.received),
                          (REJECTED, report.result.rejected),
                          (DUPLICATES, report.result.duplicates)):
        if count:
            metric.labels(node, report.peer).inc(count)


def observe_screening(node: str, kind: str, seconds: float) -> None:
    """Record one screening's latency (``kind``: query, batch or arrival)."""
    SCREENING.labels(node, kind).observe(seconds)


def observe_request(node: str, *, method: str, route: str, status: int,
                    seconds: float) -> None:
    """Count one HTTP request by its route template (never its path)."""
    REQUESTS.labels(node, method, route, str(status)).inc()
    REQUEST_SECONDS.labels(node, route).observe(seconds)


def job_started(node: str) -> None:
    """A batch screening started in the background."""
    JOBS.labels(node).inc()


def job_ended(node: str) -> None:
    """A background batch screening ended (done or failed)."""
    JOBS.labels(node).dec()


def queue_depth(node: str, depths: dict[str, int]) -> None:
    """Record the queue's depth by task, as just counted."""
    for task, count in depths.items():
        QUEUE_DEPTH.labels(node, task).set(count)


def _committed(node: str, tally: Tally) -> None:
    for (what, label), count in tally.items():
        if what == "audit_appends":
            AUDIT.labels(node, label).inc(count)
        elif what == "alerts":
            ALERTS.labels(node, label).inc(count)


def watch(node: Node) -> None:
    """Count what ``node``'s committed transactions write (audit appends, alerts)."""
    code = node.code
    observe(node.store.engine, lambda tally: _committed(code, tally))


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus text format and its content type: this process's, or
    every worker's in multiprocess mode."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def worker_exited(pid: int) -> None:
    """Forget a dead worker's live gauges (multiprocess mode; gunicorn's
    ``child_exit`` hook)."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
