"""GET /healthz and GET /readyz, from outside, on both stores: ready when the store
answers, the keys are loaded and the migrations are current; otherwise 503
problem+json naming what is not ready."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from alembic import command
from click.testing import CliRunner
from coalition import Coalition, build
from protocol import wire_schemas
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from sqlalchemy import create_engine, text

from fts_share.cli import cli
from fts_share.storage.migrate import alembic_config, expected_revisions

PREVIOUS = "0002_seclimits"


@pytest.fixture
def one(tmp_path: Path, store_urls: Callable[[], str]) -> Iterator[Coalition]:
    c = build(tmp_path, store_urls, [("FRA", "member")])
    yield c
    c.close()


def _set_revision(url: str, revision: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": revision})
    engine.dispose()


def test_alive_and_ready(one: Coalition) -> None:
    fra = one["FRA"]
    status, body, headers = fra.api("GET", "/healthz")
    assert status == 200 and body == {"status": "alive"}
    assert headers["Cache-Control"] == "no-store"
    status, body, headers = fra.api("GET", "/readyz")
    assert status == 200, body
    assert headers["Content-Type"].startswith("application/json")
    wire_schemas.check(body, "readiness")
    assert body["status"] == "ready"
    assert {k: v["ok"] for k, v in body["checks"].items()} == {
        "store": True, "keys": True, "migrations": True}
    assert next(iter(expected_revisions())) in body["checks"]["migrations"]["detail"]


def test_migrations_not_current_is_503_naming_them(one: Coalition) -> None:
    fra = one["FRA"]
    url = fra.node.config.resolved_database_url
    _set_revision(url, PREVIOUS)
    status, problem, headers = fra.api("GET", "/readyz")
    assert status == 503
    assert headers["Content-Type"] == "application/problem+json"
    assert int(headers["Retry-After"]) >= 1
    wire_schemas.check(problem, "problem")
    wire_schemas.check(problem, "readiness", "/$defs/not-ready")
    assert problem["not_ready"] == ["migrations"]
    assert "migrations" in problem["detail"]
    assert PREVIOUS in problem["checks"]["migrations"]["detail"]
    assert problem["checks"]["store"]["ok"] and problem["checks"]["keys"]["ok"]
    status, _, _ = fra.api("GET", "/healthz")
    assert status == 200  # alive, only not ready
    _set_revision(url, next(iter(expected_revisions())))
    status, body, _ = fra.api("GET", "/readyz")
    assert status == 200, body


def test_keys_not_loaded_is_503_naming_them(one: Coalition) -> None:
    fra = one["FRA"]
    fra.node.encryption = {}
    status, problem, _ = fra.api("GET", "/readyz")
    assert status == 503 and problem["not_ready"] == ["keys"]
    wire_schemas.check(problem, "readiness", "/$defs/not-ready")


def test_probes_are_not_rate_limited(one: Coalition) -> None:
    """An operator's probe never spends a client's allowance (nor is refused)."""
    fra = one["FRA"]
    fra.stop()
    fra.node.config.limits.per_address = "2 per minute"
    fra.start()
    for _ in range(5):
        assert fra.api("GET", "/healthz")[0] == 200
        assert fra.api("GET", "/readyz")[0] == 200
    assert [fra.api("GET", "/api/v1/node")[0] for _ in range(3)] == [200, 200, 429]


def _declared(doc: dict[str, Any], path: str, status: str, media: str
              ) -> jsonschema.Draft202012Validator:
    """The validator of the schema the OpenAPI document declares for an answer."""
    base = "https://fts-share.example/openapi.json"
    registry = Registry().with_resource(base, DRAFT202012.create_resource(doc))
    pointer = f"paths/{path.replace('/', '~1')}/get/responses/{status}/content/" + \
        media.replace("/", "~1") + "/schema"
    return jsonschema.Draft202012Validator({"$ref": f"{base}#/{pointer}"}, registry=registry)


def test_the_probes_answer_as_the_openapi_document_declares(one: Coalition) -> None:
    fra = one["FRA"]
    status, doc, _ = fra.api("GET", "/api/v1/openapi.json")
    assert status == 200
    for path in ("/healthz", "/readyz"):
        status, body, _ = fra.api("GET", path)
        assert status == 200
        _declared(doc, path, "200", "application/json").validate(body)
    assert not _declared(doc, "/readyz", "200", "application/json").is_valid(
        {"status": "alive"})  # the check can fail
    status, text, _ = fra.api("GET", "/metrics")
    assert status == 200
    _declared(doc, "/metrics", "200", "text/plain").validate(text)
    _set_revision(fra.node.config.resolved_database_url, PREVIOUS)
    status, problem, _ = fra.api("GET", "/readyz")
    assert status == 503
    _declared(doc, "/readyz", "503", "application/problem+json").validate(problem)


def test_fts_share_migrate_makes_a_node_ready_again(one: Coalition) -> None:
    """A database one migration behind (as after installing a newer version) is not
    ready until ``fts-share migrate HOME`` runs."""
    fra = one["FRA"]
    engine = create_engine(fra.node.config.resolved_database_url)
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "-1")
    engine.dispose()
    status, problem, _ = fra.api("GET", "/readyz")
    assert status == 503 and problem["not_ready"] == ["migrations"]
    out = CliRunner().invoke(cli, ["migrate", str(fra.home)])
    assert out.exit_code == 0, out.output
    assert "migrated from" in out.output
    assert fra.api("GET", "/readyz")[0] == 200
    out = CliRunner().invoke(cli, ["migrate", str(fra.home)])
    assert out.exit_code == 0 and "already at" in out.output
