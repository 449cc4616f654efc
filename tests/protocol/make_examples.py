"""Regenerate the JSON examples of docs/protocol.md from a real run.

    python -m fts_share demo --once --json --dir D > D/demo.out
    python tests/protocol/make_examples.py D --write docs/protocol.md

starts the demo's three nodes again (their homes, databases and tokens are in D), runs
the flows of tests/protocol/flows.py between them over HTTP, and replaces the fenced
```json block under every ``<!-- example: NAME schema: SCHEMA[#POINTER] -->`` marker of
the document with the object NAME of that run. tests/protocol/test_examples.py checks
every such block against its schema, so the examples cannot drift from the schemas.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import flows
from coalition import Member

from fts_share.services.node import Node

MARKER = re.compile(r"<!-- example: (?P<name>[a-z0-9-]+) schema: (?P<schema>[a-z0-9-]+)"
                    r"(?:#(?P<pointer>\S+))? -->\n```json\n(?P<body>.*?)\n```", re.DOTALL)


def members(directory: Path) -> list[Member]:
    """The demo's nodes, started again on their ports."""
    demo = json.loads((directory / "demo.json").read_text())
    out = []
    for n in demo["nodes"]:
        m = Member(code=n["code"], role="member", url=n["url"], home=Path(n["home"]),
                   node=Node.open(Path(n["home"])), tokens=dict(n["tokens"]))
        m.start()
        out.append(m)
    return out


def _pick(name: str, test: Callable[[Any], bool] = lambda _: True) -> Callable[
        [flows.Collected], Any]:
    return lambda c: next(s.obj for s in c.samples if s.name == name and test(s.obj))


#: Which object of the run each example shows.
PICK: dict[str, Callable[[flows.Collected], Any]] = {
    "node-info": _pick("node-info"),
    "roster": _pick("roster"),
    "notice-input": _pick("notice-input"),
    "envelope": _pick("envelope", lambda e: e["header"]["kind"] == "tombstone"),
    "envelope-header": _pick("envelope-header"),
    "plaintext": _pick("plaintext", lambda p: "tombstone" in p["statement"]["payload"]),
    "notice": _pick("notice", lambda n: n["provenance"]["supersedes"] == 1),
    "tombstone": _pick("tombstone"),
    "payload-forwarded": _pick("payload-forwarded"),
    "payload-recall": _pick("payload-recall"),
    "feed-page": _pick("feed-page", lambda p: not p["envelopes"] and p["tree_consistency"]),
    "feed-index": _pick("feed-index", lambda i: len(i["items"]) >= 2),
    "tree-head": _pick("tree-head"),
    "audit-entries": _pick("audit-entries"),
    "inclusion-proof": _pick("inclusion-proof"),
    "consistency-proof": _pick("consistency-proof"),
    "notice-search-query": _pick("notice-search-query"),
    "notice-search": _pick("notice-search"),
    "screen-query": _pick("screen-query"),
    "screen-answer": _pick("screen-answer", lambda a: a.get("hit") is True),
    "screen-query-batch": _pick("screen-query", lambda q: "batch" in q),
    "screen-answer-batch": _pick("screen-answer", lambda a: "results" in a),
    "problem-signature": _pick("problem-signature"),
    "problem-validation": _pick("problem", lambda p: p["status"] == 422 and "errors" in p),
    "readiness": _pick("readiness"),
}


def run(directory: Path) -> flows.Collected:
    """The flows between the demo's nodes; the first publishes, the second screens at
    the third (which holds the UN list)."""
    a, b, c = members(directory)
    try:
        out = flows.Collected()
        flows.exchange(out, a, b, c)
        head = flows.fetch_page(out, b, a)["index"]["head"]
        size = next(s.obj for s in out.samples if s.name == "tree-head")["size"]
        flows.fetch_page(out, b, a, after=head, tree_size=size)  # empty, with a proof
        flows.screening(out, c, a)
        flows.reviewer(out, a)
        flows.problems(out, a, b)
        flows.operations(out, a)
        return out
    finally:
        for m in (a, b, c):
            m.stop()
            m.node.close()


def render(obj: Any) -> str:
    """An example as the document shows it."""
    return json.dumps(obj, indent=2, ensure_ascii=False)


def rewrite(text: str, collected: flows.Collected) -> str:
    """``text`` with every marked example replaced by this run's object."""
    def sub(m: re.Match[str]) -> str:
        body = render(PICK[m["name"]](collected))
        return m[0].replace(m["body"], body) if m["body"] else m[0]

    return MARKER.sub(sub, text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--write", type=Path, help="the document to rewrite")
    args = parser.parse_args()
    collected = run(args.directory)
    if args.write:
        args.write.write_text(rewrite(args.write.read_text(), collected))
    else:
        print(json.dumps({k: pick(collected) for k, pick in PICK.items()}, indent=2,
                         ensure_ascii=False))


if __name__ == "__main__":
    main()
