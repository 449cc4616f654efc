"""Bad input to the officer API (POST and PUT /api/v1/notices): a 4xx problem+json
naming the field, and nothing stored (no outbox envelope, no link, no notice row, no
audit 'publish' or 'update')."""

from __future__ import annotations

import copy
import http.client
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from coalition import Coalition, build, notice
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from fts_share.app import create_app
from fts_share.storage.audit_tables import AuditEntry
from fts_share.storage.models import Notice, OutboxEnvelope, OutboxLink

PROBLEM = "application/problem+json"
MAX_BODY = 4096


@pytest.fixture
def coalition(tmp_path: Path, store_urls: Callable[[], str]) -> Iterator[Coalition]:
    c = build(tmp_path, store_urls, [("FRA", "member"), ("IRQ", "member")], start=False)
    yield c
    c.close()


@pytest.fixture
def client(coalition: Coalition) -> FlaskClient:
    """FRA's API with a small configured body limit (``api.max_body_bytes``)."""
    fra = coalition["FRA"]
    fra.node.config.api.max_body_bytes = MAX_BODY
    return create_app(node=fra.node).test_client()


def auth(coalition: Coalition, role: str = "officer") -> dict[str, str]:
    return {"Authorization": f"Bearer {coalition['FRA'].tokens[role]}"}


def stored(coalition: Coalition) -> dict[str, int]:
    """What FRA holds that a published or updated notice would add."""
    with coalition["FRA"].node.store.read() as s:
        def n(model: Any, *where: Any) -> int:
            return int(s.scalar(select(func.count()).select_from(model).where(*where)))

        return {"outbox": n(OutboxEnvelope), "links": n(OutboxLink), "notices": n(Notice),
                "audit": n(AuditEntry, AuditEntry.action.in_(["publish", "update"]))}


def send(client: FlaskClient, coalition: Coalition, body: Any = None, *, raw: bytes | None = None,
         method: str = "POST", path: str = "/api/v1/notices",
         content_type: str | None = "application/json",
         headers: dict[str, str] | None = None) -> Any:
    data = raw if raw is not None else json.dumps(body).encode()
    hdrs = {**auth(coalition), **(headers or {})}
    if content_type:
        hdrs["Content-Type"] = content_type
    return client.open(path, method=method, data=data, headers=hdrs)


def problem(resp: Any, status: int, slug: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.get_data(as_text=True)[:500]
    assert resp.mimetype == PROBLEM
    doc = resp.get_json()
    assert doc["status"] == status and doc["type"].endswith("/" + slug)
    assert doc["title"] and doc["detail"]
    return dict(doc)


def valid() -> dict[str, Any]:
    return notice(recipients=["IRQ"])


def changed(edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    body = copy.deepcopy(valid())
    edit(body)
    return body


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    *parents, last = path.split(".")

    def edit(body: dict[str, Any]) -> None:
        target: Any = body
        for p in parents:
            target = target[int(p)] if isinstance(target, list) else target[p]
        target[last] = value

    return edit


def _del(path: str) -> Callable[[dict[str, Any]], None]:
    *parents, last = path.split(".")

    def edit(body: dict[str, Any]) -> None:
        target: Any = body
        for p in parents:
            target = target[p]
        del target[last]

    return edit


MALFORMED: dict[str, tuple[bytes, str | None]] = {
    "cut short": (b'{"subject": {"names": [', "application/json"),
    "empty": (b"", "application/json"),
    "not UTF-8": (b'{"subject": "\xff\xfe"}', "application/json"),
    "trailing garbage": (json.dumps(valid()).encode() + b" }", "application/json"),
    "nested too deep": (b"[" * 2000 + b"]" * 2000, "application/json"),
    "text/plain": (json.dumps(valid()).encode(), "text/plain"),
    "form": (b"subject=Karim", "application/x-www-form-urlencoded"),
    "no content type": (json.dumps(valid()).encode(), None),
}

WRONG_TYPES: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "names a string": (_set("subject.names", "Karim Benali"), "subject.names"),
    "name a number": (_set("subject.names.0.full", 7), "subject.names.0.full"),
    "minor a string": (_set("subject.minor", "yes"), "subject.minor"),
    "minor an integer": (_set("subject.minor", 1), "subject.minor"),
    "nationalities a string": (_set("subject.nationalities", "FRA"), "subject.nationalities"),
    "dob a number": (_set("subject.dob.value", 1994), "subject.dob.value"),
    "date a number": (_set("movement.date", 20261120), "movement.date"),
    "tlp a number": (_set("handling.tlp", 5), "handling.tlp"),
    "recipients a string": (_set("handling.recipients", "IRQ"), "handling.recipients"),
    "legal basis a string": (_set("basis.legal_basis", "UNSCR-2178"), "basis.legal_basis"),
    "subject null": (_set("subject", None), "subject"),
    "unknown tlp": (_set("handling.tlp", "PURPLE"), "handling.tlp"),
    "unknown country": (_set("subject.nationalities", ["XXX"]), "subject.nationalities.0"),
    "impossible date": (_set("subject.dob.value", "1994-13-45"), "subject.dob.value"),
    "name too long": (_set("subject.names.0.full", "x" * 300), "subject.names.0.full"),
    "only name a particle": (_set("subject.names", [{"full": "ابن"}]), "subject.names.0.full"),
    "only name a title": (_set("subject.names", [{"full": "Dr."}]), "subject.names.0.full"),
    "only name 'bin'": (_set("subject.names", [{"full": "bin"}]), "subject.names.0.full"),
    "names all particles": (_set("subject.names", [{"full": "al"}, {"full": "bin"}]),
                            "subject.names.1.full"),
    "unknown legal basis": (_set("basis.legal_basis", ["NOPE"]), "basis.legal_basis.0"),
}

MISSING: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "no names": (_del("subject.names"), "subject.names"),
    "empty names": (_set("subject.names", []), "subject.names"),
    "a name only": (lambda b: [b["subject"].pop(k) for k in ("dob", "nationalities")],
                    "subject"),
    "no legal basis": (_del("basis"), "basis"),
    "no handling": (_del("handling"), "handling"),
    "no recipient": (_set("handling.recipients", []), "handling.recipients"),
    "recipient not on the roster": (_set("handling.recipients", ["ZZZ"]),
                                    "handling.recipients"),
}

UNKNOWN: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "top level": (_set("colour", "red"), "colour"),
    "in subject": (_set("subject.eye_colour", "brown"), "subject.eye_colour"),
    "in a name": (_set("subject.names.0.script", "Latn"), "subject.names.0.script"),
    "provenance from the client": (_set("provenance", {"origin": "IRQ"}), "provenance"),
}


def test_malformed_bodies_are_refused(client: FlaskClient, coalition: Coalition) -> None:
    before = stored(coalition)
    for name, (raw, ctype) in MALFORMED.items():
        resp = send(client, coalition, raw=raw, content_type=ctype)
        problem(resp, 400, "malformed")
        assert stored(coalition) == before, name


def test_not_an_object_is_refused(client: FlaskClient, coalition: Coalition) -> None:
    before = stored(coalition)
    for body in ([], "notice", 42, None, [valid()]):
        doc = problem(send(client, coalition, body), 422, "validation")
        assert "_schema" in doc["errors"], body
    assert stored(coalition) == before


@pytest.mark.parametrize("cases", [WRONG_TYPES, MISSING, UNKNOWN],
                         ids=["wrong types", "missing minimum data", "unknown fields"])
def test_invalid_notice_names_the_field_and_stores_nothing(
        client: FlaskClient, coalition: Coalition,
        cases: dict[str, tuple[Callable[[dict[str, Any]], None], str]]) -> None:
    before = stored(coalition)
    for name, (edit, field) in cases.items():
        doc = problem(send(client, coalition, changed(edit)), 422, "validation")
        assert field in doc["errors"], (name, doc["errors"])
        assert all(isinstance(m, str) for m in doc["errors"][field])
        assert field in doc["detail"]
        assert stored(coalition) == before, name
    # The same notice, unchanged, is accepted.
    assert send(client, coalition, valid()).status_code == 201


def test_oversized_body_is_refused(client: FlaskClient, coalition: Coalition) -> None:
    before = stored(coalition)
    big = changed(_set("movement.place", "P" * 200))
    big["subject"]["names"] += [{"full": "x" * 190 + str(i), "kind": "alias"}
                                for i in range(19)]
    raw = json.dumps(big).encode()
    assert len(raw) > MAX_BODY
    problem(send(client, coalition, raw=raw), 413, "too-large")
    # Over real HTTP, also without a Content-Length (chunked), the limit holds.
    fra = coalition["FRA"]
    fra.start()
    conn = http.client.HTTPConnection("127.0.0.1", int(fra.url.rsplit(":", 1)[1]), timeout=30)
    try:
        conn.putrequest("POST", "/api/v1/notices")
        for k, v in {**auth(coalition), "Content-Type": "application/json",
                     "Transfer-Encoding": "chunked"}.items():
            conn.putheader(k, v)
        conn.endheaders()
        conn.send(b"%x\r\n%s\r\n0\r\n\r\n" % (len(raw), raw))
        resp = conn.getresponse()
        assert resp.status == 413 and resp.getheader("Content-Type") == PROBLEM
        assert json.loads(resp.read())["type"].endswith("/too-large")
    finally:
        conn.close()
    assert stored(coalition) == before
    assert send(client, coalition, valid()).status_code == 201


def test_put_with_bad_input_changes_nothing(client: FlaskClient, coalition: Coalition) -> None:
    resp = send(client, coalition, valid())
    assert resp.status_code == 201
    path = resp.headers["Location"]
    before = stored(coalition)
    for name, (raw, ctype) in MALFORMED.items():
        problem(send(client, coalition, raw=raw, content_type=ctype, method="PUT", path=path),
                400, "malformed")
    for name, (edit, field) in {**WRONG_TYPES, **MISSING, **UNKNOWN}.items():
        doc = problem(send(client, coalition, changed(edit), method="PUT", path=path),
                      422, "validation")
        assert field in doc["errors"], (name, doc["errors"])
    big = json.dumps(changed(_set("movement.place", "P" * 200))).encode() + b" " * MAX_BODY
    problem(send(client, coalition, raw=big, method="PUT", path=path), 413, "too-large")
    assert stored(coalition) == before
    # Unknown notice, stale version: refused, nothing stored.
    problem(send(client, coalition, valid(), method="PUT",
                 path="/api/v1/notices/00000000-0000-4000-8000-000000000000"), 404, "not-found")
    problem(send(client, coalition, valid(), method="PUT", path=path,
                 headers={"If-Match": '"v7"'}), 409, "conflict")
    assert stored(coalition) == before
    resp = send(client, coalition, valid(), method="PUT", path=path, headers={"If-Match": '"v1"'})
    assert resp.status_code == 200 and resp.get_json()["version"] == 2


def test_callers_without_the_officer_role_store_nothing(client: FlaskClient,
                                                        coalition: Coalition) -> None:
    before = stored(coalition)
    resp = client.post("/api/v1/notices", json=valid())
    problem(resp, 401, "unauthenticated")
    resp = client.post("/api/v1/notices", json=valid(),
                       headers={"Authorization": "Bearer nonsense"})
    problem(resp, 401, "unauthenticated")
    resp = client.post("/api/v1/notices", json=valid(), headers=auth(coalition, "reviewer"))
    problem(resp, 403, "forbidden")
    assert stored(coalition) == before


# -- properties -------------------------------------------------------------------------
SCALARS = (st.none() | st.booleans() | st.integers(-2**70, 2**70)
           | st.floats(allow_nan=False) | st.text(max_size=12))
JSON_VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                           max_leaves=6)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, prefix + (i,))
    return out


@st.composite
def mutated_notices(draw: st.DrawFn) -> Any:
    body = valid()
    paths = _paths(body)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths))
        target: Any = body
        try:
            for p in path[:-1]:
                target = target[p]
            op = draw(st.sampled_from(["set", "delete", "add"]))
            if op == "set":
                target[path[-1]] = draw(JSON_VALUES)
            elif op == "delete" and isinstance(target, dict):
                target.pop(path[-1], None)
            elif isinstance(target, dict):
                target[draw(st.text(min_size=1, max_size=8))] = draw(JSON_VALUES)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed the path
    return body


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=st.one_of(mutated_notices(), JSON_VALUES))
def test_any_json_body_is_a_clean_answer(client: FlaskClient, coalition: Coalition,
                                         body: Any) -> None:
    """Whatever JSON comes in: 201, or a 4xx problem naming fields and nothing stored."""
    before = stored(coalition)
    resp = send(client, coalition, body)
    if resp.status_code == 201:
        assert stored(coalition)["notices"] == before["notices"] + 1
        return
    assert resp.status_code in (400, 413, 422), resp.get_data(as_text=True)[:300]
    assert resp.mimetype == PROBLEM
    if resp.status_code == 422:
        assert resp.get_json()["errors"]
    assert stored(coalition) == before
