"""Reviewer services: filtered listing with paging, CSV / JSON Lines export, report."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from fts_share.audit import log
from fts_share.audit.export import CSV_COLUMNS, export_csv, export_jsonl
from fts_share.audit.query import EntryQuery, list_entries, parse_query
from fts_share.audit.report import compliance_report
from fts_share.errors import ValidationError
from fts_share.storage.audit_store import audit_store

PLAN = [  # (actor, action, partner, legal basis, outcome)
    ("user:alice", "publish", "IRQ", ["2178", "2396"], "ok"),
    ("node:IRQ", "receive", "IRQ", ["2178"], "ok"),
    ("user:bob", "open", "JOR", ["1373"], "refused"),
    ("user:bob", "access_refused", None, [], "refused"),
    ("system", "purge", None, [], "ok"),
]


@pytest.fixture
def busy(store, clock):
    with store.transaction() as s:
        for i in range(25):
            actor, action, partner, basis, outcome = PLAN[i % 5]
            log.record(audit_store(s), now=clock(i * 120), actor=actor, action=action, object_type="notice",
                       object_id=f"n-{i % 4}", object_version=1, partner=partner,
                       legal_basis=basis, outcome=outcome, detail={"note": "=1+1" if i == 0 else "x"})
    return store


def test_paging_walks_everything_once(busy):
    with busy.read() as s:
        seen, query = [], EntryQuery(limit=4)
        while True:
            page = list_entries(audit_store(s), query)
            seen += [e.seq for e in page.entries]
            if page.next_cursor is None:
                break
            query = replace(query, cursor=page.next_cursor)
        assert seen == list(range(25))
        desc = list_entries(audit_store(s), EntryQuery(order="desc", limit=3))
        assert [e.seq for e in desc.entries] == [24, 23, 22]
        nxt = list_entries(audit_store(s), EntryQuery(order="desc", limit=3, cursor=desc.next_cursor))
        assert [e.seq for e in nxt.entries] == [21, 20, 19]


def test_filters(busy, clock):
    with busy.read() as s:
        q = parse_query({"action": "open", "partner": "JOR", "limit": "50"})
        assert [e.seq for e in list_entries(audit_store(s), q).entries] == [2, 7, 12, 17, 22]
        q = parse_query({"notice": "n-1", "actor": "node:IRQ"})
        assert [e.seq for e in list_entries(audit_store(s), q).entries] == [1, 21]
        since = clock(10 * 120).isoformat()
        until = clock(12 * 120).isoformat()
        q = parse_query({"since": since, "until": until})
        assert [e.seq for e in list_entries(audit_store(s), q).entries] == [10, 11]


def test_bad_filters_and_cursors(busy):
    with pytest.raises(ValidationError) as exc:
        parse_query({"since": "yesterday", "action": "fly", "limit": "0", "colour": "red"})
    assert set(exc.value.errors) == {"since", "action", "limit", "colour"}
    with pytest.raises(ValidationError, match="order"):
        parse_query({"order": "sideways"})
    with busy.read() as s:
        page = list_entries(audit_store(s), EntryQuery(limit=2))
        with pytest.raises(ValidationError, match="cursor"):
            list_entries(audit_store(s), EntryQuery(limit=2, action="open", cursor=page.next_cursor))
        with pytest.raises(ValidationError, match="cursor"):
            list_entries(audit_store(s), EntryQuery(cursor="not-a-cursor!"))
        from fts_share.audit.query import _encode_cursor
        beyond = _encode_cursor(EntryQuery(), 25)
        with pytest.raises(ValidationError) as exc:
            list_entries(audit_store(s), EntryQuery(cursor=beyond))
        assert exc.value.errors == {"cursor": ["beyond the end of the log"]}
        last = _encode_cursor(EntryQuery(), 24)
        assert list_entries(audit_store(s), EntryQuery(cursor=last)).entries == []


def test_exports(busy):
    with busy.read() as s:
        lines = list(export_jsonl(audit_store(s), EntryQuery(action="publish")))
        docs = [json.loads(x) for x in lines]
        assert [d["seq"] for d in docs] == [0, 5, 10, 15, 20]
        assert len(docs[0]["leaf_hash"]) == 64 and docs[0]["legal_basis"] == ["2178", "2396"]
        rows = list(csv.reader(io.StringIO("".join(export_csv(audit_store(s))))))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 26
    assert rows[1][CSV_COLUMNS.index("detail")] == '{"note":"=1+1"}'
    assert rows[1][CSV_COLUMNS.index("legal_basis")] == "2178;2396"


def test_exports_defuse_formulas(store, clock):
    with store.transaction() as s:
        log.record(audit_store(s), now=clock(), actor="system", action="export", object_id="=HYPERLINK(1)")
    with store.read() as s:
        rows = list(csv.reader(io.StringIO("".join(export_csv(audit_store(s))))))
    assert rows[1][CSV_COLUMNS.index("object_id")] == "'=HYPERLINK(1)"


def test_compliance_report(busy, clock):
    with busy.read() as s:
        rep = compliance_report(audit_store(s), extra_sections={"notices_past_review": lambda *_: 0})
        assert rep.total == 25
        assert rep.by_partner == {"-": 10, "IRQ": 10, "JOR": 5}
        assert rep.by_action["purge"] == rep.purges == 5
        assert rep.by_legal_basis == {"1373": 5, "2178": 10, "2396": 5}
        assert rep.refused == 10 and rep.refused_by_actor == {"user:bob": 10}
        assert sum(rep.per_day.values()) == 25 and next(iter(rep.per_day)) == "2025-08-02"
        assert rep.extra == {"notices_past_review": 0}
        assert json.dumps(rep.to_json())
        day2 = compliance_report(audit_store(s), since=datetime(2025, 8, 3, tzinfo=UTC))
        assert day2.total == sum(list(rep.per_day.values())[1:])
        with pytest.raises(ValidationError, match="until"):
            compliance_report(audit_store(s), since=clock(5), until=clock(1))
