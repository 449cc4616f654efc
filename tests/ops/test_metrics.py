"""GET /metrics: Prometheus text whose counters move with a real exchange between
nodes over HTTP (polls per partner, envelopes received, screening latency, alerts,
audit appends, requests by route), with no personal data in it; off with
``[ops] metrics = false``; summed over worker processes in multiprocess mode."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from coalition import FIXTURES, Coalition, Member, notice
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from fts_share.clock import utcnow
from fts_share.services import dissemination, metrics
from fts_share.services.unit import Work
from fts_share.services.watchlist_import import import_un_file
from fts_share.storage.models import Notice
from fts_share.storage.notices import read_content

SADDAM = [{"full": "Saddam Hussein al-Tikriti", "kind": "primary"},
          {"full": "صدام حسين التكريتي", "kind": "spelling"}]
#: a date of birth is looked for whole: a bare year also turns up in the samples' float timestamps
PERSONAL = ("Saddam", "Hussein", "Tikriti", "صدام", "1937-04-28", "Karim", "Benali", "K1234567")
SCREEN = {"purpose": "investigation", "legal_basis": ["UNSCR-2178"], "name": "Karim Benali",
          "dob": "1994", "documents": ["K1234567"]}


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(member: Member) -> tuple[str, Samples]:
    status, text, headers = member.api("GET", "/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain"), text
    samples = {(s.name, frozenset(s.labels.items())): s.value
               for family in text_string_to_metric_families(text) for s in family.samples}
    return text, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum of ``name`` over the samples whose labels include ``labels``."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= ls)


def test_counters_move_with_a_real_exchange(coalition: Coalition) -> None:
    fra, irq, mli = coalition["FRA"], coalition["IRQ"], coalition["MLI"]
    with irq.node.store.transaction() as s:
        import_un_file(Work(s, utcnow(), irq.node), FIXTURES / "un-excerpt.xml", actor="system")
    _, before = scrape(irq)
    _, fra_before = scrape(fra)
    status, _, _ = fra.api("POST", "/api/v1/notices", token="officer",
                           body=notice(recipients=["IRQ"], names=SADDAM,
                                       dob={"value": "1937-04-28"},
                                       documents=[{"type": "passport", "number": "K1234567",
                                                   "issuer": "IRQ"}]))
    assert status == 201
    mli.stop()  # one partner down: its poll fails
    reports = {r.peer: r for r in irq.poll()}
    assert reports["FRA"].ok and reports["FRA"].result.received == 1
    assert not reports["MLI"].ok
    status, _, _ = irq.api("POST", "/api/v1/screen", token="officer", body=SCREEN)
    assert status == 200
    text, after = scrape(irq)
    _, fra_after = scrape(fra)

    def moved(name: str, samples_before: Samples, samples_after: Samples,
              **labels: str) -> float:
        return value(samples_after, name, **labels) - value(samples_before, name, **labels)

    assert moved("fts_polls_total", before, after, node="IRQ", peer="FRA", outcome="ok") == 1
    assert moved("fts_polls_total", before, after, node="IRQ", peer="MLI",
                 outcome="failed") == 1
    assert moved("fts_envelopes_received_total", before, after, node="IRQ", peer="FRA") == 1
    assert moved("fts_envelopes_rejected_total", before, after, node="IRQ", peer="FRA") == 0
    assert moved("fts_screening_seconds_count", before, after, node="IRQ", kind="arrival") == 1
    assert moved("fts_screening_seconds_count", before, after, node="IRQ", kind="query") == 1
    assert moved("fts_alerts_raised_total", before, after, node="IRQ") >= 1
    assert moved("fts_audit_appends_total", before, after, node="IRQ",
                 action="match_created") >= 1
    assert moved("fts_audit_appends_total", before, after, node="IRQ", action="screen") == 1
    assert moved("fts_http_requests_total", fra_before, fra_after, node="FRA",
                 route="/api/v1/feed", status="200") >= 1
    assert moved("fts_http_requests_total", fra_before, fra_after, node="FRA",
                 route="/api/v1/notices", method="POST", status="201") == 1
    for word in PERSONAL:
        assert word not in text


def test_a_refused_transaction_counts_nothing(coalition: Coalition) -> None:
    """A notice refused by validation writes nothing, so no audit append is counted."""
    fra = coalition["FRA"]
    _, before = scrape(fra)
    bad = notice(recipients=["IRQ"])
    bad["subject"]["names"] = []
    status, _, _ = fra.api("POST", "/api/v1/notices", token="officer", body=bad)
    assert status == 422
    _, after = scrape(fra)
    assert (value(after, "fts_audit_appends_total", node="FRA", action="publish")
            == value(before, "fts_audit_appends_total", node="FRA", action="publish"))
    assert value(after, "fts_http_requests_total", node="FRA", route="/api/v1/notices",
                 status="422") >= 1


def test_metrics_can_be_switched_off(coalition: Coalition) -> None:
    fra = coalition["FRA"]
    fra.node.config.ops.metrics = False
    status, problem, _ = fra.api("GET", "/metrics")
    assert status == 404 and problem["type"].endswith("/not-found")


WORKER = """
import sys
from fts_share.federation.poller import PeerReport
from fts_share.services import dissemination, metrics
metrics.observe_poll("FRA", PeerReport(peer="IRQ"))
metrics.job_started("FRA")
if sys.argv[1] == "report":
    sys.stdout.write(metrics.exposition()[0].decode())
"""


def test_multiprocess_mode_sums_the_workers(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """With PROMETHEUS_MULTIPROC_DIR set, any worker's /metrics sums every worker; a
    worker that exited (``worker_exited``, gunicorn's child_exit) leaves its counters
    but not its live gauges."""
    monkeypatch.setenv(metrics.MULTIPROC_ENV, str(tmp_path))
    env = {**os.environ}
    for _ in range(2):
        proc = subprocess.Popen([sys.executable, "-c", WORKER, "count"], env=env)
        assert proc.wait(timeout=120) == 0
        metrics.worker_exited(proc.pid)
    out = subprocess.run([sys.executable, "-c", WORKER, "report"], env=env, check=True,
                         capture_output=True, text=True, timeout=120).stdout
    samples = {(s.name, frozenset(s.labels.items())): s.value
               for family in text_string_to_metric_families(out) for s in family.samples}
    assert value(samples, "fts_polls_total", node="FRA", peer="IRQ", outcome="ok") == 3
    # the jobs gauge counts live processes only: the two that exited are gone
    assert value(samples, "fts_screening_jobs", node="FRA") == 1


POLL_PROCESS = """
import sys
from fts_share.federation.poller import PeerReport
from fts_share.services import metrics
with metrics.dropped_unless_shared():  # as `fts-share poll` polls
    metrics.observe_poll("FRA", PeerReport(peer="IRQ"))
print("prometheus_client" in sys.modules)
"""


def test_a_poll_process_counts_only_into_the_shared_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``fts-share poll`` serves no /metrics: what it counts is dropped (prometheus-client
    is not even loaded), unless multiprocess mode writes it to the folder that the serving
    processes sum."""
    alone = subprocess.run([sys.executable, "-c", POLL_PROCESS], check=True,
                           capture_output=True, text=True, timeout=120)
    assert alone.stdout == "False\n"
    monkeypatch.setenv(metrics.MULTIPROC_ENV, str(tmp_path))
    shared = subprocess.run([sys.executable, "-c", POLL_PROCESS], env={**os.environ},
                            check=True, capture_output=True, text=True, timeout=120)
    assert shared.stdout == "True\n"
    out = subprocess.run([sys.executable, "-c", WORKER, "report"], env={**os.environ},
                         check=True, capture_output=True, text=True, timeout=120).stdout
    samples = {(s.name, frozenset(s.labels.items())): s.value
               for family in text_string_to_metric_families(out) for s in family.samples}
    # the poll process's poll and the reporting worker's own
    assert value(samples, "fts_polls_total", node="FRA", peer="IRQ", outcome="ok") == 2


def test_refused_envelopes_are_counted(coalition: Coalition) -> None:
    """An envelope the receiver refuses (a notice version sent twice: a fork) moves
    ``fts_envelopes_rejected_total`` of its origin."""
    fra, irq = coalition["FRA"], coalition["IRQ"]
    status, summary, _ = fra.api("POST", "/api/v1/notices", token="officer",
                                 body=notice(recipients=["IRQ"]))
    assert status == 201
    with fra.node.store.transaction() as s:
        sealed = s.scalars(select(Notice).where(Notice.notice_id == summary["id"])).one()
        content = read_content(s, fra.node.storage_key, sealed)
        dissemination.append(Work(session=s, now=utcnow(), node=fra.node), payload=content,
                             kind="notice", label="AMBER", recipients=["IRQ"],
                             notice_id=summary["id"], notice_version=1)
    _, before = scrape(irq)
    report = {r.peer: r for r in irq.poll()}["FRA"]
    assert report.ok and (report.result.received, report.result.rejected) == (1, 1)
    _, after = scrape(irq)
    for name, moved in (("fts_envelopes_received_total", 1),
                        ("fts_envelopes_rejected_total", 1)):
        assert (value(after, name, node="IRQ", peer="FRA")
                - value(before, name, node="IRQ", peer="FRA")) == moved


def test_invented_methods_and_paths_do_not_grow_the_metrics(coalition: Coalition) -> None:
    """A client cannot add label values: unknown paths are one route, invented methods
    one method."""
    fra = coalition["FRA"]
    for i in range(3):
        assert fra.api(f"BREW{i}", f"/nothing/{i}")[0] in (404, 405, 501)
    text, samples = scrape(fra)
    assert "BREW" not in text and "/nothing/" not in text
    assert value(samples, "fts_http_requests_total", node="FRA", method="OTHER",
                 route="(unmatched)") >= 3
