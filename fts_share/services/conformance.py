"""The conformance kit: run the protocol checks against a node, this implementation or
another, as a partner state would (``fts-share conformance URL``).

The checks themselves are in :mod:`fts_share.federation.conformance` (what anybody can
ask) and :mod:`fts_share.federation.conformance_feed` (a signed feed fetch as a
partner). This service finds the schemas, makes the partner identity (from a node home,
or from a key file, a code and the secretariat's public key) and runs them in order.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource

import fts_share
from fts_share.clock import utcnow
from fts_share.crypto import keys
from fts_share.errors import ConfigError, FtsError
from fts_share.federation.conformance import (
    FAIL,
    JSON,
    Check,
    Identity,
    Probe,
    Validate,
    public_checks,
)
from fts_share.federation.conformance_feed import feed_checks
from fts_share.federation.http import send
from fts_share.federation.roster import Roster
from fts_share.services.node import Node

SCHEMA_BASE = "https://fts-share.example/schemas/"

__all__ = ["Report", "find_schemas", "identity_from_home", "identity_from_keys", "run",
           "schema_validator"]


@dataclass(frozen=True)
class Report:
    """The checks of one run against ``url``; ``ok`` when none failed."""

    url: str
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        """No check failed (skipped ones do not fail the run)."""
        return all(c.outcome != FAIL for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        """The report as JSON: ``{"url", "ok", "passed", "failed", "skipped", "checks"}``."""
        count = {o: sum(c.outcome == o for c in self.checks) for o in ("pass", "fail", "skip")}
        return {"url": self.url, "ok": self.ok, "passed": count["pass"],
                "failed": count["fail"], "skipped": count["skip"],
                "checks": [c.to_json() for c in self.checks]}


def find_schemas(explicit: Path | None = None) -> Path:
    """The folder of ``*.schema.json``: ``explicit``, ``$FTS_SHARE_SCHEMAS``, or the
    ``schemas/`` of the source tree fts_share runs from."""
    package = Path(fts_share.__file__).resolve().parent
    candidates = [explicit] if explicit else []
    if os.environ.get("FTS_SHARE_SCHEMAS"):
        candidates.append(Path(os.environ["FTS_SHARE_SCHEMAS"]))
    candidates += [package / "schemas", package.parent / "schemas"]
    for folder in candidates:
        if folder is not None and (folder / "feed-page.schema.json").is_file():
            return folder
    raise ConfigError("schemas/ not found: pass --schemas DIR (the schemas/ folder of "
                      "fts-share) or set FTS_SHARE_SCHEMAS")


@lru_cache(maxsize=4)
def _registry(folder: Path) -> tuple[Registry, dict[str, dict[str, Any]]]:
    documents = {p.name.removesuffix(".schema.json"): json.loads(p.read_text("utf-8"))
                 for p in sorted(folder.glob("*.schema.json"))}
    registry: Registry = Registry().with_resources(
        [(doc["$id"], Resource.from_contents(doc)) for doc in documents.values()])
    return registry, documents


def schema_validator(folder: Path) -> Validate:
    """``validate(obj, "name[#/pointer]")`` over the schemas in ``folder`` (JSON Schema
    2020-12, formats checked, nothing fetched from the network)."""
    registry, documents = _registry(folder)

    def validate(obj: Any, ref: str) -> str | None:
        name, _, pointer = ref.partition("#")
        if name not in documents:
            return f"no schema {name!r} in {folder}"
        schema = {"$ref": f"{SCHEMA_BASE}{name}.schema.json#{pointer}"} if pointer \
            else documents[name]
        checker = jsonschema.Draft202012Validator(
            schema, registry=registry,
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
        error = jsonschema.exceptions.best_match(checker.iter_errors(obj))
        if error is None:
            return None
        where = "/".join(map(str, error.absolute_path)) or "(top)"
        return f"{error.message[:200]} at {where}"

    return validate


def identity_from_home(home: Path) -> tuple[Identity, keys.PublicKey]:
    """A partner identity from its node home: code, keys, roster in force, anchor."""
    node = Node.open(home)
    try:
        me = Identity(code=node.code, signing=node.signing, keys=dict(node.encryption),
                      roster=node.roster)
        return me, node.anchor
    finally:
        node.close()


def identity_from_keys(url: str, *, code: str, key: Path, anchor: Path,
                       decrypt: Sequence[Path] = (), passphrase: bytes | None = None,
                       timeout: float = 10.0) -> tuple[Identity, keys.PublicKey]:
    """A partner identity from its signing key file, its code, the secretariat's public
    key and (optionally) its decryption key files; the roster is the one the node
    serves, accepted only if the secretariat signed it."""
    try:
        secretariat = keys.PublicKey.from_json(json.loads(anchor.read_text()))
        signing = keys.load_private(key, passphrase)
        private = [keys.load_private(p, passphrase) for p in decrypt]
    except (OSError, ValueError, FtsError) as exc:
        raise ConfigError(f"cannot read the partner's keys: {exc}") from exc
    resp = send("GET", url.rstrip("/") + "/api/v1/roster", headers={"Accept": JSON},
                timeout=timeout)
    if resp.status != 200:
        raise ConfigError(f"{url}: GET /api/v1/roster answered HTTP {resp.status}")
    roster = Roster.verify(resp.json(), secretariat)
    return Identity(code=code, signing=signing, keys={k.kid: k for k in private},
                    roster=roster), secretariat


def run(url: str, *, identity: Identity | None = None, anchor: keys.PublicKey | None = None,
        schemas: Path | None = None, clock: Callable[[], datetime] = utcnow,
        timeout: float = 10.0) -> Report:
    """Run every check against the node at ``url`` (as ``identity``, when given)."""
    probe = Probe(url=url.rstrip("/"), validate=schema_validator(find_schemas(schemas)),
                  clock=clock, timeout=timeout)
    checks = public_checks(probe, anchor=anchor) + feed_checks(probe, identity)
    return Report(url=probe.url, checks=tuple(checks))
