"""Poll slots: with more partners than slots every partner still has its turn, and a
partner that fails or drips its answer is polled beside the answering partners, never
in a slot that one of them needs (the scheduler of the background poller)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator

import pytest
from badpeers import wait_for

from fts_share.federation.poller import PeerReport
from fts_share.federation.roster import Member
from fts_share.services.scheduling import ANSWERING, FAILING, PeerScheduler


class Partner:
    """A stand-in for a roster member: only its code is read by the scheduler."""

    def __init__(self, code: str) -> None:
        self.code = code


class Polls:
    """Fake polls: each partner's answers, in order (``ok``, ``fail`` or ``hang``, a
    poll that answers once released); every later poll answers ``ok``."""

    def __init__(self, script: dict[str, list[str]]) -> None:
        self.script = {code: list(steps) for code, steps in script.items()}
        self.done: Counter[str] = Counter()
        self.hanging: set[str] = set()
        self.release = threading.Event()
        self.lock = threading.Lock()

    def __call__(self, member: Member) -> PeerReport:
        with self.lock:
            steps = self.script.get(member.code, [])
            step = steps.pop(0) if steps else "ok"
            if step == "hang":
                self.hanging.add(member.code)
        if step == "hang":
            self.release.wait(60)
        with self.lock:
            self.hanging.discard(member.code)
            self.done[member.code] += 1
        return PeerReport(peer=member.code, ok=step != "fail",
                          error="refused" if step == "fail" else None)

    def count(self, code: str) -> int:
        with self.lock:
            return self.done[code]


def members(*codes: str) -> list[Member]:
    return [Partner(c) for c in codes]  # type: ignore[misc]


@pytest.fixture
def released() -> Iterator[list[tuple[Polls, PeerScheduler]]]:
    """Scheduler and polls made by a test; released and closed afterwards."""
    made: list[tuple[Polls, PeerScheduler]] = []
    yield made
    for polls, scheduler in made:
        polls.release.set()
        scheduler.close()


def test_more_partners_than_slots_each_has_its_turn(released: list) -> None:
    polls = Polls({})
    scheduler = PeerScheduler(polls, slots=2)
    released.append((polls, scheduler))
    codes = ["AAA", "BBB", "CCC", "DDD", "EEE"]
    partners = members(*codes)
    scheduler.tick(partners)
    # One tick: the three that found no free slot start as the first two end.
    assert wait_for(lambda: all(polls.count(c) == 1 for c in codes))
    for _ in range(3):
        assert wait_for(lambda: not scheduler.busy())
        scheduler.tick(partners)
    assert wait_for(lambda: all(polls.count(c) == 4 for c in codes))


def test_a_failing_partner_holds_no_slot_of_an_answering_one(released: list) -> None:
    polls = Polls({"AAA": ["fail", "hang"]})
    scheduler = PeerScheduler(polls, slots=1)
    released.append((polls, scheduler))
    partners = members("AAA", "BBB")
    scheduler.tick(partners)  # AAA fails, then BBB takes the slot
    assert wait_for(lambda: polls.count("AAA") == 1 and polls.count("BBB") == 1)
    assert wait_for(lambda: not scheduler.busy())
    scheduler.tick(partners)  # AAA hangs (a drip) in the failing partners' slot
    assert wait_for(lambda: polls.hanging == {"AAA"})
    assert scheduler.lanes()["AAA"] == FAILING
    for n in (2, 3, 4):  # BBB is polled at every tick all the same
        assert wait_for(lambda: polls.count("BBB") == n)  # noqa: B023
        assert wait_for(lambda: scheduler.busy() == {"AAA"})
        scheduler.tick(partners)
    assert polls.hanging == {"AAA"} and polls.count("AAA") == 1
    polls.release.set()  # the drip ends (its deadline) and answers at last
    assert wait_for(lambda: polls.count("AAA") == 2 and not scheduler.busy())
    scheduler.tick(partners)  # it answered: back among the answering partners
    assert wait_for(lambda: polls.count("AAA") == 3)
    assert wait_for(lambda: not scheduler.busy())
    polls.script["AAA"] = ["hang"]
    polls.release.clear()
    scheduler.tick(partners)
    assert wait_for(lambda: polls.hanging == {"AAA"})
    assert scheduler.lanes()["AAA"] == ANSWERING


def test_a_slow_poll_leaves_the_answering_slots(released: list) -> None:
    now = [0.0]
    polls = Polls({"AAA": ["hang"]})
    scheduler = PeerScheduler(polls, slots=1, slow_after=2.0, monotonic=lambda: now[0])
    released.append((polls, scheduler))
    partners = members("AAA", "BBB")
    scheduler.tick(partners)  # AAA, never failed, starts dripping in the only slot
    assert wait_for(lambda: polls.hanging == {"AAA"})
    now[0] = 1.0
    scheduler.tick(partners)  # not slow yet: BBB waits for the slot
    assert scheduler.busy() == {"AAA"} and polls.count("BBB") == 0
    now[0] = 3.0
    scheduler.tick(partners)  # slower than 2 s: it counts as failing, BBB goes
    assert wait_for(lambda: polls.count("BBB") == 1)
    assert wait_for(lambda: scheduler.lanes() == {"AAA": FAILING})
    assert polls.hanging == {"AAA"}


def test_closing_waits_for_the_polls_and_starts_no_more(released: list) -> None:
    polls = Polls({"AAA": ["hang"]})
    scheduler = PeerScheduler(polls, slots=1)
    released.append((polls, scheduler))
    scheduler.tick(members("AAA"))
    assert wait_for(lambda: polls.hanging == {"AAA"})
    closer = threading.Thread(target=scheduler.close)
    closer.start()
    polls.release.set()
    closer.join(60)
    assert not closer.is_alive() and polls.count("AAA") == 1 and not scheduler.busy()
    assert scheduler.tick(members("AAA", "BBB")) == [] and not scheduler.busy()
