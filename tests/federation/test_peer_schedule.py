"""Each partner on its own schedule: under the background poller, a partner whose
answer drips in one byte every half second holds its own poll slot only; the other
partners are polled at every interval and their notices arrive while it drips."""

from __future__ import annotations

from badpeers import BadPeer, drip, wait_for
from coalition import Coalition
from helpers import notice_ids, peer, publish, route_through

from fts_share.services.running import background_poller


def test_dripping_peer_does_not_hold_back_a_healthy_one(coalition: Coalition) -> None:
    fra, irq = coalition["FRA"], coalition["IRQ"]
    bad = BadPeer(drip(0.5)).start()
    irq.node.config.federation.request_timeout = 90.0  # far away: the drip goes on
    route_through(coalition, "MLI", bad.url)
    poller = background_poller(irq.node, interval=0.3)
    poller.start()
    try:
        assert wait_for(lambda: bad.dripping == 1), "the poller never reached the dripping peer"
        first = publish(fra, ["IRQ"])
        assert wait_for(lambda: notice_ids(irq, "FRA") == [first])
        second = publish(fra, ["IRQ"])
        assert wait_for(lambda: sorted(notice_ids(irq, "FRA")) == sorted([first, second]))
        # Both arrived during the first drip, which is still going: nobody waited on it,
        # and MLI was not asked again while its poll was under way.
        assert bad.dripping == 1 and bad.cut == 0 and bad.requests == 1
        state = peer(irq, "FRA")
        assert state is not None and state.failures == 0 and state.last_success is not None
    finally:
        bad.stop()  # ends the drip: the poll of MLI fails and the poller can stop
        poller.stop()
    state = peer(irq, "MLI")
    assert state is not None and state.failures == 1 and state.last_error


def test_one_poll_slot_is_enough_for_a_healthy_peer_beside_a_dripping_one(
        coalition: Coalition) -> None:
    # More partners than slots: each still has its turn, and the drip, slower than a
    # poll interval, leaves the slot to the partners that answer.
    fra, irq = coalition["FRA"], coalition["IRQ"]
    bad = BadPeer(drip(0.5)).start()
    irq.node.config.federation.request_timeout = 90.0
    irq.node.config.federation.poll_slots = 1
    route_through(coalition, "MLI", bad.url)
    poller = background_poller(irq.node, interval=0.3)
    poller.start()
    try:
        assert wait_for(lambda: bad.dripping == 1), "the poller never reached the dripping peer"
        first = publish(fra, ["IRQ"])
        second = publish(fra, ["IRQ"])
        assert wait_for(lambda: sorted(notice_ids(irq, "FRA")) == sorted([first, second]))
        third = publish(fra, ["IRQ"])
        assert wait_for(lambda: len(notice_ids(irq, "FRA")) == 3)
        assert third in notice_ids(irq, "FRA")
        assert bad.dripping == 1 and bad.cut == 0 and bad.requests == 1
    finally:
        bad.stop()
        poller.stop()
    state = peer(irq, "MLI")
    assert state is not None and state.failures == 1 and state.last_error
