"""Partners that misbehave at the HTTP level, on real sockets on 127.0.0.1: a peer that
drips its answer one byte every half second is cut at the whole-request deadline; a
peer that answers garbage, an oversized page, a truncated body, the wrong content
type, resets the connection mid-body or sends more than it announced. Each is a
recorded failure of that peer with a clear reason, nothing of it is stored, the other
partners are served, and once the fault is gone everything arrives exactly once."""

from __future__ import annotations

import pytest
from badpeers import BadPeer, Behaviour, answer, drip, head, reset_mid_body, wait_for
from coalition import Coalition
from helpers import holdings, peer, report_of, route_through
from test_peers import _all_once, _failed_and_others_served, _setup

PAGE_CAP = 256 * 1024



def test_dripping_peer_is_cut_at_the_deadline(coalition: Coalition) -> None:
    """FRA answers its headers, then one byte every 0.5 s of a 100 kB body: a timeout
    per read would never fire. The whole-request deadline (5 s) ends the request, the
    failure is recorded, and MLI's notice arrives in the same poll."""
    fra, irq, _mli, ids, mine = _setup(coalition)
    bad = BadPeer(drip(0.5)).start()
    irq.node.config.federation.request_timeout = 5.0  # room for MLI on a loaded machine
    try:
        route_through(coalition, "FRA", bad.url)
        reports = irq.poll()
        error = report_of(reports, "FRA").error or ""
        assert "timed out: no complete answer within 5 s" in error, error
        _failed_and_others_served(irq, reports, mine)
        assert "timed out" in (peer(irq, "FRA").last_error or "")  # type: ignore[union-attr]
        # The client hung up on the drip (the server saw its send fail).
        assert wait_for(lambda: bad.cut == 1 and bad.dripping == 0)
        assert bad.requests == 1
        route_through(coalition, "FRA", fra.url)
        _all_once(irq, ids)
    finally:
        bad.stop()


FAULTS: dict[str, tuple[Behaviour, str]] = {
    "garbage": (answer(b"this is not HTTP at all\r\n\r\n"), "BadStatusLine"),
    "oversized page": (answer(head(PAGE_CAP * 4) + b"{" + b" " * (PAGE_CAP * 4 - 2) + b"}"),
                       f"answer larger than {PAGE_CAP} bytes"),
    "oversized page, no length": (answer(b"HTTP/1.1 200 OK\r\nContent-Type: application/json"
                                         b"\r\nConnection: close\r\n\r\n{" + b" " * PAGE_CAP * 2),
                                  f"answer larger than {PAGE_CAP} bytes"),
    "truncated body": (answer(head(1000) + b'{"index": '), "cut short: 10 of 1000"),
    "wrong content type": (answer(head(2, "text/html") + b"{}"), "content type 'text/html'"),
    "reset mid-body": (reset_mid_body, "reset"),
    "larger than announced": (answer(head(2) + b"{}" + b" " * 500),
                              "longer than its announced 2 bytes"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_bad_http_peer_is_a_recorded_failure(coalition: Coalition, fault: str) -> None:
    fra, irq, _mli, ids, mine = _setup(coalition)
    behaviour, reason = FAULTS[fault]
    bad = BadPeer(behaviour).start()
    irq.node.config.federation.max_page_bytes = PAGE_CAP
    try:
        route_through(coalition, "FRA", bad.url)
        before = holdings(irq)
        reports = irq.poll()
        error = report_of(reports, "FRA").error or ""
        assert reason in error, error
        _failed_and_others_served(irq, reports, mine)
        assert reason in (peer(irq, "FRA").last_error or "")  # type: ignore[union-attr]
        after = holdings(irq)
        assert after["received"] == before["received"] + 1  # MLI's notice only
        route_through(coalition, "FRA", fra.url)
        _all_once(irq, ids)
    finally:
        bad.stop()
