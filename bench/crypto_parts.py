"""Where an envelope's cryptography goes on the receiving side, primitive by primitive.

    python3 bench/crypto_parts.py [--rounds 5] [--n 2000]

Thread CPU per call (``time.thread_time``), median of the rounds, of:

- an Ed25519 check over 3.4 KB (the outer signature's size) with OpenSSL through
  ``cryptography`` (a parsed key; the key parsed from its raw bytes each time, as main
  did) and with libsodium through PyNaCl (``crypto_sign_open``, as this tree does), and
  the node's ``verify_signature``;
- opening a wrapped content key with the node's HPKE suites (``Suite.decrypt``), for
  the hybrid MLKEM768-X25519 suite and for X25519, beside the primitives inside it
  (ML-KEM-768 decapsulation, X25519, the key schedule and AEAD as the remainder), the
  decryption key's ``cryptography`` object, and ``envelope._decrypt`` (the node's whole
  unwrap and AES-256-GCM of a notice-sized content).

Run with the tree to measure first on ``PYTHONPATH``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import nacl.bindings
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519

from fts_share.crypto import envelope
from fts_share.crypto._envelope_wire import HPKE_SUITES, KIND_SUITE, check_structure
from fts_share.crypto.keys import KeyKind, PublicKey, generate, verify_signature


def per_call_us(fn: Callable[[], Any], n: int) -> float:
    fn()
    start = time.thread_time()
    for _ in range(n):
        fn()
    return (time.thread_time() - start) / n * 1e6


def ed25519_parts() -> dict[str, Callable[[], Any]]:
    key = ed25519.Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes_raw()
    data = os.urandom(3400)
    sig = key.sign(data)
    parsed = ed25519.Ed25519PublicKey.from_public_bytes(raw)
    public = PublicKey(kind=KeyKind.ED25519, raw=raw)
    return {
        "Ed25519, OpenSSL, parsed key": lambda: parsed.verify(sig, data),
        "Ed25519, OpenSSL, key parsed per call": lambda: ed25519.Ed25519PublicKey
        .from_public_bytes(raw).verify(sig, data),
        "Ed25519, libsodium crypto_sign_open": lambda: nacl.bindings.crypto_sign_open(
            sig + data, raw),
        "Ed25519, verify_signature (the tree measured)": lambda: verify_signature(public, sig, data),
    }


def hpke_parts(kind: KeyKind) -> dict[str, Callable[[], Any]]:
    me, signer = generate(kind), generate(KeyKind.ED25519)
    env = envelope.seal({"note": "x" * 1500}, origin="AAA", seq=1, prev=None,
                        created=datetime(2025, 8, 2, tzinfo=UTC), label="AMBER",
                        kind="notice", signer=signer,
                        recipients=[envelope.Recipient(node="BBB", key=me.public())])
    header = envelope.verify_envelope(env, key_for=lambda origin, kid: signer.public())
    suite = HPKE_SUITES[KIND_SUITE[kind]]
    wrapped = header.decoded[env["keys"][me.kid]] if header.decoded else b""
    info = envelope._cek_info(header.canonical)
    name, checked = kind.value, check_structure(env, max_bytes=1 << 22)
    parts: dict[str, Callable[[], Any]] = {
        f"{name}: Suite.decrypt (unwrap the content key)":
            lambda: suite.decrypt(wrapped, me.hpke_key(), info=info),
        f"{name}: the key's HPKE object (hpke_key())": me.hpke_key,
        f"{name}: envelope._decrypt (unwrap + AES-256-GCM, 1.5 KB)":
            lambda: envelope._decrypt(checked, header, "BBB", {me.kid: me}),
    }
    peer = x25519.X25519PrivateKey.generate().public_key()
    if kind is KeyKind.MLKEM768_X25519:
        kem, xkey = me._obj  # type: ignore[misc]
        _, ct = kem.public_key().encapsulate()
        parts[f"{name}: ML-KEM-768 decapsulation"] = lambda: kem.decapsulate(ct)
        parts[f"{name}: X25519"] = lambda: xkey.exchange(peer)
    else:
        parts[f"{name}: X25519"] = lambda: me._obj.exchange(peer)  # type: ignore[union-attr]
    return parts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--n", type=int, default=2000)
    args = ap.parse_args()
    parts = {**ed25519_parts(), **hpke_parts(KeyKind.MLKEM768_X25519),
             **hpke_parts(KeyKind.X25519)}
    samples: dict[str, list[float]] = {name: [] for name in parts}
    for _ in range(args.rounds):
        for name, fn in parts.items():
            samples[name].append(per_call_us(fn, args.n))
    print(f"| part (thread CPU, us per call, median of {args.rounds}) | us |")
    print("|---|---:|")
    for name, values in samples.items():
        print(f"| {name} | {statistics.median(values):.1f} |")


if __name__ == "__main__":
    main()
