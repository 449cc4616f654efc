"""Where an envelope's cryptography goes on the receiving side, primitive by primitive,
and what the node's own envelope code adds around it.

    python3 bench/crypto_parts.py [--rounds 5] [--n 2000] [--only envelope]
    python3 bench/crypto_parts.py --trees /work/wt/envelope-base,/work/wt/envelope \\
                                  [--rounds 7] [--n 1000] [--only envelope]

Thread CPU per call (``time.thread_time``), median of the rounds, of:

- an Ed25519 check over 3.4 KB (the outer signature's size) with OpenSSL through
  ``cryptography`` (a parsed key; the key parsed from its raw bytes each time, as main
  did) and with libsodium through PyNaCl (``crypto_sign_open``, as this tree does), and
  the node's ``verify_signature``;
- opening a wrapped content key with the node's HPKE suites (``Suite.decrypt``), for
  the hybrid MLKEM768-X25519 suite and for X25519, beside the primitives inside it
  (ML-KEM-768 decapsulation, X25519, the key schedule and AEAD as the remainder), the
  decryption key's ``cryptography`` object;
- an envelope received as ``federation`` receives it (``only envelope``): its members'
  JCS and digest (``digest_and_members``), ``verify_envelope`` with those members,
  ``open_envelope`` of the very object verified, and the three in a row; for a
  1.5 KB notice to one hybrid recipient, to one X25519 recipient, and to three
  recipients (one hybrid, two X25519) opened by the hybrid one. Only public names,
  so that any tree can be measured; and the same with the primitives stubbed (the
  module's ``verify_signature`` a no-op, its ``_decrypt`` returning the plaintext),
  which leaves the envelope code's own work: shape checks, JCS, base64url, parsing.

Without ``--trees``, the tree on ``PYTHONPATH`` is measured. With ``--trees A,B``
each round runs one process per tree (``PYTHONPATH`` set to it), the trees' order
alternating from round to round, and the medians are printed side by side with the
ratio B/A.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import nacl.bindings
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519

from fts_share.crypto import envelope
from fts_share.crypto._envelope_wire import CEK_INFO_CONTEXT, HPKE_SUITES, KIND_SUITE
from fts_share.crypto.canonical import sha256, unb64u
from fts_share.crypto.keys import KeyKind, PrivateKey, PublicKey, generate, verify_signature

Parts = dict[str, Callable[[], Any]]


def per_call_us(fn: Callable[[], Any], n: int) -> float:
    stubs: dict[str, Any] = getattr(fn, "stubs", {})
    saved = {name: getattr(envelope, name) for name in stubs}
    for name, stub in stubs.items():
        setattr(envelope, name, stub)
    try:
        fn()
        start = time.thread_time()
        for _ in range(n):
            fn()
        return (time.thread_time() - start) / n * 1e6
    finally:
        for name, value in saved.items():
            setattr(envelope, name, value)


def without_primitives(fn: Callable[[], Any], plaintext: bytes) -> Callable[[], Any]:
    """``fn`` measured with ``envelope``'s Ed25519 check a no-op and its unwrap and
    decryption (``_decrypt``, whatever its arguments in the tree) returning
    ``plaintext``: the envelope code's own work around the primitives."""
    def call() -> Any:
        return fn()
    call.stubs = {"verify_signature": lambda *a: None,  # type: ignore[attr-defined]
                  "_decrypt": lambda *a: plaintext}
    return call


def _plaintext_of(open_once: Callable[[], Any]) -> bytes:
    """What ``envelope._decrypt`` returns while ``open_once`` runs."""
    seen: list[bytes] = []
    real = envelope._decrypt

    def spy(*args: Any) -> bytes:
        seen.append(real(*args))
        return seen[-1]

    envelope._decrypt = spy  # type: ignore[assignment]
    try:
        open_once()
    finally:
        envelope._decrypt = real  # type: ignore[assignment]
    return seen[-1]


def ed25519_parts() -> Parts:
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


def _sealed(signer: PrivateKey, recipients: list[PrivateKey]) -> dict[str, Any]:
    return envelope.seal({"note": "x" * 1500}, origin="AAA", seq=1, prev=None,
                         created=datetime(2025, 8, 2, tzinfo=UTC), label="AMBER",
                         kind="notice", signer=signer,
                         recipients=[envelope.Recipient(node=f"N{i:02d}", key=k.public())
                                     for i, k in enumerate(recipients)])


def hpke_parts(kind: KeyKind) -> Parts:
    me, signer = generate(kind), generate(KeyKind.ED25519)
    env = _sealed(signer, [me])
    header = envelope.verify_envelope(env, key_for=lambda origin, kid: signer.public())
    suite = HPKE_SUITES[KIND_SUITE[kind]]
    wrapped = unb64u(env["keys"][me.kid])
    info = CEK_INFO_CONTEXT + sha256(header.canonical)
    name = kind.value
    parts: Parts = {
        f"{name}: Suite.decrypt (unwrap the content key)":
            lambda: suite.decrypt(wrapped, me.hpke_key(), info=info),
        f"{name}: the key's HPKE object (hpke_key())": me.hpke_key,
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


def envelope_parts(label: str, recipients: list[PrivateKey]) -> Parts:
    """An envelope to ``recipients`` received by the first, through the public names."""
    signer = generate(KeyKind.ED25519)
    env = _sealed(signer, recipients)
    me = recipients[0]

    def key_for(origin: str, kid: str) -> PublicKey:
        return signer.public()

    _, members = envelope.digest_and_members(env)
    header = envelope.verify_envelope(env, key_for=key_for, members=members)

    def receive() -> Any:
        _, jcs = envelope.digest_and_members(env)
        verified = envelope.verify_envelope(env, key_for=key_for, members=jcs)
        return envelope.open_envelope(env, verified, node="N00", private_keys={me.kid: me},
                                      key_for=key_for)

    def verify() -> Any:
        return envelope.verify_envelope(env, key_for=key_for, members=members)

    def open_() -> Any:
        return envelope.open_envelope(env, header, node="N00", private_keys={me.kid: me},
                                      key_for=key_for)

    plaintext = _plaintext_of(open_)
    return {
        f"{label}: digest_and_members": lambda: envelope.digest_and_members(env),
        f"{label}: verify_envelope (with members)": verify,
        f"{label}: open_envelope (the object verified)": open_,
        f"{label}: all three, per envelope": receive,
        f"{label}: verify_envelope, primitives stubbed": without_primitives(verify, plaintext),
        f"{label}: open_envelope, primitives stubbed": without_primitives(open_, plaintext),
        f"{label}: all three, primitives stubbed": without_primitives(receive, plaintext),
    }


def all_parts(only: str | None) -> Parts:
    hybrid, x = KeyKind.MLKEM768_X25519, KeyKind.X25519
    parts: Parts = {}
    if only in (None, "envelope"):
        parts |= envelope_parts("envelope, 1 hybrid recipient", [generate(hybrid)])
        parts |= envelope_parts("envelope, 1 X25519 recipient", [generate(x)])
        parts |= envelope_parts("envelope, 3 recipients (hybrid opens)",
                                [generate(hybrid), generate(x), generate(x)])
    if only in (None, "primitives"):
        parts |= ed25519_parts() | hpke_parts(hybrid) | hpke_parts(x)
    return parts


def measure(only: str | None, rounds: int, n: int) -> dict[str, list[float]]:
    parts = all_parts(only)
    samples: dict[str, list[float]] = {name: [] for name in parts}
    for _ in range(rounds):
        for name, fn in parts.items():
            samples[name].append(per_call_us(fn, n))
    return samples


def compare(trees: list[str], args: argparse.Namespace) -> None:
    """One child process per tree and round, alternating; medians side by side."""
    samples: list[dict[str, list[float]]] = [{} for _ in trees]
    for r in range(args.rounds):
        order = list(range(len(trees)))[::1 if r % 2 == 0 else -1]
        for i in order:
            cmd = [sys.executable, __file__, "--rounds", "1", "--n", str(args.n), "--json"]
            if args.only:
                cmd += ["--only", args.only]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True,
                                 env={**os.environ, "PYTHONPATH": trees[i]}).stdout
            for name, values in json.loads(out).items():
                samples[i].setdefault(name, []).extend(values)
    names = [os.path.basename(t.rstrip("/")) for t in trees]
    print(f"| part (thread CPU, us per call, median of {args.rounds}) | "
          + " | ".join(names) + " | ratio |")
    print("|---|" + "---:|" * (len(trees) + 1))
    for name in samples[0]:
        med = [statistics.median(s[name]) for s in samples]
        print(f"| {name} | " + " | ".join(f"{m:.1f}" for m in med)
              + f" | {med[-1] / med[0]:.3f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--only", choices=["envelope", "primitives"])
    ap.add_argument("--trees", help="comma-separated checkouts to measure side by side")
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.trees:
        compare(args.trees.split(","), args)
        return
    samples = measure(args.only, args.rounds, args.n)
    if args.json:
        print(json.dumps(samples))
        return
    print(f"| part (thread CPU, us per call, median of {args.rounds}) | us |")
    print("|---|---:|")
    for name, values in samples.items():
        print(f"| {name} | {statistics.median(values):.1f} |")


if __name__ == "__main__":
    main()
