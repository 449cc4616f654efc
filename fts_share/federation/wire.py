"""The JSON Schemas of the wire (``fts_share/schemas/*.schema.json``, the repository's
``schemas/``), loaded once from the installed package, and their validators.

A received object is checked against its schema after the cryptographic checks and
before anything of it is stored (``docs/protocol.md``, "Versioning and extensions"):
closed objects with unknown members are refused. Validators are JSON Schema 2020-12,
built once per (schema, part) and kept; ``$ref`` between files resolves locally.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match
from referencing import Registry, Resource

BASE = "https://fts-share.example/schemas/"
SUFFIX = ".schema.json"
MAX_REASON = 300


@cache
def names() -> tuple[str, ...]:
    """Every schema's name (``feed-page`` for ``feed-page.schema.json``)."""
    folder = resources.files("fts_share").joinpath("schemas")
    return tuple(sorted(p.name.removesuffix(SUFFIX) for p in folder.iterdir()
                        if p.name.endswith(SUFFIX)))


@cache
def _text(name: str) -> str:
    if name not in names():
        raise KeyError(f"no schema {name!r}")
    path = resources.files("fts_share").joinpath("schemas", f"{name}{SUFFIX}")
    return path.read_text(encoding="utf-8")


def document(name: str) -> dict[str, Any]:
    """A fresh copy of the schema document ``name`` (as written, self-contained)."""
    doc = json.loads(_text(name))
    assert isinstance(doc, dict)
    return doc


@cache
def _registry() -> Registry[Any]:
    return Registry().with_resources(
        (f"{BASE}{n}{SUFFIX}", Resource.from_contents(document(n))) for n in names())


@cache
def validator(name: str, pointer: str = "") -> jsonschema.Draft202012Validator:
    """The validator of schema ``name``, or of its part ``pointer`` (``/$defs/wire``)."""
    schema = {"$ref": f"{BASE}{name}{SUFFIX}#{pointer}"}
    return jsonschema.Draft202012Validator(
        schema, registry=_registry(),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def violation(obj: Any, name: str, pointer: str = "", *, at: str = "") -> str | None:
    """Why ``obj`` does not follow ``name#pointer``, or None when it does: the most
    relevant error, as ``<at><path>: <message> (<file>#<pointer>)``, ``at`` naming
    ``obj`` in a larger object (``notice``)."""
    check = validator(name, pointer)
    if check.is_valid(obj):
        return None
    error = best_match(check.iter_errors(obj))
    assert error is not None
    where = ".".join([at, *map(str, error.absolute_path)] if at else
                     [str(p) for p in error.absolute_path]) or "(top)"
    return f"{where}: {error.message[:MAX_REASON]} ({name}{SUFFIX}#{pointer})"
