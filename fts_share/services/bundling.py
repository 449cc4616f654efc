"""Audit bundles: the log, its signed heads, proofs and the keys that anchor them,
written to a folder that a reviewer verifies offline with :mod:`fts_share.audit.bundle`
(the format: ``schemas/audit-bundle.schema.json``; the procedure: docs/audit.md)."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from fts_share.audit import bundle
from fts_share.audit import log as audit_log
from fts_share.audit.export import export_jsonl
from fts_share.clock import to_rfc3339
from fts_share.crypto.keys import PublicKey
from fts_share.errors import RosterError, ValidationError
from fts_share.services import dissemination
from fts_share.services.node import Node
from fts_share.services.unit import Work, reading, unit_of_work

BundleReport = bundle.BundleReport


def export_bundle(node: Node, dest: Path, *, actor: str, now: datetime,
                  prove: Iterable[int] = ()) -> dict[str, Any]:
    """Write the bundle to the new folder ``dest``; its manifest.

    The export is logged first, then a head is signed that covers it, so the bundle
    ends with the entry that records it. ``prove`` adds inclusion proofs of those
    entries (the export entry's own is always there). The roster in force and the
    pinned secretariat key go in, so the node's keys are anchored (RosterError if the
    node has none).
    """
    if dest.exists() and any(dest.iterdir()):
        raise ValidationError({"dest": f"{dest} exists and is not empty"})
    roster, anchor = node.roster.document, node.anchor.to_json()
    with unit_of_work(node, now) as work:
        entry = audit_log.record(work.audit, now=now, actor=actor, action="export",
                                 object_type="audit_log", detail={"format": "bundle"})
        head = dissemination.current_tree_head(work)
    size = int(head["size"])
    wanted = sorted({entry.seq, *prove})
    bad = [i for i in wanted if not 0 <= i < size]
    if bad:
        raise ValidationError({"prove": f"entries {bad} are not in the log of {size} entries"})
    dest.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with reading(node, now) as work, (dest / bundle.ENTRIES).open("wb") as out:
        for line in export_jsonl(work.audit, size=size):
            data = line.encode("utf-8")
            digest.update(data)
            out.write(data)
        manifest = _manifest(work, size=size, prove=wanted, digest=digest.hexdigest())
    manifest["keys"] = {"anchor": anchor, "roster": roster,
                        "node": [node.signing.public().to_json()]}
    (dest / bundle.MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n",
                                        encoding="utf-8")
    return manifest


def _manifest(work: Work, *, size: int, prove: list[int], digest: str) -> dict[str, Any]:
    """Heads up to ``size`` (one per size), consistency proofs between successive ones,
    and inclusion proofs of ``prove`` in the head of ``size``."""
    heads: dict[int, dict[str, Any]] = {}
    for row in work.audit.tree_heads_by_size():
        if 0 < row.size <= size:
            heads.setdefault(row.size, audit_log.head_from_record(row).to_json())
    sizes = sorted(heads)
    consistency = [{"first": a, "second": b,
                    "proof": [p.hex() for p in audit_log.consistency_proof(work.audit, a, b)]}
                   for a, b in itertools.pairwise(sizes)]
    inclusion = []
    for index in prove:
        proof = audit_log.inclusion_proof(work.audit, index, size)
        leaf = audit_log.subtree_hashes(work.audit, [(0, index)])[(0, index)]
        inclusion.append({"index": index, "size": size, "leaf_hash": bytes(leaf).hex(),
                          "proof": [p.hex() for p in proof]})
    return {"format": bundle.BUNDLE_FORMAT, "v": bundle.BUNDLE_VERSION, "node": work.code,
            "created": to_rfc3339(work.now), "size": size,
            "root": heads[size]["root"] if size in heads else None,
            "entries": {"file": bundle.ENTRIES, "count": size, "sha256": digest},
            "heads": [heads[s] for s in sizes], "consistency": consistency,
            "inclusion": inclusion}


def verify_bundle(folder: Path, *, anchor_file: Path | None = None) -> BundleReport:
    """Check a bundle offline (:func:`fts_share.audit.bundle.verify_bundle`)."""
    anchor: PublicKey | None = bundle.load_anchor(anchor_file) if anchor_file else None
    return bundle.verify_bundle(folder, anchor=anchor)


def render(report: BundleReport) -> str:
    """The report as text."""
    return bundle.render(report)


__all__ = ["BundleReport", "RosterError", "export_bundle", "render", "verify_bundle"]
