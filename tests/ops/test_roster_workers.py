"""A roster change takes effect at the next request in every worker process: IRQ is
served by ``fts-share serve --workers 2 --no-poll`` on PostgreSQL; once both workers
have answered partner MLI's signed feed request and screening query, a roster that
suspends MLI, removes it or revokes its signing key is imported by ``fts-share roster
import`` in another process, and every request MLI sends from then on, each on a new
connection, is refused (401) until both workers have refused it, while FRA is still
served. A roster that restores MLI takes effect in both workers the same way.

Which worker answered is read from each worker's own metric files (prometheus-client's
multiprocess mode: ``counter_<pid>.db`` in ``PROMETHEUS_MULTIPROC_DIR``), which count
the requests it answered by route and status; nothing is added to the responses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from coalition import Coalition, Member, MemberEdit, build, revocations, sqlite_databases, unchanged
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from test_workers import ON_POSTGRESQL, _children, serving

from fts_share.clock import utcnow
from fts_share.federation.http import PartnerClient
from fts_share.services import metrics

REPO = Path(__file__).resolve().parents[2]
QUERY = {"purpose": "investigation", "legal_basis": ["UNSCR-2178"], "name": "Omar Khalid"}
ROUTES = ("/api/v1/feed", "/api/v1/screen")
Counts = dict[tuple[str, str], float]


CHANGES = revocations("MLI")  # a revoked key stays revoked: revocation comes last


def _import(c: Coalition, member: Member, edit: MemberEdit, folder: Path) -> None:
    """Sign the coalition's next roster, edited by ``edit``, and install it at
    ``member``'s home with ``fts-share roster import`` in another process."""
    roster = c.next_roster(edit)
    doc = folder / f"roster-{c.version}.json"
    doc.write_text(json.dumps(roster))
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "fts_share", "roster", "import",
                           str(member.home), str(doc)], check=False, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def _requests_from(member: Member, url: str) -> tuple[int, int]:
    """The statuses of ``member``'s signed feed request and screening query to
    ``url`` (each on a new connection: the client sends ``Connection: close``)."""
    # a worker's first screening loads its index: slow on a busy machine, not refused
    client = PartnerClient(key=member.node.signing, timeout=30)
    feed = client.request("GET", f"{url}/api/v1/feed?after=0&limit=10", now=utcnow())
    query = client.request("POST", f"{url}/api/v1/screen", now=utcnow(), body=QUERY)
    return feed.status, query.status


def _answered(folder: Path, pid: int) -> Counts:
    """The requests worker ``pid`` has answered, by (route, status), read from its own
    metric files only."""
    counts: Counts = {}
    with tempfile.TemporaryDirectory() as own:
        for path in folder.glob(f"*_{pid}.db"):
            shutil.copy(path, own)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=own)
        for family in registry.collect():
            for sample in family.samples:
                if sample.name == "fts_http_requests_total":
                    key = (sample.labels["route"], sample.labels["status"])
                    counts[key] = counts.get(key, 0.0) + sample.value
    return counts


def _until_every_worker_answered(mli: Member, base: str, folder: Path, workers: set[int],
                                 status: int) -> int:
    """Send MLI's two requests, each answered with ``status``, until every worker has
    answered both routes with it; returns how many rounds that took."""
    before = {pid: _answered(folder, pid) for pid in workers}
    deadline = time.monotonic() + 30
    rounds = 0
    while True:
        assert _requests_from(mli, base) == (status, status), f"round {rounds + 1}"
        rounds += 1
        now = {pid: _answered(folder, pid) for pid in workers}
        missing = [(pid, route) for pid in workers for route in ROUTES
                   if now[pid].get((route, str(status)), 0) <= before[pid].get(
                       (route, str(status)), 0)]
        if not missing:
            return rounds
        assert time.monotonic() < deadline, f"never answered with {status}: {missing}"


@ON_POSTGRESQL
def test_a_roster_change_takes_effect_in_both_worker_processes(
        tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    urls = iter([sqlite_databases(tmp_path)(), store_url, sqlite_databases(tmp_path)()])
    c = build(tmp_path, lambda: next(urls),
              [("FRA", "member"), ("IRQ", "member"), ("MLI", "observer")],
              post_quantum={"FRA": False, "IRQ": False, "MLI": False})
    irq, mli, fra = c["IRQ"], c["MLI"], c["FRA"]
    folder = tmp_path / "metrics"
    folder.mkdir()
    monkeypatch.setenv(metrics.MULTIPROC_ENV, str(folder))  # for the workers
    try:
        irq.stop()  # its port (the one on the roster) is for the workers
        with serving(irq.home, workers=2, port=int(irq.url.rsplit(":", 1)[1]),
                     poll=False) as (base, proc):
            deadline = time.monotonic() + 30
            while len(workers := _children(proc.pid)) != 2:
                assert time.monotonic() < deadline, "two workers never started"
                time.sleep(0.1)
            _until_every_worker_answered(mli, base, folder, workers, 200)
            for change, edit in CHANGES.items():
                _import(c, irq, edit, tmp_path)
                _until_every_worker_answered(mli, base, folder, workers, 401)
                assert _requests_from(fra, base) == (200, 200), change
                if change != "key revocation":
                    _import(c, irq, unchanged, tmp_path)  # MLI active again, with its keys
                    _until_every_worker_answered(mli, base, folder, workers, 200)
            assert _children(proc.pid) == workers  # the same two processes throughout
    finally:
        c.close()
