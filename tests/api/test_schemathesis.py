"""schemathesis against the node's own OpenAPI document (issue 14 §6), in process over
WSGI: generated valid and invalid requests to every operation, as an anonymous caller,
an officer, a reviewer, an administrator and a signed partner. Checks: no 5xx, every
status code, content type and body conforms to the document.

The run is bounded (``FTS_SCHEMATHESIS_EXAMPLES`` cases per caller, default 25) so the
suite stays quick; a long run (e.g. ``FTS_SCHEMATHESIS_EXAMPLES=2000``) is recorded in
docs/benchmarks.md."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import schemathesis
from coalition import Coalition, build
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.test import EnvironBuilder, TestResponse, run_wsgi_app
from werkzeug.wrappers import Request

from fts_share.app import create_app
from fts_share.clock import utcnow
from fts_share.config import LimitsSettings
from fts_share.crypto.httpsig import sign_request
from fts_share.http.target import target_uri

EXAMPLES = int(os.environ.get("FTS_SCHEMATHESIS_EXAMPLES", "25"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
CALLERS = ["anonymous", "officer", "reviewer", "admin", "partner"]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Coalition]:
    from coalition import sqlite_databases

    folder: Path = tmp_path_factory.mktemp("schemathesis")
    c = build(folder, sqlite_databases(folder), [("FRA", "member"), ("IRQ", "member")],
              start=False)
    c["FRA"].node.config.limits = LimitsSettings(enabled=False)  # not the limiter's test
    yield c
    c.close()


@pytest.fixture(scope="module")
def app(pair: Coalition) -> Any:
    return create_app(node=pair["FRA"].node)


@pytest.fixture(scope="module")
def schema(app: Any) -> Any:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def _environ(pair: Coalition, kwargs: dict[str, Any], caller: str) -> dict[str, Any]:
    """The WSGI environ of a case, with the caller's credentials (a partner signs the
    request target as it is sent)."""
    kwargs = dict(kwargs)
    query = kwargs.pop("query_string", None)
    if isinstance(query, dict):
        query = urlencode(query, doseq=True)
    headers = dict(kwargs.pop("headers", None) or {})
    if caller in ("officer", "reviewer", "admin"):
        headers["Authorization"] = f"Bearer {pair['FRA'].tokens[caller]}"
    environ = EnvironBuilder(query_string=query, headers=headers, **kwargs).get_environ()
    if caller == "partner":
        body = environ["wsgi.input"].read()
        environ["wsgi.input"] = io.BytesIO(body)
        signed = sign_request(method=environ["REQUEST_METHOD"],
                              url=target_uri(environ, pair["FRA"].node.config.url),
                              headers={}, body=body, key=pair["IRQ"].node.signing,
                              now=utcnow())
        for name, value in signed.items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
    return dict(environ)


def _call(app: Any, environ: dict[str, Any]) -> TestResponse:
    """Run ``app`` on ``environ`` as it is (werkzeug's ``Client.open`` would rebuild the
    raw request target from the decoded path, and a signature over it would differ)."""
    body, status, headers = run_wsgi_app(app, environ, buffered=True)
    return TestResponse(body, status, headers, request=Request(environ))


def _cases(schema: Any) -> Any:
    modes = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
    return st.one_of([schema.as_strategy(generation_mode=m) for m in modes])


@pytest.mark.parametrize("caller", CALLERS)
def test_generated_requests_get_no_server_error_and_conform(
        pair: Coalition, app: Any, schema: Any, caller: str) -> None:
    seen: list[int] = []

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=_cases(schema))
    def run(case: Any) -> None:
        response = _call(app, _environ(pair, case.as_transport_kwargs(), caller))
        seen.append(response.status_code)
        case.validate_response(response, checks=CHECKS)

    run()
    assert seen and all(status < 500 for status in seen)
    counts = {s: seen.count(s) for s in sorted(set(seen))}
    _record(f"{caller}: {len(seen)} cases, {sum(s >= 500 for s in seen)} server errors, "
           f"statuses {counts}")


def _record(line: str) -> None:
    """Note the figures of a long run (``FTS_SCHEMATHESIS_LOG``) for docs/benchmarks.md."""
    path = os.environ.get("FTS_SCHEMATHESIS_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(line + "\n")
