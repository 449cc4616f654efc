"""``fts-share user``: token lifetimes, listing and revocation, as an operator uses them
(on both stores: the node home's database is SQLite or PostgreSQL)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from coalition import Coalition, build
from sqlalchemy import select

from fts_share.cli import cli
from fts_share.cli.common import actor
from fts_share.clock import parse_rfc3339, utcnow
from fts_share.storage.audit_tables import AuditEntry

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def fra(tmp_path: Path, store_urls: Callable[[], str]) -> Iterator[Coalition]:
    c = build(tmp_path, store_urls, [("FRA", "member")])
    yield c
    c.close()


def run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(cli, list(args))
    return res.exit_code, res.output


def listing(home: Path, name: str) -> list[dict[str, object]]:
    code, out = run("user", "tokens", str(home), name, "--json")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["user"] == name
    return list(doc["tokens"])


def changes(fra: Coalition) -> list[dict[str, object]]:
    with fra["FRA"].node.store.read() as db:
        return [dict(e.detail, actor=e.actor) for e in db.scalars(
            select(AuditEntry).where(AuditEntry.action == "user_change",
                                     AuditEntry.object_id == "ops").order_by(AuditEntry.seq))]


def test_add_and_token_with_lifetimes_and_a_listing_without_secrets(fra: Coalition) -> None:
    home = fra["FRA"].home
    before = utcnow()
    code, first = run("user", "add", str(home), "ops", "--role", "officer")
    assert code == 0 and first.strip().startswith("fts_")
    code, second = run("user", "token", str(home), "ops", "--expires-in", "7")
    assert code == 0 and second.strip().startswith("fts_")
    code, third = run("user", "token", str(home), "ops", "--expires-in", "0")
    assert code == 0
    rows = listing(home, "ops")
    assert [r["state"] for r in rows] == ["active"] * 3 and not any(r["revoked"] for r in rows)
    expires = [r["expires"] for r in rows]
    assert expires[2] is None
    for row, days in zip(rows[:2], (90, 7), strict=True):
        created = parse_rfc3339(str(row["created"]))
        assert before <= created <= utcnow()
        assert parse_rfc3339(str(row["expires"])) == created + timedelta(days=days)
    code, table = run("user", "tokens", str(home), "ops")
    assert code == 0 and "never" in table and table.count("active") == 3
    for token in (first, second, third):
        secret = token.strip()
        digest = hashlib.sha256(secret.encode()).hexdigest()
        for shown in (table, json.dumps(rows)):
            assert secret not in shown and secret[4:16] not in shown and digest not in shown
    assert [(c["change"], c["actor"]) for c in changes(fra)] == [
        ("created", "system")] + [("token_issued", actor())] * 3
    assert [c.get("expires") for c in changes(fra)[1:]] == expires


def test_out_of_range_lifetimes_are_refused(fra: Coalition) -> None:
    home = str(fra["FRA"].home)
    for bad in ("-1", "36501", "soon"):
        code, out = run("user", "add", home, "ops", "--role", "officer", "--expires-in", bad)
        assert code == 2 and "--expires-in" in out
    code, out = run("user", "tokens", home, "nobody")
    assert code == 2 and "no user 'nobody'" in out


def test_revoke_one_then_all(fra: Coalition) -> None:
    home = str(fra["FRA"].home)
    run("user", "add", home, "ops", "--role", "officer")
    run("user", "token", home, "ops")
    first, second = (int(str(r["id"])) for r in listing(fra["FRA"].home, "ops"))
    code, out = run("user", "revoke", home, "ops", str(first))
    assert code == 0 and out.strip() == f"revoked 1 token(s) of ops: {first}"
    assert [r["state"] for r in listing(fra["FRA"].home, "ops")] == ["revoked", "active"]
    code, out = run("user", "revoke", home, "ops", str(first))
    assert code == 0 and out.strip() == "revoked 0 token(s) of ops: none"
    code, out = run("user", "revoke", home, "ops", "--all")
    assert code == 0 and out.strip() == f"revoked 1 token(s) of ops: {second}"
    assert [r["state"] for r in listing(fra["FRA"].home, "ops")] == ["revoked", "revoked"]
    revoked = [(c["scope"], c["token_ids"]) for c in changes(fra)
               if c["change"] == "token_revoked"]
    assert revoked == [("one", [first]), ("one", []), ("all", [second])]
    # Exactly one of TOKEN_ID and --all; a token of another user is not found.
    assert run("user", "revoke", home, "ops")[0] == 2
    assert run("user", "revoke", home, "ops", str(first), "--all")[0] == 2
    code, out = run("user", "revoke", home, "fra-reviewer", str(first))
    assert code == 2 and "has no token" in out


def test_a_revocation_from_another_process_holds_at_the_next_request(fra: Coalition) -> None:
    member = fra["FRA"]
    assert member.api("GET", "/api/v1/alerts", token="officer")[0] == 200
    ids = [r["id"] for r in listing(member.home, "fra-officer")]
    out = subprocess.run([sys.executable, "-m", "fts_share", "user", "revoke",
                          str(member.home), "fra-officer", str(ids[0])],
                         capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)
    assert out.returncode == 0, out.stderr
    status, body, headers = member.api("GET", "/api/v1/alerts", token="officer")
    assert status == 401 and headers["Content-Type"] == "application/problem+json"
    assert body["status"] == 401
