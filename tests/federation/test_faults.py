"""Faults in transit and at the origin: what the polling partner refuses, records and
stores (nothing), and that everything arrives exactly once when the fault is gone."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from coalition import Coalition, Member, notice
from helpers import (
    PURPOSE,
    Proxy,
    audit,
    events,
    holdings,
    new_roster,
    notice_ids,
    peer,
    publish,
    received_seqs,
    report_of,
    route_through,
)
from sqlalchemy import func, select

from fts_share.clock import to_rfc3339, utcnow
from fts_share.crypto._envelope_wire import ENVELOPE_SIGNATURE_CONTEXT
from fts_share.crypto.canonical import b64u, canonical_json
from fts_share.crypto.envelope import Recipient, envelope_digest, seal
from fts_share.crypto.keys import KeyKind, PrivateKey, generate
from fts_share.federation.roster import roster_key_entry
from fts_share.storage.models import OutboxEnvelope, OutboxLink, Peer, ReceivedEnvelope

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
    kid = min(keys)
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


# -- envelopes a partner must not accept, whoever serves them -------------------------
def _inject(member: Member, envelope: dict[str, Any], *, recipient: str,
            seq: int | None = None) -> int:
    """Make ``member`` serve ``envelope`` on ``recipient``'s link (a malicious or buggy
    origin): as a new outbox row, or, with ``seq``, pointing at an existing one."""
    with member.node.store.transaction() as s:
        if seq is None:
            last = s.scalars(select(OutboxEnvelope).order_by(OutboxEnvelope.seq.desc())).first()
            seq = (last.seq if last else 0) + 1
            s.add(OutboxEnvelope(seq=seq, digest=envelope_digest(envelope),
                                 prev=last.digest if last else None, created=utcnow(),
                                 kind="notice", label="AMBER",
                                 notice_id=str(uuid.uuid4()), notice_version=1,
                                 envelope=json.dumps(envelope, separators=(",", ":"))))
            s.flush()
        n = s.scalar(select(func.coalesce(func.max(OutboxLink.n), 0))
                     .where(OutboxLink.recipient == recipient)) or 0
        s.add(OutboxLink(recipient=recipient, n=n + 1, seq=seq))
    return seq


def _sealed(*, origin: str, signer: PrivateKey, to: Member, roster_of: Member,
            seq: int = 1) -> dict[str, Any]:
    key = roster_of.node.roster.encryption_key(to.code, now=utcnow())
    body = notice(recipients=[to.code])
    body["provenance"] = {"id": str(uuid.uuid4()), "version": 1, "origin": origin}
    return seal({"notice": body}, origin=origin, seq=seq, prev=None, created=utcnow(),
                label="AMBER", kind="notice", signer=signer,
                recipients=[Recipient(node=to.code, key=key)])


def test_envelopes_from_non_members_or_for_others_are_refused(coalition: Coalition) -> None:
    fra, irq, mli = coalition["FRA"], coalition["IRQ"], coalition["MLI"]
    first = publish(fra, ["IRQ"])
    # 1. From a node that is not on the roster, relayed by FRA.
    _inject(fra, _sealed(origin="ZZZ", signer=generate(KeyKind.ED25519), to=irq,
                         roster_of=fra), recipient="IRQ")
    # 2. "From FRA", but signed with a key that is not on the roster.
    _inject(fra, _sealed(origin="FRA", signer=generate(KeyKind.ED25519), to=irq,
                         roster_of=fra, seq=99), recipient="IRQ")
    # 3. A genuine envelope of MLI, relayed by FRA.
    from_mli = publish(mli, ["IRQ"])
    with mli.node.store.read() as s:
        mli_env = json.loads(s.scalars(select(OutboxEnvelope.envelope)).one())
    _inject(fra, mli_env, recipient="IRQ")
    # 4. FRA's own envelope for MLI only, put on IRQ's link.
    publish(fra, ["MLI"])
    with fra.node.store.read() as s:
        for_mli = s.scalar(select(func.max(OutboxEnvelope.seq)))
    _inject(fra, {}, recipient="IRQ", seq=for_mli)
    last = publish(fra, ["IRQ"])

    reports = irq.poll()
    r = report_of(reports, "FRA")
    assert r.ok, r.error
    assert (r.result.received, r.result.rejected) == (2, 4)
    assert sorted(notice_ids(irq, "FRA")) == sorted([first, last])
    assert notice_ids(irq, "MLI") == [from_mli]  # delivered once, by MLI itself
    details = [e.detail for e in events(irq, "FRA", "rejected")]
    assert len(details) == 4
    assert "not on the roster" in details[0] and "ZZZ" in details[0]
    assert "not on the roster" in details[1]
    assert "relayed" in details[2]
    assert "not addressed to IRQ" in details[3]
    entries = [e for e in audit(irq, "reject", "envelope") if e.partner == "FRA"]
    assert len(entries) == 4 and all(e.outcome == "refused" for e in entries)
    assert peer(irq, "FRA").cursor == 6  # type: ignore[union-attr]
    # MLI is not concerned: it received exactly the envelope meant for it.
    assert report_of(mli.poll(), "FRA").result.received == 1


def test_envelopes_under_a_revoked_key_are_refused(coalition: Coalition) -> None:
    fra, irq, mli = coalition["FRA"], coalition["IRQ"], coalition["MLI"]
    before = publish(fra, ["IRQ"])
    mine = publish(mli, ["IRQ"])
    revoked_at = utcnow()
    rotated = generate(KeyKind.ED25519)

    def revoke(entries: dict[str, dict[str, Any]]) -> None:
        keys = entries["FRA"]["keys"]
        [old] = [k for k in keys if k["use"] == "sign"]
        old["revoked_at"] = to_rfc3339(revoked_at)
        keys.append(roster_key_entry(rotated.public(), use="sign",
                                     valid_from=revoked_at - timedelta(days=1)))

    new_roster(coalition, revoke)
    after = publish(fra, ["IRQ"])  # FRA keeps sealing with the revoked key
    # FRA still signs its pages with the revoked key: the whole page is refused.
    reports = irq.poll()
    r = report_of(reports, "FRA")
    assert not r.ok and "not valid" in (r.error or "")
    assert received_seqs(irq, "FRA") == [] and notice_ids(irq, "MLI") == [mine]
    assert len(events(irq, "FRA", "poll_failed")) == 1
    # FRA signs pages with its new key; its envelopes sealed after the revocation are
    # refused one by one, those sealed before it still arrive.
    fra.node.signing = rotated
    r = report_of(irq.poll(), "FRA")
    assert r.ok, r.error
    assert (r.result.received, r.result.rejected) == (1, 1)
    assert notice_ids(irq, "FRA") == [before] and after not in notice_ids(irq, "FRA")
    [refused] = events(irq, "FRA", "rejected")
    assert refused.seq == 2 and "not valid" in refused.detail
    assert [e.object_id for e in audit(irq, "reject", "envelope")] == [
        envelope_digest(_outbox(fra, 2))]


def _outbox(member: Member, seq: int) -> dict[str, Any]:
    with member.node.store.read() as s:
        row = s.get(OutboxEnvelope, seq)
        assert row is not None
        return dict(json.loads(row.envelope))


def test_fork_is_detected_and_recorded(coalition: Coalition) -> None:
    fra, irq = coalition["FRA"], coalition["IRQ"]
    ids = [publish(fra, ["IRQ"]), publish(fra, ["IRQ"])]
    assert report_of(irq.poll(), "FRA").result.received == 2
    # FRA's database is rewritten: sequence 2 now holds another validly signed envelope.
    original = _outbox(fra, 2)
    header = original["header"]
    forged = seal(_other_payload(), origin="FRA", seq=2, prev=header["prev"],
                  created=utcnow(), label=header["label"], kind="notice",
                  signer=fra.node.signing,
                  recipients=[Recipient(node="IRQ", key=fra.node.roster.encryption_key(
                      "IRQ", now=utcnow()))])
    _rewrite_outbox(fra, 2, lambda env: (env.clear(), env.update(forged)))
    third = publish(fra, ["IRQ"])  # chains to the forged envelope
    r = report_of(irq.poll(), "FRA")
    assert r.ok and (r.result.received, r.result.rejected) == (0, 1)
    [fork] = events(irq, "FRA", "fork")
    assert fork.seq == 3 and "chain" in fork.detail
    # Asked again from the start, FRA serves the forged sequence 2: a fork.
    with irq.node.store.transaction() as s:
        s.get(Peer, "FRA").cursor = 0  # type: ignore[union-attr]
    r = report_of(irq.poll(), "FRA")
    assert (r.result.received, r.result.duplicates, r.result.rejected) == (0, 1, 2)
    forks = events(irq, "FRA", "fork")
    assert [e.seq for e in forks] == [3, 2, 3]
    assert "seen with digest" in forks[1].detail
    assert received_seqs(irq, "FRA") == [1, 2] and third not in notice_ids(irq, "FRA")
    assert sorted(notice_ids(irq, "FRA")) == sorted(ids)
    # What IRQ holds for sequence 2 is still the original.
    with irq.node.store.read() as s:
        digest = s.scalars(select(ReceivedEnvelope.digest)
                           .where(ReceivedEnvelope.seq == 2)).one()
    assert digest == envelope_digest(original) != envelope_digest(forged)
    status, opened, _ = irq.api("GET", f"/api/v1/notices/{ids[1]}{PURPOSE}", token="officer")
    assert status == 200 and opened["notice"]["subject"]["names"][0]["full"] == "Karim Benali"


def _other_payload() -> dict[str, Any]:
    """A different notice payload for a forged envelope."""
    body = notice(recipients=["IRQ"], names=[{"full": "Someone Else", "kind": "primary"}])
    body["provenance"] = {"id": str(uuid.uuid4()), "version": 1, "origin": "FRA"}
    return {"notice": body}


# -- duplicate member names (issue 14 §3) --------------------------------------------------
def test_a_feed_page_with_a_duplicate_member_is_refused(coalition: Coalition,
                                                        proxied: Proxy) -> None:
    """A page whose JSON names a member twice is refused as a protocol error, nothing of
    it is stored, and the genuine page arrives once the proxy stops interfering."""
    fra, irq = coalition["FRA"], coalition["IRQ"]
    ids = [publish(fra, ["IRQ"])]
    captured: list[Page] = []

    def capture(page: Page) -> Page:
        captured.append(page)
        raise RuntimeError("held back")  # the proxy drops the answer

    proxied.mutate = capture
    assert not report_of(irq.poll(), "FRA").ok and captured
    proxied.mutate = None
    page = captured[-1]
    first = next(iter(page))
    text = json.dumps(page)
    body = ("{" + json.dumps(first) + ": " + json.dumps(page[first]) + ", " + text[1:]).encode()
    proxied.raw = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                   + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
    report = report_of(irq.poll(), "FRA")
    assert not report.ok and "duplicate member name" in (report.error or ""), report.error
    assert report.result.received == 0
    assert received_seqs(irq, "FRA") == [] and notice_ids(irq, "FRA") == []
    proxied.raw = None
    _arrives_once(irq, proxied, ids)
