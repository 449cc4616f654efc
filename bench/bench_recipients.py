"""Benchmark: the cost of big recipient sets (issue 18, item 5), protocol v1 against the
feed-v2 design of docs/design/feed-v2.md.

    python3 bench/bench_recipients.py [--runs N] [--write bench/RESULTS-recipients.md]

v1 is sealed with the node's real code (:func:`fts_share.crypto.seal`) and its bytes are
counted as the node's Flask app encodes a feed page. v2 is a PROTOTYPE of the design,
inside this file and not node code: the shared core (header with a Merkle root over the
wrapped keys, nonce, ciphertext, signature) plus the recipient's own wrapped key and its
RFC 9162 inclusion proof. It does the same work as v1 (inner statement signature, JCS,
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
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cryptography
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand
from flask import Flask, Response

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
CREATED = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
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


def seal_v2(payload: dict[str, Any], *, origin: str, seq: int, signer: PrivateKey,
            recipients: list[PublicKey]) -> SealedV2:
    """Prototype of feed-v2 sealing (design, "Sealing")."""
    cek = AESGCM.generate_key(bit_length=256)
    header0 = {"v": 2, "origin": origin, "seq": seq, "prev": None,
               "created": CREATED.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "label": "AMBER",
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


def notice_payload(codes: list[str]) -> dict[str, Any]:
    """A notice as ``services`` seals it: about 1.5 KB, with provenance.recipients."""
    subject = {"names": [{"script": "Arab", "value": "إبراهيم عواد إبراهيم علي البدري"},
                         {"script": "Latn", "value": "IBRAHIM AWWAD IBRAHIM ALI AL-BADRI"}],
               "sex": "M", "dob": "1971-07-28", "nationalities": ["IRQ"],
               "documents": [{"type": "passport", "number": "A1234567", "issuer": "IRQ"}]}
    return {"notice": {
        "subject": subject,
        "movement": {"kind": "transit", "place": "Istanbul", "date": "2019-03-23"},
        "basis": {"legal_basis": ["UNSCR 2178 (2014)", "UNSCR 2396 (2017)"]},
        "handling": {"tlp": "AMBER", "audience": "all-members", "caveats": ["ct-only"],
                     "purposes": ["border screening"], "review_date": "2029-12-04"},
        "notes": "x" * 600,
        "provenance": {"id": "5f0c3a52-8d51-4c5e-9a57-2f1d7c1e8b11", "version": 1,
                       "supersedes": None, "origin": "FRA", "officer": "fra-officer",
                       "created": "2026-12-04T12:00:00.000000Z", "recipients": codes}}}


def codes_for(count: int) -> list[str]:
    """``count`` distinct three-letter partner codes (like ISO 3166 alpha-3)."""
    return [f"{chr(65 + i // 26)}{chr(65 + i % 26)}X" for i in range(count)]


def measure(suite: str, count: int, runs: int) -> dict[str, Any]:
    """One (suite, recipients) cell: v1 and v2 bytes per delivery and times."""
    kind = KeyKind.X25519 if suite == "x25519" else KeyKind.MLKEM768_X25519
    signer = generate(KeyKind.ED25519)
    keys = [generate(kind) for _ in range(count)]
    codes = codes_for(count)
    payload = notice_payload(codes)
    me, my_code = keys[-1], codes[-1]

    def seal1() -> dict[str, Any]:
        return seal(payload, origin="FRA", seq=1, prev=None, created=CREATED, label="AMBER",
                    kind="notice", signer=signer,
                    recipients=[Recipient(node=c, key=k.public()) for c, k in zip(codes, keys)])

    def seal2() -> SealedV2:
        return seal_v2(payload, origin="FRA", seq=1, signer=signer,
                       recipients=[k.public() for k in keys])

    def receive1(data: bytes) -> None:
        env = json.loads(data)
        header = verify_envelope(env, key_for=lambda o, k: signer.public())
        open_envelope(env, header, node=my_code, private_keys={me.kid: me},
                      key_for=lambda o, k: signer.public())

    def receive2(data: bytes) -> None:
        open_v2(json.loads(data), key=me, origin_key=signer.public())

    v1 = wire_bytes(seal1())
    sealed = seal2()
    v2 = wire_bytes(sealed.delivery(me.kid))
    unpadded_proof = 32 * max(1, (count - 1).bit_length())
    return {"suite": suite, "n": count, "v1_bytes": len(v1), "v2_bytes": len(v2),
            "v2_core": len(wire_bytes(sealed.core)),
            "v2_unpadded": len(v2) - (len(b64u(b"\0" * 32 * V2_DEPTH))
                                      - len(b64u(b"\0" * unpadded_proof))),
            **interleaved_ms({"v1_seal": seal1, "v2_seal": seal2,
                              "v1_recv": lambda: receive1(v1),
                              "v2_recv": lambda: receive2(v2)}, runs)}


def table(rows: list[dict[str, Any]]) -> str:
    """The two markdown tables of the results: bytes, then times."""
    lines = [("| suite | n | v1 bytes/delivery | v2 bytes/delivery | v2 core | v2 unpadded "
             "| v1 all n deliveries | v2 all n deliveries |"),
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['suite']} | {r['n']} | {r['v1_bytes']:,} | {r['v2_bytes']:,} | "
              f"{r['v2_core']:,} | {r['v2_unpadded']:,} | {r['v1_bytes'] * r['n']:,} | "
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
    payload = notice_payload(codes_for(2))
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


METHOD = """\
*Bytes per delivery*: what one recipient downloads for one notice, i.e. the bytes the
envelope adds to a `GET /api/v1/feed` page body as the node's Flask app encodes it
(the signed index item, 91 bytes in v1 and 144 in v2, is not counted). **v1** is today's
protocol, sealed with the node's `fts_share.crypto.seal`: an all-members notice is one
envelope carrying every recipient's header entry and wrapped key, put unchanged on every
recipient's link (checked once against `federation.feed.build_page`: the same 21,832 and
139,832 bytes at 80 recipients). **v2** is the design of `docs/design/feed-v2.md`, from
the prototype inside the benchmark: the shared core plus the recipient's own key block
(kid, wrapped key, slot, 8-hash RFC 9162 proof; the key tree is padded to 256 leaves).
*v2 core* is the shared part alone; *v2 unpadded* is what a delivery would weigh with an
unpadded tree (a proof of ceil(log2 n) hashes). The payload is a notice of about 1.5 KB
whose `provenance.recipients` lists the n partner codes (8 bytes per recipient in the
ciphertext, in v1 and v2 alike). *All n deliveries* = n x bytes per delivery. Times are
medians in ms over the runs, v1 and v2 taking turns within each run: process CPU time
first, then wall clock (the machine is shared, so wall times carry other jobs' load).
*Receive* is JSON parse + verify + open of one delivery by one recipient (v1:
`verify_envelope` + `open_envelope`). Each run first checks that the prototype opens what
it seals and refuses substituted key blocks; its tree and proofs were checked once
against `fts_share.audit.merkle` (RFC 9162): the same roots and proofs."""


def main() -> None:
    """Run every cell, print the table, optionally write the section file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--write", type=Path, default=None,
                        help="write the figures, command and date to this markdown file")
    args = parser.parse_args()
    self_check()
    rows = [measure(s, n, args.runs) for s in SUITES for n in COUNTS]
    text = table(rows)
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
