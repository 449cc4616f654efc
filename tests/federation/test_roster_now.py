"""A roster change takes effect at the next request, in every process: after a new
roster that suspends partner MLI, removes it or revokes its signing key is imported
(by ``fts-share roster import`` in another process, or through another app on the same
store), MLI's signed feed request and its screening query are refused at once, with
no poller running (``serve --no-poll``) to pick the change up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from coalition import Coalition, Member, revocations

from fts_share.app import create_app
from fts_share.clock import utcnow
from fts_share.federation.http import PartnerClient
from fts_share.services.node import Node
from fts_share.services.roster import import_roster
from fts_share.services.serving import ServerThread, make_server, reserve_port
from fts_share.services.unit import Work

REPO = Path(__file__).resolve().parents[2]
QUERY = {"purpose": "investigation", "legal_basis": ["UNSCR-2178"], "name": "Omar Khalid"}
CHANGES = revocations("MLI")


def _requests_from(mli: Member, url: str) -> tuple[int, int]:
    """The statuses of MLI's signed feed request and screening query to ``url``."""
    client = PartnerClient(key=mli.node.signing)
    feed = client.request("GET", f"{url}/api/v1/feed?after=0&limit=10", now=utcnow())
    query = client.request("POST", f"{url}/api/v1/screen", now=utcnow(), body=QUERY)
    return feed.status, query.status


@pytest.mark.parametrize("change", list(CHANGES))
def test_import_in_another_process(coalition: Coalition, tmp_path: Path, change: str) -> None:
    irq, mli = coalition["IRQ"], coalition["MLI"]
    assert _requests_from(mli, irq.url) == (200, 200)
    doc = tmp_path / "roster.json"
    doc.write_text(json.dumps(coalition.next_roster(CHANGES[change])))
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "fts_share", "roster", "import",
                           str(irq.home), str(doc)], check=False, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert _requests_from(mli, irq.url) == (401, 401)
    # FRA, still on the roster, is served as before.
    assert _requests_from(coalition["FRA"], irq.url) == (200, 200)


@pytest.mark.parametrize("change", list(CHANGES))
def test_import_through_another_app_on_the_same_store(coalition: Coalition,
                                                      change: str) -> None:
    """Two apps (two workers) serve IRQ's home on one store; the roster is imported
    through the first, MLI's next requests to the second are refused."""
    irq, mli = coalition["IRQ"], coalition["MLI"]
    other = Node.open(irq.home)
    sock = reserve_port()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    # Real workers share one address; this one listens on its own, and is configured
    # with it as its public URL (signed requests are checked against that URL).
    other.config.url = url
    server = ServerThread(make_server(create_app(node=other), host="127.0.0.1", port=0,
                                      threads=2, sock=sock)).start()
    try:
        assert _requests_from(mli, url) == (200, 200)
        with irq.node.store.transaction() as session:
            import_roster(Work(session=session, now=utcnow(), node=irq.node),
                          coalition.next_roster(CHANGES[change]))
        assert _requests_from(mli, url) == (401, 401)
        assert _requests_from(mli, irq.url) == (401, 401)
        assert _requests_from(coalition["FRA"], url) == (200, 200)
    finally:
        server.stop()
        other.close()
