"""Benchmark of the sealed envelope: seal, verify and open for 1, 10 and 80 recipients.

    python3 bench/bench_crypto.py [--runs N] [--write bench/RESULTS-crypto.md]

Suites: every recipient X25519, every recipient hybrid MLKEM768-X25519, and mixed
(alternating). Times are medians of N runs (wall clock, ``time.perf_counter``) on a
notice-sized payload (about 1.5 KB of JSON with Arabic and Latin names). "bytes/recip."
is the growth of the JSON envelope per added recipient: (size(80) - size(1)) / 79.
Targets (issue 2): seal for 80 recipients < 10 ms (X25519) and < 20 ms (hybrid);
open < 1 ms. This is a benchmark, not a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cryptography
from cryptography.hazmat.primitives import hpke

from fts_share.crypto.envelope import Recipient, open_envelope, seal, verify_envelope
from fts_share.crypto.keys import KeyKind, PrivateKey, generate

COUNTS = (1, 10, 80)
SUITES = ("x25519", "hybrid", "mixed")
CREATED = datetime(2025, 8, 2, 12, 0, tzinfo=UTC)
PAYLOAD = {
    "id": "5f0c3a52-8d51-4c5e-9a57-2f1d7c1e8b11",
    "subject": {"names": [{"script": "Arab", "value": "إبراهيم عواد إبراهيم علي البدري السامرائي"},
                          {"script": "Latn", "value": "IBRAHIM AWWAD IBRAHIM ALI AL-BADRI"},
                          {"script": "Arab", "value": "أبو بكر البغدادي"},
                          {"script": "Latn", "value": "Abu Bakr al-Baghdadi"}],
                "sex": "M", "dob": "1971-07-28", "pob": "Samarra", "nationalities": ["IRQ"],
                "documents": [{"type": "passport", "number": "A1234567", "issuer": "IRQ"}],
                "minor": False},
    "movement": {"kind": "transit", "place": "Istanbul", "date": "2019-03-23",
                 "carrier": "TK 1234", "route": "BGW-IST-AMS"},
    "basis": ["2178 (2014)", "2368 (2017)", "2396 (2017)"], "un_reference": "QDi.299",
    "handling": {"caveats": ["ct-only", "no-judicial-use", "no-onward"],
                 "review": "2030-08-02", "purpose": ["border screening", "investigation"]},
    "notes": "x" * 600,
}


def median_ms(fn: Callable[[], Any], runs: int, clock: Callable[[], float] = time.perf_counter
              ) -> float:
    """Median time of ``fn`` in milliseconds over ``runs`` calls (after 2 warm-ups), by
    ``clock`` (wall clock by default; ``time.process_time`` for CPU time)."""
    for _ in range(2):
        fn()
    samples = []
    for _ in range(runs):
        start = clock()
        fn()
        samples.append(clock() - start)
    return statistics.median(samples) * 1000


def kinds_for(suite: str, count: int) -> list[KeyKind]:
    """Recipient key kinds of a suite column."""
    if suite == "x25519":
        return [KeyKind.X25519] * count
    if suite == "hybrid":
        return [KeyKind.MLKEM768_X25519] * count
    return [KeyKind.MLKEM768_X25519 if i % 2 == 0 else KeyKind.X25519 for i in range(count)]


def run(runs: int) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Measure every (suite, count) cell; return rows and primitive timings."""
    signer = generate(KeyKind.ED25519)

    def key_for(origin: str, kid: str) -> Any:
        return signer.public()

    rows = []
    for suite in SUITES:
        sizes = {}
        for count in COUNTS:
            keys: list[PrivateKey] = [generate(k) for k in kinds_for(suite, count)]
            recipients = [Recipient(node=f"N{i:03d}", key=k.public())
                          for i, k in enumerate(keys)]

            def do_seal(recipients: list[Recipient] = recipients) -> dict[str, Any]:
                return seal(PAYLOAD, origin="FRA", seq=1, prev=None, created=CREATED,
                            label="AMBER", kind="notice", signer=signer,
                            recipients=recipients)

            env = do_seal()
            header = verify_envelope(env, key_for=key_for)
            last = keys[-1]
            sizes[count] = len(json.dumps(env, separators=(",", ":")).encode())
            rows.append({
                "suite": suite, "recipients": count,
                "seal_ms": median_ms(do_seal, runs),
                "seal_cpu_ms": median_ms(do_seal, runs, time.process_time),
                "verify_ms": median_ms(lambda env=env: verify_envelope(env, key_for=key_for),
                                       runs),
                "open_ms": median_ms(lambda env=env, header=header, count=count, last=last:
                                     open_envelope(env, header, node=f"N{count - 1:03d}",
                                                   private_keys={last.kid: last},
                                                   key_for=key_for), runs),
                "bytes": sizes[count]})
        per = (sizes[80] - sizes[1]) / 79
        for row in rows[-len(COUNTS):]:
            row["bytes_per_recipient"] = per
    primitives = {}
    for name, kem, kind in (("HPKE X25519 wrap", hpke.KEM.X25519, KeyKind.X25519),
                            ("HPKE MLKEM768-X25519 wrap", hpke.KEM.MLKEM768_X25519,
                             KeyKind.MLKEM768_X25519)):
        hpke_suite = hpke.Suite(kem, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
        public = generate(kind).public().hpke_key()
        primitives[name] = median_ms(
            lambda hpke_suite=hpke_suite, public=public:
            hpke_suite.encrypt(os.urandom(32), public, info=b"x" * 49), runs * 20)
    return rows, primitives


def table(rows: list[dict[str, Any]], primitives: dict[str, float]) -> str:
    """The markdown table of the results."""
    lines = [("| suite | recipients | seal (ms) | seal CPU (ms) | verify (ms) | open (ms) "
              "| envelope (bytes) | bytes/recip. (JSON) |"),
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['suite']} | {r['recipients']} | {r['seal_ms']:.2f} | "
                     f"{r['seal_cpu_ms']:.2f} | {r['verify_ms']:.2f} | {r['open_ms']:.3f} | "
                     f"{r['bytes']} | {r['bytes_per_recipient']:.0f} |")
    lines.append("")
    lines.append("Raw wrapped key per recipient (HPKE enc || AES-256-GCM(CEK)): X25519 "
                 "80 bytes, MLKEM768-X25519 1168 bytes.")
    lines.append("")
    lines.append("| primitive | median (ms) |")
    lines.append("|---|---:|")
    lines.extend(f"| {name} (one 32-byte key) | {ms:.3f} |" for name, ms in primitives.items())
    return "\n".join(lines)


def main() -> None:
    """Run the benchmark, print the table, optionally write the results file."""
    parser = argparse.ArgumentParser(description="fts-share crypto benchmark")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--write", type=Path, default=None,
                        help="write figures, command and date to this markdown file")
    args = parser.parse_args()
    rows, primitives = run(args.runs)
    text = table(rows, primitives)
    print(text)
    if args.write:
        command = "python3 bench/bench_crypto.py " + " ".join(sys.argv[1:])
        machine = (f"{platform.python_implementation()} {platform.python_version()}, "
                   f"cryptography {cryptography.__version__}, {os.cpu_count()} CPUs, "
                   f"{platform.machine()} {platform.system()}")
        args.write.write_text(
            "# Crypto benchmark results\n\n"
            f"Command: `{command}` (from the repository root)\n\n"
            f"Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}; "
            f"machine: {machine}.\n\n"
            f"Medians of {args.runs} runs; payload about 1.5 KB of notice JSON. Wall-clock "
            "medians except `seal CPU` (process CPU time, less sensitive to other load on "
            "the machine). `bytes/recip.` = (size(80) - size(1)) / 79 of the compact JSON "
            "envelope (base64url, kid and header entry included).\n\n"
            + text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
