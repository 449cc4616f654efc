"""Benchmark: the cost of big recipient sets (issue 18, item 5), protocol v1 against the
feed-v2 design of docs/design/feed-v2.md.

    python3 bench/bench_recipients.py [--runs N] [--write bench/RESULTS-recipients.md]

First the node's own exchange (``recipients_exchange.py``): a real node publishes one
all-members notice to n partners and serves it to each of them through its feed
endpoint, which every partner checks and opens; the bytes are the response bodies.
Then the same notice is sealed again with the node's ``seal`` (v1, checked to give the
served bytes) and with a PROTOTYPE of the v2 design, inside this file and not node
code: the shared core (header with a Merkle root over the wrapped keys, nonce,
ciphertext, signature) plus the recipient's own wrapped key and its RFC 9162 inclusion
proof. The prototype does the same work as v1 (inner statement signature, JCS,
AES-256-GCM, HPKE from ``cryptography``), so the times compare. What each figure means
is in ``METHOD``, which ``--write`` puts in the section file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import cryptography
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand
from flask import Flask, Response
from recipients_exchange import PAGE_LIMIT, exchange
from recipients_exchange import table as exchange_table

from fts_share.audit import merkle
from fts_share.clock import parse_rfc3339
from fts_share.crypto import (
    KeyKind,
    PrivateKey,
    PublicKey,
    Recipient,
    b64u,
    canonical_json,
    generate,
    open_envelope,
    seal,
    strict_loads,
    unb64u,
    verify_envelope,
    verify_signature,
)

COUNTS = (2, 10, 40, 80)
SUITES = ("x25519", "hybrid")
_APP = Flask("bench_recipients")

# --- the feed-v2 prototype (docs/design/feed-v2.md, "Wire format") -----------------------
V2_ENVELOPE_CONTEXT = b"fts-share/v2 envelope\n"
V2_STATEMENT_CONTEXT = b"fts-share/v2 statement\n"
V2_CONTENT_CONTEXT = b"fts-share/v2 content\n"
V2_LEAF_CONTEXT = b"fts-share/v2 key\n"
V2_WRAP_CONTEXT = b"fts-share/v2 wrap\n"
V2_TREE_SIZE = 256  # every key tree is padded to MAX_RECIPIENTS leaves
V2_DEPTH = 8        # log2(V2_TREE_SIZE): hashes in every inclusion proof
HPKE_SUITES = {
    KeyKind.X25519: hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM),
    KeyKind.MLKEM768_X25519: hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256,
                                        hpke.AEAD.AES_256_GCM),
}


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _node(left: bytes, right: bytes) -> bytes:
    """RFC 9162 section 2.1.1: interior node hash, prefix 0x01."""
    return _h(b"\x01" + left + right)


def leaf_hash(cid: bytes, kid: str, wrapped: bytes) -> bytes:
    """RFC 9162 leaf hash (prefix 0x00) of a wrapped key bound to its content and kid."""
    k = kid.encode("ascii")
    return _h(b"\x00" + V2_LEAF_CONTEXT + cid + bytes([len(k)]) + k + wrapped)


def tree_levels(leaves: list[bytes]) -> list[list[bytes]]:
    """Every level of the Merkle tree of a power-of-two number of leaf hashes (for a
    power of two, RFC 9162's MTH is this perfect binary tree)."""
    levels = [leaves]
    while len(levels[-1]) > 1:
        low = levels[-1]
        levels.append([_node(low[i], low[i + 1]) for i in range(0, len(low), 2)])
    return levels


def audit_path(levels: list[list[bytes]], index: int) -> bytes:
    """RFC 9162 section 2.1.3.1 inclusion proof of leaf ``index``, hashes concatenated."""
    path = []
    for level in levels[:-1]:
        path.append(level[index ^ 1])
        index >>= 1
    return b"".join(path)


def root_from_path(leaf: bytes, index: int, proof: bytes) -> bytes:
    """RFC 9162 section 2.1.3.2 for a full tree of V2_TREE_SIZE leaves."""
    if len(proof) != 32 * V2_DEPTH or not 0 <= index < V2_TREE_SIZE:
        raise ValueError("proof of the wrong length or index out of range")
    node = leaf
    for level in range(V2_DEPTH):
        sibling = proof[32 * level:32 * level + 32]
        node = _node(sibling, node) if (index >> level) & 1 else _node(node, sibling)
    return node


@lru_cache(maxsize=1024)
def _hpke_public(key: PublicKey) -> Any:
    """The ``cryptography`` key object, cached as the node's seal caches it."""
    return key.hpke_key()


def _derive(cek: bytes, label: bytes) -> bytes:
    return HKDFExpand(hashes.SHA256(), 32, b"fts-share/v2 " + label).derive(cek)


def _statement(payload: dict[str, Any], signer: PrivateKey, header: dict[str, Any],
               context: bytes) -> bytes:
    statement = {"v": header["v"], "origin": header["origin"], "kind": header["kind"],
                 "created": header["created"], "label": header["label"], "payload": payload}
    sig = signer.sign(context + canonical_json(statement))
    return canonical_json({"statement": statement, "sig": b64u(sig)})


@dataclass
class SealedV2:
    """The prototype's output: the shared core and one delivery key block per kid."""

    core: dict[str, Any]
    keys: dict[str, dict[str, Any]]

    def delivery(self, kid: str) -> dict[str, Any]:
        """What the recipient with ``kid`` downloads: the core and its own key block."""
        return dict(self.core, key=self.keys[kid])

    def index_item(self, kid: str, n: int) -> dict[str, Any]:
        """The item of the signed page index that delivers it (design, "The feed page")."""
        header = {k: v for k, v in self.core["header"].items() if k != "keys"}
        cid = _h(V2_CONTENT_CONTEXT + canonical_json(header))
        leaf = leaf_hash(cid, kid, unb64u(self.keys[kid]["wrapped"]))
        return {"n": n, "seq": header["seq"], "digest": _h(canonical_json(self.core)).hex(),
                "leaf": b64u(leaf)}


def seal_v2(payload: dict[str, Any], *, origin: str, seq: int, signer: PrivateKey,
            recipients: list[PublicKey], prev: str | None = None,
            created: str = "2026-12-04T12:00:00.000000Z") -> SealedV2:
    """Prototype of feed-v2 sealing (design, "Sealing")."""
    cek = AESGCM.generate_key(bit_length=256)
    header0 = {"v": 2, "origin": origin, "seq": seq, "prev": prev,
               "created": created, "label": "AMBER",
               "kind": "notice", "signer": signer.kid, "commit": b64u(_derive(cek, b"commit"))}
    hb0 = canonical_json(header0)
    cid = _h(V2_CONTENT_CONTEXT + hb0)
    nonce = os.urandom(12)
    plaintext = _statement(payload, signer, header0, V2_STATEMENT_CONTEXT)
    ciphertext = AESGCM(_derive(cek, b"aead")).encrypt(nonce, plaintext, hb0)
    slots = list(range(V2_TREE_SIZE))
    secrets.SystemRandom().shuffle(slots)
    leaves = [os.urandom(32) for _ in range(V2_TREE_SIZE)]  # padding: random leaf hashes
    blocks: dict[str, dict[str, Any]] = {}
    for slot, key in zip(slots, recipients):
        wrapped = HPKE_SUITES[key.kind].encrypt(
            cek, _hpke_public(key), info=V2_WRAP_CONTEXT + cid + key.kid.encode("ascii"))
        leaves[slot] = leaf_hash(cid, key.kid, wrapped)
        blocks[key.kid] = {"kid": key.kid, "wrapped": b64u(wrapped), "index": slot}
    levels = tree_levels(leaves)
    for block in blocks.values():
        block["proof"] = b64u(audit_path(levels, block["index"]))
    header = dict(header0, keys={"root": b64u(levels[-1][0]), "size": V2_TREE_SIZE})
    core = {"v": 2, "header": header, "nonce": b64u(nonce), "ciphertext": b64u(ciphertext)}
    core["signature"] = b64u(signer.sign(V2_ENVELOPE_CONTEXT + canonical_json(core)))
    return SealedV2(core=core, keys=blocks)


def open_v2(delivery: dict[str, Any], *, key: PrivateKey, origin_key: PublicKey
            ) -> tuple[dict[str, Any], str]:
    """Prototype of feed-v2 receiving (design, "Receiving"): signature, then the key's
    inclusion under the signed root, then HPKE, commitment, AES-GCM and the inner
    signature. Returns the payload and the core's digest (the envelope id)."""
    block = delivery["key"]
    core = {k: delivery[k] for k in ("v", "header", "nonce", "ciphertext")}
    verify_signature(origin_key, unb64u(delivery["signature"]),
                     V2_ENVELOPE_CONTEXT + canonical_json(core))
    header = dict(core["header"])
    tree = header.pop("keys")
    if tree["size"] != V2_TREE_SIZE or block["kid"] != key.kid:
        raise ValueError("not a v2 key tree, or not my key")
    hb0 = canonical_json(header)
    cid = _h(V2_CONTENT_CONTEXT + hb0)
    wrapped = unb64u(block["wrapped"])
    leaf = leaf_hash(cid, key.kid, wrapped)
    if root_from_path(leaf, block["index"], unb64u(block["proof"])) != unb64u(tree["root"]):
        raise ValueError("wrapped key not under the signed root")
    cek = HPKE_SUITES[key.kind].decrypt(wrapped, key.hpke_key(),
                                        info=V2_WRAP_CONTEXT + cid + key.kid.encode("ascii"))
    if not secrets.compare_digest(_derive(cek, b"commit"), unb64u(header["commit"])):
        raise ValueError("content key does not match its commitment")
    plain = AESGCM(_derive(cek, b"aead")).decrypt(unb64u(core["nonce"]),
                                                  unb64u(core["ciphertext"]), hb0)
    doc = strict_loads(plain)
    statement = doc["statement"]
    verify_signature(origin_key, unb64u(doc["sig"]),
                     V2_STATEMENT_CONTEXT + canonical_json(statement))
    if any(statement[f] != header[f] for f in ("origin", "kind", "created", "label")):
        raise ValueError("statement does not match the header")
    digest = _h(canonical_json(dict(core, signature=delivery["signature"]))).hex()
    return statement["payload"], digest


# --- measuring ---------------------------------------------------------------------------
def wire_bytes(envelope: dict[str, Any]) -> bytes:
    """The bytes ``envelope`` adds to a feed page body as the node's Flask app encodes it
    (one list element; the separating comma is not counted)."""
    response = cast(Response, _APP.json.response({"envelopes": [envelope]}))
    with_it = response.get_data()
    return with_it[len(b'{"envelopes":['):-len(b"]}\n")]


def interleaved_ms(fns: dict[str, Callable[[], Any]], runs: int) -> dict[str, float]:
    """Median times in milliseconds of each function over ``runs`` rounds (after 2
    warm-up rounds). The functions take turns within a round, so v1 and v2 see the same
    load on a shared machine. Keys ``<name>`` (process CPU time) and ``<name>_wall``."""
    samples: dict[str, list[float]] = {}
    for round_ in range(runs + 2):
        for name, fn in fns.items():
            wall, cpu = time.perf_counter(), time.process_time()
            fn()
            if round_ >= 2:
                samples.setdefault(name, []).append(time.process_time() - cpu)
                samples.setdefault(name + "_wall", []).append(time.perf_counter() - wall)
    return {name: statistics.median(values) * 1000 for name, values in samples.items()}


def measure(real: dict[str, Any], runs: int) -> dict[str, Any]:
    """One (suite, n) cell, on the notice of the node's exchange (``real``, a row of
    :func:`recipients_exchange.exchange`): v1 sealed again with the node's ``seal`` as
    its outbox sealed it (same payload, seq, prev, time; checked to give exactly the bytes
    the node served), v2 sealed by the prototype; bytes per delivery and times."""
    suite, count, payload = real["suite"], real["n"], real["payload"]
    kind = KeyKind.X25519 if suite == "x25519" else KeyKind.MLKEM768_X25519
    head = real["sample"]["header"]
    signer = generate(KeyKind.ED25519)
    keys = [generate(kind) for _ in range(count)]
    codes = [r["node"] for r in head["recipients"]]
    me, my_code = keys[-1], codes[-1]
    created = parse_rfc3339(head["created"])

    def seal1() -> dict[str, Any]:
        return seal(payload, origin=head["origin"], seq=head["seq"], prev=head["prev"],
                    created=created, label=head["label"], kind="notice", signer=signer,
                    recipients=[Recipient(node=c, key=k.public()) for c, k in zip(codes, keys)])

    def seal2() -> SealedV2:
        return seal_v2(payload, origin=head["origin"], seq=head["seq"], prev=head["prev"],
                       created=head["created"], signer=signer,
                       recipients=[k.public() for k in keys])

    def receive1(data: bytes) -> None:
        env = json.loads(data)
        header = verify_envelope(env, key_for=lambda o, k: signer.public())
        open_envelope(env, header, node=my_code, private_keys={me.kid: me},
                      key_for=lambda o, k: signer.public())

    def receive2(data: bytes) -> None:
        open_v2(json.loads(data), key=me, origin_key=signer.public())

    v1 = wire_bytes(seal1())
    if len(v1) != real["envelope"]:
        raise AssertionError(f"{suite} n={count}: seal gave {len(v1)} bytes, the node "
                             f"served {real['envelope']}")
    sealed = seal2()
    v2 = wire_bytes(sealed.delivery(me.kid))
    unpadded_proof = 32 * max(1, (count - 1).bit_length())
    overhead = (real["page"] - real["envelope"] - real["item"]) / PAGE_LIMIT
    v2_item = len(wire_bytes(sealed.index_item(me.kid, 1)))
    return {"suite": suite, "n": count, "v1_bytes": len(v1), "v2_bytes": len(v2),
            "v1_share": len(v1) + real["item"] + 2 + overhead,
            "v2_share": len(v2) + v2_item + 2 + overhead, "v2_item": v2_item,
            "v2_core": len(wire_bytes(sealed.core)),
            "v2_unpadded": len(v2) - (len(b64u(b"\0" * 32 * V2_DEPTH))
                                      - len(b64u(b"\0" * unpadded_proof))),
            **interleaved_ms({"v1_seal": seal1, "v2_seal": seal2,
                              "v1_recv": lambda: receive1(v1),
                              "v2_recv": lambda: receive2(v2)}, runs)}


def table(rows: list[dict[str, Any]]) -> str:
    """The two markdown tables of the results: bytes, then times."""
    lines = [("| suite | n | v1 bytes/delivery | v2 bytes/delivery | v2 core | v2 unpadded "
              "| v2 index item | v1 share of a full page | v2 share of a full page "
              "| v1 all n deliveries | v2 all n deliveries |"),
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['suite']} | {r['n']} | {r['v1_bytes']:,} | {r['v2_bytes']:,} | "
              f"{r['v2_core']:,} | {r['v2_unpadded']:,} | {r['v2_item']} | "
              f"{r['v1_share']:,.0f} | {r['v2_share']:,.0f} | {r['v1_bytes'] * r['n']:,} | "
              f"{r['v2_bytes'] * r['n']:,} |" for r in rows]
    lines += ["", ("| suite | n | seal v1 | seal v2 | receive v1 | receive v2 "
              "| seal v1 wall | seal v2 wall | receive v1 wall | receive v2 wall |"),
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    cols = ("v1_seal", "v2_seal", "v1_recv", "v2_recv")
    lines += [f"| {r['suite']} | {r['n']} | "
              + " | ".join(f"{r[c]:.2f}" for c in cols) + " | "
              + " | ".join(f"{r[c + '_wall']:.2f}" for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def self_check() -> None:
    """The prototype opens what it seals, for both suites, and refuses a key block from
    another envelope, another recipient's block under this kid, and a wrong slot."""
    signer = generate(KeyKind.ED25519)
    keys = [generate(KeyKind.X25519), generate(KeyKind.MLKEM768_X25519)]
    payload = {"notice": {"notes": "x" * 1500}}
    first, second = (seal_v2(payload, origin="FRA", seq=seq, signer=signer,
                             recipients=[k.public() for k in keys]) for seq in (1, 2))
    for key in keys:
        assert open_v2(first.delivery(key.kid), key=key, origin_key=signer.public())[0] \
            == payload
    me, other = keys
    block = first.keys[me.kid]
    for bad in (second.keys[me.kid], dict(first.keys[other.kid], kid=me.kid),
                dict(block, index=(block["index"] + 1) % V2_TREE_SIZE)):
        try:
            open_v2(dict(first.core, key=bad), key=me, origin_key=signer.public())
        except ValueError:
            continue
        raise AssertionError("the prototype accepted a substituted key block")
    leaves = [os.urandom(32) for _ in range(V2_TREE_SIZE)]
    levels = tree_levels(leaves)
    assert levels[-1][0] == merkle.root(leaves)
    for index in (0, 1, 77, V2_TREE_SIZE - 1):
        path = audit_path(levels, index)
        assert [path[i:i + 32] for i in range(0, len(path), 32)] == merkle.inclusion_proof(
            index, V2_TREE_SIZE, merkle.list_range_hash(leaves))
        assert root_from_path(leaves[index], index, path) == levels[-1][0]


METHOD = """\
**The node's exchange (v1, today)**: a real node home publishes one all-members notice
to n partners through its services, and each partner fetches `GET
/api/v1/feed?after=0&limit=100` from the node's Flask app with a signed request, checks
the page (`verify_page`) and opens its envelope with its own key (`recipients_exchange.py`).
*Envelope in the page*: the bytes of the envelope inside the response body (the same
envelope for every recipient: the outbox seals once and puts it on every link); *its
index item*: its entry in the signed index; *one-notice page*: the whole response body
(median over the n recipients); *page overhead*: the rest (index, signature, tree head,
roster version, findings); *share of a full page*: envelope + item + separators + 1/100
of the overhead, what a delivery weighs when the page is full of such notices. *All n
pages*: the sum of the n response bodies, what the notice costs the exchange; *n² term*:
the share of it that the fitted quadratic term explains.

**v1 against v2**: the same notice (payload, seq, prev, time) sealed again with the
node's `fts_share.crypto.seal` (checked in every run to give exactly the bytes the node
served) and with the prototype of `docs/design/feed-v2.md` inside the benchmark. *Bytes
per delivery* is the envelope (v1) or the delivery (v2: the shared core plus the
recipient's own key block, i.e. kid, wrapped key, slot and 8-hash RFC 9162 proof, the key
tree padded to 256 leaves) as the app encodes it in a page, without its index item.
*v2 core* is the shared part alone; *v2 unpadded* what a delivery would weigh with an
unpadded tree (a proof of ceil(log2 n) hashes); *v2 index item* the prototype's item of
the signed index (with the leaf it delivers; 91 bytes in v1); *share of a full page*
the delivery, its item, separators and 1/100 of the measured page overhead. *All n
deliveries* = n x bytes per delivery. Times are medians in ms over the runs, v1 and v2
taking turns within each run: process CPU time first, then wall clock (the machine is
shared, so wall times carry other jobs' load). *Receive* is JSON parse + verify + open
of one delivery by one recipient (v1: `verify_envelope` + `open_envelope`). Each run
first checks that the prototype opens what it seals and refuses substituted key blocks,
and that its tree gives the same root and inclusion proofs as the audit log's RFC 9162
code (`fts_share.audit.merkle`)."""


def main() -> None:
    """Run every cell, print the tables, optionally write the section file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--write", type=Path, default=None,
                        help="write the figures, command and date to this markdown file")
    args = parser.parse_args()
    self_check()
    served: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="fts-bench-recipients-") as folder:
        for i, suite in enumerate(SUITES):
            served += exchange(Path(folder) / suite, suite, COUNTS, i * len(COUNTS))
    text = exchange_table(served) + "\n\n" + table([measure(r, args.runs) for r in served])
    print(text)
    if args.write:
        command = "python3 bench/bench_recipients.py " + " ".join(sys.argv[1:])
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        args.write.write_text(
            "## Bytes per delivery by recipient count (issue 18, item 5)\n\n"
            f"Command: `{command.strip()}` (from the repository root). Date: "
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
            f"{platform.python_implementation()} {platform.python_version()}, cryptography "
            f"{cryptography.__version__}, {os.cpu_count()} CPUs, load average at the end "
            f"{load}.\n\n" + METHOD + "\n\n" + text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
