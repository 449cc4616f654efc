"""Keep every file of schemas/ self-contained.

The schemas refer to each other (``"$ref": "common.schema.json#/$defs/time"``). So that
each file can be used alone, by any JSON Schema 2020-12 validator and without a
registry or network access, every file embeds a copy of each schema it needs,
directly or not, under ``$defs["<name>.schema.json"]`` (a compound schema document:
an embedded resource keeps its ``$id``, so the relative ``$ref`` resolves to it).

The part of a file outside those copies is its source; edit that, then run
``python tests/protocol/bundle_schemas.py`` to refresh the copies.
tests/protocol/test_schema_files.py fails when a copy is stale.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
SUFFIX = ".schema.json"
REF = re.compile(r'"\$ref": "([a-z0-9-]+\.schema\.json)')


def source(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` without its embedded copies."""
    out = dict(doc)
    defs = {k: v for k, v in doc.get("$defs", {}).items() if not k.endswith(SUFFIX)}
    out.pop("$defs", None)
    if defs:
        out["$defs"] = defs
    return out


def sources() -> dict[str, dict[str, Any]]:
    """Every schema's source, by file name."""
    return {p.name: source(json.loads(p.read_text(encoding="utf-8")))
            for p in sorted(SCHEMAS.glob(f"*{SUFFIX}"))}


def needs(name: str, docs: dict[str, dict[str, Any]]) -> list[str]:
    """The files ``name`` refers to, directly or not, in a stable order."""
    seen: list[str] = []
    todo = [name]
    while todo:
        for ref in REF.findall(json.dumps(docs[todo.pop()])):
            if ref != name and ref not in seen:
                seen.append(ref)
                todo.append(ref)
    return sorted(seen)


def bundled(name: str, docs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The file ``name`` as it is written: its source plus copies of what it needs."""
    doc = dict(docs[name])
    deps = needs(name, docs)
    if deps:
        doc["$defs"] = {**doc.get("$defs", {}), **{d: docs[d] for d in deps}}
    return doc


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    docs = sources()
    for name in docs:
        (SCHEMAS / name).write_text(render(bundled(name, docs)), encoding="utf-8")


if __name__ == "__main__":
    main()
