"""The conformance kit's checks of what anybody can see of a node from outside.

A partner state (or the operator of a node) points the kit at a node's URL; each check
asks the node what docs/protocol.md says it must answer and reports ``pass``, ``fail``
or ``skip`` with a one-line reason. Objects are validated against ``schemas/`` through
the ``validate`` function the caller gives (``validate(obj, "feed-page")`` or
``validate(obj, "statement#/$defs/plaintext")`` returns an error message or ``None``),
so this module knows nothing of where the schemas live.

These are the checks without an identity (:func:`public_checks`); the checks that need
a partner's keys (a signed feed fetch) are in :mod:`fts_share.federation.conformance_feed`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fts_share.crypto.keys import PrivateKey, PublicKey
from fts_share.errors import FtsError
from fts_share.federation.http import Response, send
from fts_share.federation.roster import Roster

PASS, FAIL, SKIP = "pass", "fail", "skip"
PROBLEM_TYPE = "https://fts-share.example/problems/"
JSON = "application/json"
PROBLEM = "application/problem+json"

#: ``validate(obj, "name[#/pointer]")``: the first schema error, or None.
Validate = Callable[[Any, str], "str | None"]


@dataclass(frozen=True)
class Check:
    """The outcome of one check: ``pass``, ``fail`` or ``skip``, and why."""

    name: str
    outcome: str
    detail: str = ""

    def to_json(self) -> dict[str, str]:
        """The check as JSON."""
        return {"name": self.name, "outcome": self.outcome, "detail": self.detail}


@dataclass(frozen=True)
class Identity:
    """A partner the kit acts as: its code, signing key, decryption keys (by kid) and
    the roster it trusts (verified with its pinned secretariat key)."""

    code: str
    signing: PrivateKey
    keys: Mapping[str, PrivateKey]
    roster: Roster


@dataclass
class Probe:
    """The node under test: its base URL, the schema validator and the clock."""

    url: str
    validate: Validate
    clock: Callable[[], datetime]
    timeout: float = 10.0
    seen: dict[str, Any] = field(default_factory=dict)

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> Response:
        """An unsigned GET of ``path`` (under the base URL)."""
        return send("GET", self.url.rstrip("/") + path, timeout=self.timeout,
                    headers={"Accept": JSON, **(headers or {})})


def passed(name: str, detail: str = "") -> Check:
    """A passing check."""
    return Check(name, PASS, detail)


def failed(name: str, detail: str) -> Check:
    """A failing check."""
    return Check(name, FAIL, detail)


def skipped(name: str, detail: str) -> Check:
    """A check that could not run (and does not fail the run)."""
    return Check(name, SKIP, detail)


def json_answer(resp: Response, *, status: int | tuple[int, ...], media: str,
                schema: str | None, validate: Validate) -> tuple[str | None, Any]:
    """Whether ``resp`` is a JSON answer with this status, media type and schema: an
    error message (or None) and the parsed body."""
    statuses = status if isinstance(status, tuple) else (status,)
    if resp.status not in statuses:
        return f"HTTP {resp.status}, expected {' or '.join(map(str, statuses))}", None
    if resp.content_type != media:
        return f"Content-Type {resp.content_type or 'missing'!r}, expected {media}", None
    try:
        body = resp.json()
    except FtsError:
        return "the body is not JSON", None
    if schema is not None:
        error = validate(body, schema)
        if error is not None:
            return f"{schema}.schema.json: {error}", body
    return None, body


def problem_answer(resp: Response, *, status: int | tuple[int, ...], validate: Validate,
                   slug: str | None = None) -> str | None:
    """Whether ``resp`` is an RFC 9457 problem document with this status (and slug)."""
    error, body = json_answer(resp, status=status, media=PROBLEM, schema="problem",
                              validate=validate)
    if error is not None:
        return error
    if body.get("status") != resp.status:
        return f"problem status {body.get('status')!r} differs from HTTP {resp.status}"
    if slug is not None and body.get("type") != PROBLEM_TYPE + slug:
        return f"problem type {body.get('type')!r}, expected {PROBLEM_TYPE + slug}"
    return None


def guarded(name: str, run: Callable[[], Check]) -> Check:
    """Run one check; a network failure or a broken answer fails it (never the kit)."""
    try:
        return run()
    except FtsError as exc:
        return failed(name, exc.detail)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        return failed(name, f"unexpected answer ({type(exc).__name__}: {exc})"[:300])


def check_node_info(probe: Probe) -> Check:
    """``GET /api/v1/node``: 200, JSON, node-info schema."""
    error, body = json_answer(probe.get("/api/v1/node"), status=200, media=JSON,
                              schema="node-info", validate=probe.validate)
    if error is not None:
        return failed("node-info", error)
    probe.seen["node"] = body
    return passed("node-info", f"node {body.get('code')}")


def check_roster(probe: Probe) -> Check:
    """``GET /api/v1/roster``: 200, JSON, roster schema."""
    error, body = json_answer(probe.get("/api/v1/roster"), status=200, media=JSON,
                              schema="roster", validate=probe.validate)
    if error is not None:
        return failed("roster", error)
    probe.seen["roster"] = body
    return passed("roster", f"version {body.get('version')}, "
                            f"{len(body.get('members') or [])} members")


def check_roster_signature(probe: Probe, anchor: PublicKey | None) -> Check:
    """The roster the node serves is signed by the pinned secretariat key."""
    name = "roster-signature"
    if anchor is None:
        return skipped(name, "no trust anchor given (--anchor or --home)")
    document = probe.seen.get("roster")
    if document is None:
        return failed(name, "no roster to check")
    try:
        Roster.verify(document, anchor)
    except FtsError as exc:
        return failed(name, exc.detail)
    return passed(name, f"signed by {anchor.kid}")


def check_openapi(probe: Probe) -> Check:
    """``GET /api/v1/openapi.json``: an OpenAPI 3.1 document describing the feed."""
    error, body = json_answer(probe.get("/api/v1/openapi.json"), status=200, media=JSON,
                              schema=None, validate=probe.validate)
    if error is not None:
        return failed("openapi", error)
    version = str(body.get("openapi", "")) if isinstance(body, dict) else ""
    paths = body.get("paths") if isinstance(body, dict) else None
    if not version.startswith("3.1"):
        return failed("openapi", f"openapi {version or 'missing'!r}, expected 3.1.x")
    if not isinstance(paths, dict) or not any(p.endswith("/feed") for p in paths):
        return failed("openapi", "no path for the feed")
    return passed("openapi", f"OpenAPI {version}, {len(paths)} paths")


def check_not_found(probe: Probe) -> Check:
    """An unknown route: 404 with a problem document."""
    path = f"/api/v1/conformance-{secrets.token_hex(4)}"
    error = problem_answer(probe.get(path), status=404, validate=probe.validate,
                           slug="not-found")
    return failed("problem-not-found", error) if error else passed(
        "problem-not-found", f"GET {path}: 404 problem+json")


def check_unsigned_feed(probe: Probe) -> Check:
    """A feed request without a signature: 401 ``unauthenticated`` problem."""
    error = problem_answer(probe.get("/api/v1/feed?after=0&limit=1"), status=401,
                           validate=probe.validate, slug="unauthenticated")
    return failed("feed-unsigned", error) if error else passed(
        "feed-unsigned", "401 unauthenticated problem+json")


def public_checks(probe: Probe, *, anchor: PublicKey | None) -> list[Check]:
    """Every check that needs no partner identity, in order."""
    return [guarded("node-info", lambda: check_node_info(probe)),
            guarded("roster", lambda: check_roster(probe)),
            guarded("roster-signature", lambda: check_roster_signature(probe, anchor)),
            guarded("openapi", lambda: check_openapi(probe)),
            guarded("problem-not-found", lambda: check_not_found(probe)),
            guarded("feed-unsigned", lambda: check_unsigned_feed(probe))]

