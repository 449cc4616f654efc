"""The JSON Schemas of schemas/ as one registry, so that a schema's ``$ref`` to another
file (``common.schema.json#/$defs/time``) resolves locally, never over the network."""

from __future__ import annotations

import json
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
BASE = "https://fts-share.example/schemas/"


def names() -> list[str]:
    """Every schema's name (``feed-page`` for schemas/feed-page.schema.json)."""
    return sorted(p.name.removesuffix(".schema.json") for p in SCHEMAS.glob("*.schema.json"))


def load(name: str) -> dict[str, Any]:
    """The schema document ``name``."""
    return dict(json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def registry() -> Registry:
    """Every schema, by its ``$id``."""
    resources = [(load(n)["$id"], Resource.from_contents(load(n))) for n in names()]
    return Registry().with_resources(resources)


@cache
def validator(name: str, pointer: str = "") -> jsonschema.Draft202012Validator:
    """A validator of schema ``name`` (or of its part ``pointer``, e.g. ``/$defs/header``),
    checking formats too."""
    schema: dict[str, Any] = ({"$ref": f"{BASE}{name}.schema.json#{pointer}"} if pointer
                              else load(name))
    return jsonschema.Draft202012Validator(
        schema, registry=registry(),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def check(obj: Any, name: str, pointer: str = "") -> None:
    """Raise ``jsonschema.ValidationError`` (the best match) unless ``obj`` validates."""
    error = jsonschema.exceptions.best_match(validator(name, pointer).iter_errors(obj))
    if error is not None:
        raise AssertionError(f"{name}{pointer}: {error.message} at {list(error.absolute_path)}")
