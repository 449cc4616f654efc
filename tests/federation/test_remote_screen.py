"""Screening at a partner: hit / no-hit with the reference, never the content; both
ends log it with its purpose and legal basis."""

from __future__ import annotations

import pytest
from coalition import FIXTURES, Coalition
from sqlalchemy import select

from fts_share.clock import utcnow
from fts_share.errors import FtsError
from fts_share.services.screening import screen_at
from fts_share.services.unit import Work
from fts_share.services.watchlist_import import import_un_file
from fts_share.storage.audit_tables import AuditEntry

BODY = {"purpose": "border_screening", "legal_basis": ["UNSCR-2178", "UNSCR-2396"]}


def test_partner_screening_is_hit_no_hit_and_logged_on_both_ends(coalition: Coalition) -> None:
    fra, irq = coalition["FRA"], coalition["IRQ"]
    with fra.node.store.transaction() as s:
        import_un_file(Work(s, utcnow(), fra.node), FIXTURES / "un-excerpt.xml",
                       actor="system")
    answer = screen_at(irq.node, "FRA", body={**BODY, "name": "أيمن الظواهري"},
                       actor="user:irq-officer", now=utcnow())
    assert answer["hit"] is True
    top = answer["hits"][0]
    assert top["reference"] == "QDi.006" and 0 < top["score"] <= 1
    assert "matched_name" not in top and "explanation" not in top
    batch = screen_at(irq.node, "FRA", body={**BODY, "batch": [
        {"ref": "A", "name": "Aiman al-Zawahri"}, {"ref": "B", "name": "Pierre Martin"}]},
        actor="user:irq-officer", now=utcnow())
    assert [r["hit"] for r in batch["results"]] == [True, False]
    with fra.node.store.read() as s:
        served = s.scalars(select(AuditEntry).where(AuditEntry.action.in_(
            ["screen", "screen_batch"]))).all()
        assert [(e.action, e.actor, e.partner, e.purpose) for e in served] == [
            ("screen", "node:IRQ", "IRQ", "border_screening"),
            ("screen_batch", "node:IRQ", "IRQ", "border_screening")]
    with irq.node.store.read() as s:
        asked = s.scalars(select(AuditEntry).where(AuditEntry.action == "screen")).all()
        assert len(asked) == 2 and all(e.partner == "FRA" and e.legal_basis ==
                                       ["UNSCR-2178", "UNSCR-2396"] for e in asked)


def test_partner_screening_with_bad_input_is_refused_and_logged(coalition: Coalition) -> None:
    irq = coalition["IRQ"]
    with pytest.raises(FtsError):
        screen_at(irq.node, "FRA", body={**BODY, "name": "al"}, actor="user:irq-officer",
                  now=utcnow())
    with irq.node.store.read() as s:
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.action == "screen")).all()
        assert entry.outcome == "refused"
