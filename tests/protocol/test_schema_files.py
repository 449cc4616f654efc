"""Each file of schemas/ works alone: it embeds the schemas it refers to (see
tests/protocol/bundle_schemas.py), so a partner can validate with one file, any JSON
Schema 2020-12 validator, no registry and no network."""

from __future__ import annotations

import json

import bundle_schemas
import jsonschema
import pytest
from test_examples import EXAMPLES

DOCS = bundle_schemas.sources()


@pytest.mark.parametrize("name", sorted(DOCS))
def test_the_file_embeds_fresh_copies_of_what_it_needs(name: str) -> None:
    written = (bundle_schemas.SCHEMAS / name).read_text(encoding="utf-8")
    assert written == bundle_schemas.render(bundle_schemas.bundled(name, DOCS)), (
        "stale copies: run python tests/protocol/bundle_schemas.py")


@pytest.mark.parametrize("name", sorted(n for n, (_, p, _) in EXAMPLES.items() if not p))
def test_examples_validate_with_the_file_alone(name: str) -> None:
    schema, _, obj = EXAMPLES[name]
    doc = json.loads((bundle_schemas.SCHEMAS / f"{schema}.schema.json").read_text())
    jsonschema.Draft202012Validator(doc).validate(obj)  # no registry: nothing fetched
