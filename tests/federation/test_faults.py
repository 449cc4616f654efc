"""Faults in transit and at the origin: what the polling partner refuses, records and
stores (nothing), and that everything arrives exactly once when the fault is gone."""

from __future__ import annotations

import copy
import json
from typing import Any, Callable

import pytest
from coalition import Coalition, Member
from fts_share.crypto.canonical import b64u, canonical_json
from fts_share.crypto.envelope import envelope_digest
from fts_share.crypto._envelope_wire import ENVELOPE_SIGNATURE_CONTEXT
from fts_share.storage.models import OutboxEnvelope
from helpers import (Proxy, audit, events, holdings, notice_ids, peer, publish,
                     received_seqs, report_of, route_through)

Page = dict[str, Any]


def flip(text: str, at: int = 8) -> str:
    """``text`` (base64url) with one character changed, still base64url."""
    return text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1:]


def _first(page: Page) -> dict[str, Any]:
    return page["envelopes"][0]


def tamper_header(page: Page) -> Page:
    _first(page)["header"]["label"] = "GREEN" if _first(page)["header"]["label"] != "GREEN" else "RED"
    return page


def tamper_ciphertext(page: Page) -> Page:
    _first(page)["ciphertext"] = flip(_first(page)["ciphertext"])
    return page


def tamper_wrapped_key(page: Page) -> Page:
    keys = _first(page)["keys"]
    kid = sorted(keys)[0]
    keys[kid] = flip(keys[kid], at=20)
    return page


def tamper_signature(page: Page) -> Page:
    _first(page)["signature"] = flip(_first(page)["signature"])
    return page


def tamper_and_fix_index(page: Page) -> Page:
    """Change the ciphertext and put the new digest in the index: the index signature
    no longer verifies."""
    tamper_ciphertext(page)
    page["index"]["items"][0]["digest"] = envelope_digest(_first(page))
    return page


def tamper_page_signature(page: Page) -> Page:
    page["signature"] = flip(page["signature"])
    return page


IN_TRANSIT: dict[str, Callable[[Page], Page]] = {
    "header": tamper_header, "ciphertext": tamper_ciphertext,
    "wrapped key": tamper_wrapped_key, "envelope signature": tamper_signature,
    "ciphertext and index digest": tamper_and_fix_index,
    "page signature": tamper_page_signature,
}


def drop_last_envelope(page: Page) -> Page:
    page["envelopes"].pop()
    return page


def drop_last_item_and_envelope(page: Page) -> Page:
    page["envelopes"].pop()
    page["index"]["items"].pop()
    return page


def swap_envelopes(page: Page) -> Page:
    e = page["envelopes"]
    e[0], e[1] = e[1], e[0]
    return page


def swap_items_and_envelopes(page: Page) -> Page:
    swap_envelopes(page)
    i = page["index"]["items"]
    i[0], i[1] = i[1], i[0]
    return page


def duplicate_first(page: Page) -> Page:
    page["envelopes"][1] = copy.deepcopy(page["envelopes"][0])
    return page


TRUNCATED_OR_REORDERED: dict[str, Callable[[Page], Page]] = {
    "envelope dropped": drop_last_envelope,
    "item and envelope dropped": drop_last_item_and_envelope,
    "envelopes swapped": swap_envelopes,
    "items and envelopes swapped": swap_items_and_envelopes,
    "envelope repeated": duplicate_first,
}


@pytest.fixture
def proxied(coalition: Coalition) -> Any:
    """FRA reached through a proxy (for every partner) on a new roster version."""
    proxy = Proxy(coalition["FRA"].url).start()
    route_through(coalition, "FRA", proxy.url)
    yield proxy
    proxy.stop()


def _refused_each_time(irq: Member, mutations: dict[str, Callable[[Page], Page]],
                       proxy: Proxy, mine: str) -> None:
    before = holdings(irq)
    for i, (name, mutation) in enumerate(mutations.items(), start=1):
        proxy.mutate = mutation
        reports = irq.poll()
        fra_report = report_of(reports, "FRA")
        assert not fra_report.ok and fra_report.error, name
        assert fra_report.result.received == 0, name
        # The healthy partner was served all the same.
        assert report_of(reports, "MLI").ok, name
        assert notice_ids(irq, "MLI") == [mine], name
        state = peer(irq, "FRA")
        assert state is not None and state.cursor == 0 and state.failures == i, name
        assert state.last_error and state.next_attempt is not None, name
        assert received_seqs(irq, "FRA") == [] and notice_ids(irq, "FRA") == [], name
    after = holdings(irq)
    # Only the healthy partner's notice was stored; this node sent nothing.
    assert after == {**before, "received": 1, "notices": 1}, "nothing of FRA stored"
    failed = events(irq, "FRA", "poll_failed")
    assert len(failed) == len(mutations)
    refusals = [e for e in audit(irq, "reject", "feed-page") if e.partner == "FRA"]
    assert len(refusals) == len(mutations)
    assert all(e.outcome == "refused" and e.actor == "node:FRA" for e in refusals)


def _arrives_once(irq: Member, proxy: Proxy, ids: list[str]) -> None:
    proxy.mutate = None
    fra_report = report_of(irq.poll(), "FRA")
    assert fra_report.ok, fra_report.error
    assert fra_report.result.received == len(ids) and fra_report.result.rejected == 0
    again = report_of(irq.poll(), "FRA")
    assert again.ok and again.result.received == 0 and again.result.duplicates == 0
    assert received_seqs(irq, "FRA") == list(range(1, len(ids) + 1))
    assert sorted(notice_ids(irq, "FRA")) == sorted(ids)
    state = peer(irq, "FRA")
    assert state is not None and state.cursor == len(ids) and state.failures == 0
    assert state.last_error is None


def test_envelope_tampered_in_transit_refuses_the_page(coalition: Coalition,
                                                       proxied: Proxy) -> None:
    fra, irq, mli = coalition["FRA"], coalition["IRQ"], coalition["MLI"]
    ids = [publish(fra, ["IRQ"]), publish(fra, ["IRQ", "MLI"])]
    mine = publish(mli, ["IRQ"])
    _refused_each_time(irq, IN_TRANSIT, proxied, mine)
    _arrives_once(irq, proxied, ids)


def test_truncated_or_reordered_page_is_refused(coalition: Coalition, proxied: Proxy) -> None:
    fra, irq, mli = coalition["FRA"], coalition["IRQ"], coalition["MLI"]
    ids = [publish(fra, ["IRQ"]) for _ in range(3)]
    mine = publish(mli, ["IRQ"])
    _refused_each_time(irq, TRUNCATED_OR_REORDERED, proxied, mine)
    _arrives_once(irq, proxied, ids)


# -- bad envelopes inside a validly signed page (a malicious or buggy origin) -------------
def _rewrite_outbox(member: Member, seq: int, change: Callable[[dict[str, Any]], None]) -> None:
    """Change envelope ``seq`` in ``member``'s outbox and store its new digest, so the
    node serves it in a validly signed page."""
    with member.node.store.transaction() as s:
        row = s.get(OutboxEnvelope, seq)
        assert row is not None
        env = json.loads(row.envelope)
        change(env)
        row.envelope = json.dumps(env, separators=(",", ":"))
        row.digest = envelope_digest(env)


def resign(member: Member) -> Callable[[dict[str, Any]], None]:
    """Sign an envelope again with ``member``'s key (after changing it)."""

    def sign(env: dict[str, Any]) -> None:
        unsigned = canonical_json({k: v for k, v in env.items() if k != "signature"})
        env["signature"] = b64u(member.node.signing.sign(ENVELOPE_SIGNATURE_CONTEXT + unsigned))

    return sign


def test_bad_envelopes_in_a_signed_page_are_refused_and_skipped(coalition: Coalition) -> None:
    fra, irq = coalition["FRA"], coalition["IRQ"]
    ids = [publish(fra, ["IRQ"]) for _ in range(6)]

    def wrapped(env: dict[str, Any]) -> None:
        [kid] = [r["kid"] for r in env["header"]["recipients"] if r["node"] == "IRQ"]
        env["keys"][kid] = flip(env["keys"][kid], at=20)

    def ciphertext_resigned(env: dict[str, Any]) -> None:
        env["ciphertext"] = flip(env["ciphertext"])
        resign(fra)(env)

    def wrapped_resigned(env: dict[str, Any]) -> None:
        wrapped(env)
        resign(fra)(env)

    changes: dict[int, Callable[[dict[str, Any]], None]] = {
        1: lambda env: env["header"].update(label="RED"),
        2: lambda env: env.update(ciphertext=flip(env["ciphertext"])),
        3: wrapped,
        4: lambda env: env.update(signature=flip(env["signature"])),
        5: ciphertext_resigned,   # validly signed by the origin, but cannot be opened
        6: wrapped_resigned,
    }
    for seq, change in changes.items():
        _rewrite_outbox(fra, seq, change)
    good = publish(fra, ["IRQ"])
    report = report_of(irq.poll(), "FRA")
    assert report.ok, report.error
    assert (report.result.received, report.result.rejected) == (1, 6)
    assert received_seqs(irq, "FRA") == [7]
    assert notice_ids(irq, "FRA") == [good] and not set(ids) & set(notice_ids(irq, "FRA"))
    refused = events(irq, "FRA", "rejected")
    assert [e.seq for e in refused] == [1, 2, 3, 4, 5, 6]
    assert all("signature" in e.detail for e in refused[:4])
    assert all("cannot open" in e.detail for e in refused[4:])
    entries = [e for e in audit(irq, "reject", "envelope") if e.partner == "FRA"]
    assert len(entries) == 6 and all(e.outcome == "refused" for e in entries)
    state = peer(irq, "FRA")
    assert state is not None and state.cursor == 7 and state.failures == 0
    # Polling again changes nothing: the refused envelopes are not fetched again.
    again = report_of(irq.poll(), "FRA")
    assert again.result.received == again.result.rejected == 0
    assert len(events(irq, "FRA", "rejected")) == 6
