"""The JSON Schemas of the wire (``fts_share/schemas/*.schema.json``, the repository's
``schemas/``), loaded once from the installed package, and their validators.

A received object is checked against its schema after the cryptographic checks and
before anything of it is stored (``docs/protocol.md``, "Versioning and extensions"):
closed objects with unknown members are refused. Validators are JSON Schema 2020-12,
built once per (schema, part) and kept; ``$ref`` between files resolves locally.

Two validators per schema: ``jsonschema-rs`` (compiled, about a hundred times faster
on a feed page) decides whether an object is valid; ``jsonschema`` names what is
wrong when it is not (:func:`violation`), with the path and message the problem
documents and refusals carry. The compiled one always checks formats (``date``,
``date-time``, ``uri``) and reads patterns as ECMA-262 does (``$`` does not match
before a final newline); where the two differ it is the stricter, and its verdict
holds. ``jsonschema`` is imported when an object is found invalid (a valid one never
needs it, and importing it is a tenth of a second of every process's start).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import jsonschema_rs

if TYPE_CHECKING:
    import jsonschema
    from referencing import Registry

BASE = "https://fts-share.example/schemas/"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
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
    from referencing import Registry, Resource

    return Registry().with_resources(
        (f"{BASE}{n}{SUFFIX}", Resource.from_contents(document(n))) for n in names())


@cache
def validator(name: str, pointer: str = "") -> jsonschema.Draft202012Validator:
    """The validator of schema ``name``, or of its part ``pointer`` (``/$defs/wire``)."""
    import jsonschema

    schema = {"$ref": f"{BASE}{name}{SUFFIX}#{pointer}"}
    return jsonschema.Draft202012Validator(
        schema, registry=_registry(),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@cache
def _compiled_registry(name: str) -> jsonschema_rs.Registry:
    """The schema file ``name`` alone: each file embeds a copy of every schema it needs
    (``tests/protocol/bundle_schemas.py``), so its validators need no other (reading and
    registering the other files was ~4 ms of a poll's first page)."""
    return jsonschema_rs.Registry([(f"{BASE}{name}{SUFFIX}", document(name))])


@cache
def compiled(name: str, pointer: str = "") -> jsonschema_rs.Validator:
    """The compiled validator of schema ``name`` or its part ``pointer``: the one whose
    verdict holds (see the module docstring)."""
    schema = {"$schema": DRAFT, "$ref": f"{BASE}{name}{SUFFIX}#{pointer}"}
    return jsonschema_rs.validator_for(schema, registry=_compiled_registry(name),
                                       validate_formats=True)


def _valid(obj: Any, name: str, pointer: str) -> bool:
    try:
        return bool(compiled(name, pointer).is_valid(obj))
    except (ValueError, TypeError, OverflowError):  # not a JSON value (a non-str key)
        return bool(validator(name, pointer).is_valid(obj))


def _error(obj: Any, name: str, pointer: str) -> tuple[list[str], str]:
    """The path and message of the most relevant error in ``obj`` (an invalid one)."""
    from jsonschema.exceptions import best_match

    error = best_match(validator(name, pointer).iter_errors(obj))
    if error is not None:
        return [str(p) for p in error.absolute_path], error.message
    first = next(iter(compiled(name, pointer).iter_errors(obj)))  # stricter than jsonschema
    return [str(p) for p in first.instance_path], first.message


def violation(obj: Any, name: str, pointer: str = "", *, at: str = "") -> str | None:
    """Why ``obj`` does not follow ``name#pointer``, or None when it does: the most
    relevant error, as ``<at><path>: <message> (<file>#<pointer>)``, ``at`` naming
    ``obj`` in a larger object (``notice``)."""
    if _valid(obj, name, pointer):
        return None
    path, message = _error(obj, name, pointer)
    where = ".".join([at, *path] if at else path) or "(top)"
    return f"{where}: {message[:MAX_REASON]} ({name}{SUFFIX}#{pointer})"
