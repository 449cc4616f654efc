"""The issue's case over real HTTP: a node's log cut short and its heads deleted is
caught by ``fts-share audit verify`` because a partner witnessed a later head; the
partner's endpoint, its refusals, and an unreachable partner (a warning)."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlencode

from click.testing import CliRunner
from coalition import Coalition
from protocol.wire_schemas import check
from sqlalchemy import select, text

from fts_share.audit import log
from fts_share.cli import cli
from fts_share.clock import utcnow
from fts_share.federation.http import PartnerClient
from fts_share.services import witnessing
from fts_share.services.unit import unit_of_work
from fts_share.storage.audit_store import audit_store
from fts_share.storage.audit_tables import AuditNode, node_position


def grow(member, count: int) -> None:
    with unit_of_work(member.node, utcnow()) as work:
        for i in range(count):
            log.record(work.audit, now=work.now, actor="user:someone", action="open",
                       object_type="notice", object_id=f"n-{i}")


def verify(member, *flags: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    res = CliRunner().invoke(cli, ["audit", "verify", str(member.home), "--json", *flags])
    return res.exit_code, json.loads(res.stdout)


def witnessed(caller, witness, **query: object) -> tuple[int, dict]:  # type: ignore[type-arg]
    url = f"{witness.url}/api/v1/audit/witnessed-heads"
    url += f"?{urlencode(query)}" if query else ""
    resp = PartnerClient(key=caller.node.signing).request("GET", url, now=utcnow())
    return resp.status, resp.json()


def test_a_log_cut_short_with_its_heads_deleted_is_caught_by_a_witness(
        coalition: Coalition) -> None:
    fra, irq, mli = coalition["FRA"], coalition["IRQ"], coalition["MLI"]
    grow(fra, 6)
    irq.poll()  # IRQ receives FRA's head with the page, and keeps it
    status, doc = witnessed(fra, irq)
    assert status == 200, doc
    check(doc, "witnessed-heads")
    assert doc["node"] == "FRA" and doc["witness"] == "IRQ" and doc["total"] >= 1
    size = doc["heads"][0]["size"]
    code, report = verify(fra)
    assert code == 0 and report["ok"] and report["witnessed_checked"] >= 1
    assert set(report["partners"]["asked"]) == {"IRQ", "MLI"}

    with fra.node.store.transaction() as s:  # behind the node's back
        keep = size - 4
        s.execute(text("DELETE FROM tree_heads"))
        s.execute(text("DELETE FROM audit_entries WHERE seq >= :k"), {"k": keep})
        for i in s.scalars(select(AuditNode.id)).all():
            level, idx = node_position(i)
            if (idx + 1) << level > keep:
                s.execute(text("DELETE FROM audit_nodes WHERE id = :i"), {"i": i})
    code, offline = verify(fra, "--offline")
    assert code == 0 and offline["ok"]  # nothing left here to contradict the log
    mli.stop()
    code, report = verify(fra)
    assert code == 1 and not report["ok"]
    assert any("witnessed by IRQ" in p and f"expected at least {size} entries, got {keep}" in p
               for p in report["problems"])
    assert list(report["partners"]["unreachable"]) == ["MLI"]
    assert any("partner MLI could not be asked" in w for w in report["warnings"])
    res = CliRunner().invoke(cli, ["audit", "verify", str(fra.home)])
    assert res.exit_code == 1 and "TAMPERED" in res.stdout
    assert "warning: partner MLI could not be asked" in res.stderr


def test_the_endpoint_takes_signed_partner_requests_only(coalition: Coalition) -> None:
    fra, irq = coalition["FRA"], coalition["IRQ"]
    irq.poll()
    status, doc = witnessed(irq, fra, node="IRQ")
    assert status == 200 and doc["node"] == "IRQ" and doc["witness"] == "FRA"
    check(doc, "witnessed-heads")
    status, doc = witnessed(fra, irq, limit=0)
    assert status == 422 and "limit" in json.dumps(doc)
    status, doc = witnessed(fra, irq, node="not a code")
    assert status == 422 and "node" in json.dumps(doc)
    status, _, _ = irq.api("GET", "/api/v1/audit/witnessed-heads", token="reviewer")
    assert status in (401, 403)
    status, _, _ = irq.api("GET", "/api/v1/audit/witnessed-heads")
    assert status == 401


def test_the_poller_signs_a_head_every_interval_while_the_log_grows(
        coalition: Coalition) -> None:
    fra = coalition["FRA"]
    now = utcnow()
    first = witnessing.sign_due_head(fra.node, now)
    assert first is not None  # the log grew and no head was signed yet
    assert witnessing.sign_due_head(fra.node, now + timedelta(hours=1)) is None  # no growth
    grow(fra, 1)
    interval = fra.node.config.audit.head_interval
    assert witnessing.sign_due_head(fra.node, now + timedelta(seconds=interval - 1)) is None
    later = witnessing.sign_due_head(fra.node, now + timedelta(seconds=interval))
    assert later is not None and later["size"] == first["size"] + 1
    with fra.node.store.read() as s:
        assert [h.size for h in log.tree_heads(audit_store(s))][:2] == [later["size"],
                                                                         first["size"]]
