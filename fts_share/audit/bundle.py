"""Audit bundles: the log a reviewer takes away and verifies offline, without the node.

A bundle is a folder (``fts-share audit export HOME DEST`` writes it)::

    DEST/manifest.json    the signed tree heads, proofs, keys and the roster (schema:
                          schemas/audit-bundle.schema.json)
    DEST/entries.jsonl    every entry from seq 0 to the newest head's size, one JSON
                          object per line (the JSON Lines export)

This module checks a bundle with nothing but the bundle and, optionally, the
secretariat's public key the reviewer already trusts. It imports no node, store,
database or web code: only the audit room's pure functions (:mod:`~fts_share.audit.merkle`,
:mod:`~fts_share.audit.entry`, :mod:`~fts_share.audit.heads`), the key primitives and the
standard library. Run it as ``python -m fts_share.audit.bundle BUNDLE [--anchor FILE]``.

The steps, in order (docs/audit.md, *Verifying a bundle offline*):

1. the manifest parses strictly and names this format and version;
2. the roster verifies under the secretariat key it names (and that key is the one
   the reviewer pinned with ``--anchor``, if given); the node's signing keys are taken
   from that roster, never from anything else in the bundle;
3. every signed tree head verifies under one of those keys;
4. every entry's leaf hash is recomputed from its fields; seqs run from 0 without a
   gap; the root recomputed at each head's size equals the head's root; the bundle
   ends exactly at its newest head;
5. every consistency proof links two signed heads, every inclusion proof puts a
   recomputed leaf under a signed head.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from fts_share.audit import merkle
from fts_share.audit.entry import leaf_data
from fts_share.audit.errors import VerificationError
from fts_share.audit.frontier import Frontier
from fts_share.audit.heads import SignedTreeHead, verify_tree_head
from fts_share.clock import parse_rfc3339
from fts_share.crypto.canonical import canonical_json, unb64u
from fts_share.crypto.keys import PublicKey, check_signing_key, verify_signature
from fts_share.errors import FtsError
from fts_share.jsontext import loads

BUNDLE_FORMAT = "fts-share/audit-bundle"
BUNDLE_VERSION = 1
MANIFEST = "manifest.json"
ENTRIES = "entries.jsonl"
#: The roster's signing context (docs/protocol.md, *Roster*; the same bytes as
#: ``fts_share.federation.roster``, which this module may not import).
ROSTER_SIGNING_PREFIX = b"fts-share/v1 roster\n"
MAX_PROBLEMS = 100


@dataclass
class BundleReport:
    """What :func:`verify_bundle` found; ``ok`` only if there is no problem."""

    node: str | None = None
    entries: int = 0
    size: int = 0
    root: str = ""
    anchor: str | None = None
    anchor_pinned: bool = False
    heads_checked: int = 0
    consistency_checked: int = 0
    inclusion_checked: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the bundle verified."""
        return not self.problems

    def problem(self, text: str) -> None:
        """Add a problem (the first :data:`MAX_PROBLEMS` are listed)."""
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)

    def to_json(self) -> dict[str, Any]:
        """The report as a JSON-ready dict."""
        return {"ok": self.ok, "node": self.node, "entries": self.entries, "size": self.size,
                "root": self.root, "anchor": self.anchor, "anchor_pinned": self.anchor_pinned,
                "heads_checked": self.heads_checked,
                "consistency_checked": self.consistency_checked,
                "inclusion_checked": self.inclusion_checked,
                "problems": list(self.problems), "warnings": list(self.warnings)}


def verify_bundle(folder: Path, *, anchor: PublicKey | None = None) -> BundleReport:
    """Verify the bundle in ``folder``; never raises for a bad bundle, reports it."""
    report = BundleReport()
    try:
        manifest = _manifest(folder)
        report.node = str(manifest["node"])
        keys = _node_keys(manifest, anchor, report)
        heads = _heads(manifest["heads"], keys, report)
        leaves = _check_entries(folder, manifest, heads, report)
        _check_proofs(manifest, heads, leaves, report)
    except (FtsError, KeyError, TypeError, ValueError) as exc:
        report.problem(f"bundle: {exc}")
    return report


# -- 1. the manifest -----------------------------------------------------------------

def _manifest(folder: Path) -> dict[str, Any]:
    try:
        data = (folder / MANIFEST).read_bytes()
    except OSError as exc:
        raise VerificationError(f"expected {MANIFEST}, got {exc.strerror}") from None
    doc = loads(data, error=VerificationError)
    if not isinstance(doc, dict):
        raise VerificationError("manifest: expected an object")
    if doc.get("format") != BUNDLE_FORMAT or doc.get("v") != BUNDLE_VERSION:
        raise VerificationError(f"manifest: expected format {BUNDLE_FORMAT} v{BUNDLE_VERSION}, "
                                f"got {doc.get('format')!r} v{doc.get('v')!r}")
    return doc


# -- 2. keys, anchored in the roster -------------------------------------------------

def _node_keys(manifest: Mapping[str, Any], pinned: PublicKey | None,
               report: BundleReport) -> dict[str, PublicKey]:
    """The node's signing keys as the roster signed by the secretariat lists them."""
    given = manifest["keys"]
    anchor = PublicKey.from_json(given["anchor"])
    report.anchor = anchor.kid
    if pinned is not None:
        if pinned.kid != anchor.kid:
            raise VerificationError(f"anchor: expected the pinned secretariat key {pinned.kid}, "
                                    f"got {anchor.kid}")
        report.anchor_pinned = True
    else:
        report.warnings.append(f"secretariat key {anchor.kid} taken from the bundle: compare "
                               f"it with the one the secretariat publishes (or pass --anchor)")
    roster = given["roster"]
    if not isinstance(roster, dict) or roster.get("secretariat") != anchor.kid:
        raise VerificationError(f"roster: expected one signed by {anchor.kid}")
    body = {k: v for k, v in roster.items() if k != "signature"}
    try:
        verify_signature(anchor, unb64u(str(roster.get("signature"))),
                         ROSTER_SIGNING_PREFIX + canonical_json(body))
    except FtsError:
        raise VerificationError(f"roster: expected a valid signature by {anchor.kid}, "
                                f"got an invalid one") from None
    found = _signing_keys(roster, str(manifest["node"]))
    if not found:
        raise VerificationError(f"roster: expected signing keys of {manifest['node']}, got none")
    return found


def _signing_keys(roster: Mapping[str, Any], node: str) -> dict[str, PublicKey]:
    """The roster's signing keys of ``node``; a key no honest signer has (small order,
    outside the prime-order subgroup, not canonical) is refused, naming its entry."""
    found: dict[str, PublicKey] = {}
    for i, member in enumerate(roster.get("members", [])):
        if member.get("code") != node:
            continue
        for j, k in enumerate(member.get("keys", [])):
            if k.get("use") == "sign":
                key = PublicKey.from_json({f: k.get(f) for f in ("kid", "kind", "public")})
                try:
                    check_signing_key(key)
                except FtsError as exc:
                    raise VerificationError(f"roster: members.{i}.keys.{j}: {exc}") from None
                found[key.kid] = key
    return found


# -- 3. signed tree heads ------------------------------------------------------------

def _heads(docs: Sequence[Any], keys: Mapping[str, PublicKey],
           report: BundleReport) -> dict[int, SignedTreeHead]:
    """The heads whose signature verifies, by size (two roots for one size: a problem)."""
    heads: dict[int, SignedTreeHead] = {}
    for doc in docs:
        head = SignedTreeHead.from_json(doc)
        key = keys.get(head.key_id)
        if key is None:
            report.problem(f"signed tree head of size {head.size}: key {head.key_id} is not "
                           f"a signing key of {report.node} on the roster")
            continue
        try:
            verify_tree_head(head, partial(verify_signature, key))
        except VerificationError as exc:
            report.problem(str(exc))
            continue
        other = heads.setdefault(head.size, head)
        if other.root != head.root:
            report.problem(f"two signed tree heads of size {head.size} with different roots "
                           f"({other.root.hex()}, {head.root.hex()}): a split view")
        report.heads_checked += 1
    if not heads:
        raise VerificationError("expected at least one valid signed tree head, got none")
    return heads


# -- 4. entries ----------------------------------------------------------------------

def _lines(path: Path, digest: Any) -> Iterator[bytes]:
    try:
        with path.open("rb") as handle:
            for line in handle:
                digest.update(line)
                yield line
    except OSError as exc:
        raise VerificationError(f"expected {ENTRIES}, got {exc.strerror}") from None


def _leaf(doc: Any) -> bytes:
    if not isinstance(doc, dict):
        raise TypeError("not an object")
    return merkle.leaf_hash(leaf_data(
        seq=doc["seq"], time=parse_rfc3339(doc["time"]), actor=doc["actor"],
        action=doc["action"], object_type=doc["object_type"], object_id=doc["object_id"],
        object_version=doc["object_version"], partner=doc["partner"], purpose=doc["purpose"],
        legal_basis=doc["legal_basis"], outcome=doc["outcome"], detail=doc["detail"]))


def _check_entries(folder: Path, manifest: Mapping[str, Any], heads: Mapping[int, SignedTreeHead],
                   report: BundleReport) -> dict[int, bytes]:
    """Recompute every leaf and the root at each head's size; the leaves proofs need."""
    wanted = {int(p["index"]) for p in manifest.get("inclusion", [])}
    leaves: dict[int, bytes] = {}
    frontier = Frontier(size=0)
    digest = hashlib.sha256()
    for number, line in enumerate(_lines(folder / ENTRIES, digest)):
        try:
            doc = loads(line, error=VerificationError)
            leaf = _leaf(doc)
        except (FtsError, KeyError, TypeError, ValueError) as exc:
            report.problem(f"entry on line {number + 1}: unreadable ({exc})")
            leaf = b"\0" * merkle.HASH_SIZE
            doc = {}
        if doc.get("seq") != frontier.size:
            report.problem(f"entry on line {number + 1}: expected seq {frontier.size}, "
                           f"got {doc.get('seq')!r} (an entry was removed, inserted or moved)")
        elif doc.get("leaf_hash") != leaf.hex():
            report.problem(f"entry {frontier.size}: expected leaf hash {leaf.hex()} "
                           f"(recomputed from its fields), got {doc.get('leaf_hash')!r}")
        if frontier.size in wanted:
            leaves[frontier.size] = leaf
        frontier.append(leaf)
        _check_root(frontier, heads, report)
    report.entries = report.size = frontier.size
    report.root = frontier.root().hex()
    if digest.hexdigest() != manifest["entries"]["sha256"]:
        report.problem(f"{ENTRIES}: expected SHA-256 {manifest['entries']['sha256']}, "
                       f"got {digest.hexdigest()}")
    newest = max(heads)
    if frontier.size != newest:
        report.problem(f"{ENTRIES}: expected {newest} entries (the newest signed tree head), "
                       f"got {frontier.size}")
    for size in sorted(s for s in heads if s > frontier.size):
        report.problem(f"signed tree head of size {size}: entries {frontier.size}..{size - 1} "
                       f"are missing")
    return leaves


def _check_root(frontier: Frontier, heads: Mapping[int, SignedTreeHead],
                report: BundleReport) -> None:
    head = heads.get(frontier.size)
    if head is not None and frontier.root() != head.root:
        report.problem(f"signed tree head of size {head.size}: expected root {head.root.hex()}, "
                       f"got {frontier.root().hex()} recomputed from the entries")


# -- 5. proofs -----------------------------------------------------------------------

def _signed(heads: Mapping[int, SignedTreeHead], size: Any) -> SignedTreeHead:
    head = heads.get(size) if isinstance(size, int) else None
    if head is None:
        raise VerificationError(f"expected a proof against a signed tree head, got size {size!r}")
    return head


def _check_proofs(manifest: Mapping[str, Any], heads: Mapping[int, SignedTreeHead],
                  leaves: Mapping[int, bytes], report: BundleReport) -> None:
    for item in manifest.get("consistency", []):
        try:
            first, second = _signed(heads, item["first"]), _signed(heads, item["second"])
            merkle.verify_consistency(first=first.size, second=second.size,
                                      first_root=first.root, second_root=second.root,
                                      proof=[bytes.fromhex(h) for h in item["proof"]])
            report.consistency_checked += 1
        except (FtsError, KeyError, TypeError, ValueError) as exc:
            report.problem(f"consistency proof {item.get('first')}..{item.get('second')}: {exc}")
    for item in manifest.get("inclusion", []):
        index = item["index"]
        try:
            head = _signed(heads, item["size"])
            leaf = leaves.get(index)
            if leaf is None or item.get("leaf_hash") != leaf.hex():
                raise VerificationError(f"expected leaf hash {leaf.hex() if leaf else None} "
                                        f"of entry {index}, got {item.get('leaf_hash')!r}")
            merkle.verify_inclusion(leaf_hash=leaf, index=index, size=head.size,
                                    proof=[bytes.fromhex(h) for h in item["proof"]],
                                    root=head.root)
            report.inclusion_checked += 1
        except (FtsError, KeyError, TypeError, ValueError) as exc:
            report.problem(f"inclusion proof of entry {index}: {exc}")


# -- command line --------------------------------------------------------------------

def load_anchor(path: Path) -> PublicKey:
    """The secretariat's public key from a ``secretariat.pub.json`` file."""
    return PublicKey.from_json(json.loads(path.read_text(encoding="utf-8")))


def render(report: BundleReport) -> str:
    """The report as text for a person."""
    if report.ok:
        lines = [(f"intact: {report.entries} entries of {report.node}, root {report.root}, "
                  f"{report.heads_checked} signed tree heads, {report.consistency_checked} "
                  f"consistency and {report.inclusion_checked} inclusion proofs verified; "
                  f"keys anchored in the roster signed by {report.anchor}")]
    else:
        lines = ["TAMPERED:"] + [f"  {p}" for p in report.problems]
    return "\n".join(lines + [f"warning: {w}" for w in report.warnings])


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m fts_share.audit.bundle BUNDLE [--anchor FILE] [--json]``: 0 intact,
    1 tampered."""
    parser = argparse.ArgumentParser(prog="python -m fts_share.audit.bundle",
                                     description="Verify an audit bundle offline.")
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--anchor", type=Path, help="the secretariat's public key (JSON)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    report = verify_bundle(args.bundle, anchor=load_anchor(args.anchor) if args.anchor else None)
    print(json.dumps(report.to_json(), indent=2) if args.json else render(report))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
