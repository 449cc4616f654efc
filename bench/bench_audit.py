"""Audit log benchmarks: appends/s on SQLite, proof latency and full verification at 1M.

    python3 bench/bench_audit.py                  # 1,000,000 entries (a few minutes)
    python3 bench/bench_audit.py --entries 100000 # quicker
    python3 bench/bench_audit.py --baseline /tmp/audit-base  # side by side with the code
                                                  # of another checkout (e.g. a git worktree
                                                  # of an older commit), interleaved

Targets (issue 4): >= 5,000 appends/s on SQLite inside transactions; inclusion and
consistency proofs for a 1,000,000-entry log < 5 ms each; full verification of
1,000,000 entries < 60 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import insert

#: The checkout whose fts_share is measured (``--code``; this one by default).
CODE = Path(os.environ.get("FTS_BENCH_CODE") or Path(__file__).resolve().parents[1])
sys.path.insert(0, str(CODE))

from fts_share.audit import log, merkle
from fts_share.audit.entry import leaf_document
from fts_share.audit.verify import verify_log
from fts_share.crypto.canonical import canonical_json
from fts_share.storage import Base, Store

try:  # the layout measured: the audit store in storage (since issue 12) ...
    from fts_share.audit.frontier import Frontier
    from fts_share.storage import audit_tables as models
    from fts_share.storage.audit_store import audit_store
except ImportError:  # ... or a --baseline checkout from before, on the session itself
    from fts_share.audit import models  # type: ignore[no-redef]
    Frontier = log._Frontier  # type: ignore[attr-defined,misc]

    def audit_store(session: Any) -> Any:  # type: ignore[misc]
        return session
AuditEntry, AuditNode = models.AuditEntry, models.AuditNode

T0 = datetime(2025, 8, 2, tzinfo=UTC)


def fields(i: int) -> dict[str, object]:
    return {"time": T0 + timedelta(seconds=i), "actor": f"user:officer{i % 50}",
                "action": ("open", "screen", "deliver", "receive")[i % 4], "object_type": "notice",
                "object_id": f"2f1c{i % 100000:08d}-7a6b-4c1d-9e2f-0123456789ab", "object_version": 1,
                "partner": ("IRQ", "JOR", "FRA", "TUR")[i % 4], "purpose": "investigation",
                "legal_basis": ["2178", "2396"], "outcome": "ok", "detail": {"batch": i % 7}}


def record_args(i: int) -> dict[str, object]:
    f = fields(i)
    f["now"] = f.pop("time")
    return f


def new_store(directory: str, name: str) -> Store:
    store = Store(f"sqlite:///{directory}/{name}.db")
    Base.metadata.create_all(store.engine)
    return store


def bench_appends(directory: str) -> dict[str, float]:
    store = new_store(directory, "appends")
    out = {}
    start = time.perf_counter()
    for t in range(20):
        with store.transaction() as s:
            for i in range(1000):
                log.record(audit_store(s), **record_args(t * 1000 + i))  # type: ignore[arg-type]
    out["batched (1,000 per transaction), appends/s"] = 20000 / (time.perf_counter() - start)
    start = time.perf_counter()
    for i in range(2000):
        with store.transaction() as s:
            log.record(audit_store(s), **record_args(20000 + i))  # type: ignore[arg-type]
    out["one per transaction, appends/s"] = 2000 / (time.perf_counter() - start)
    store.dispose()
    return out


def build_log(store: Store, n: int) -> float:
    """Bulk-insert n entries and their nodes (what record() would write), in chunks."""
    start = time.perf_counter()
    frontier = Frontier(size=0)
    chunk = 20000
    for base in range(0, n, chunk):
        rows, nodes = [], []
        for i in range(base, min(n, base + chunk)):
            f = fields(i)
            leaf = merkle.leaf_hash(canonical_json(leaf_document(seq=i, **f)))  # type: ignore[arg-type]
            rows.append(dict(seq=i, leaf_hash=leaf, **f))
            nodes += [node_row(lv, ix, h) for lv, ix, h in frontier.append(leaf)]
        with store.transaction() as s:
            s.execute(insert(AuditEntry), rows)
            if nodes:
                s.execute(insert(AuditNode), nodes)
    return time.perf_counter() - start


def node_row(level: int, idx: int, h: bytes) -> dict[str, object]:
    """An audit_nodes row in the layout of the code measured (one id, or level and idx)."""
    if hasattr(models, "node_id"):
        return {"id": models.node_id(level, idx), "hash": h}
    return {"level": level, "idx": idx, "hash": h}


def median_ms(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def measure(entries: int, runs: int) -> dict[str, object]:
    rng = random.Random(4)
    out: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as directory:
        for label, value in bench_appends(directory).items():
            out[label] = round(value)
            print(f"{label}: {value:,.0f}", flush=True)
        store = new_store(directory, "big")
        n = entries
        took = build_log(store, n)
        out["bulk build of the log, s"] = round(took, 1)
        print(f"built a {n:,}-entry log by bulk insert in {took:.1f} s", flush=True)
        key = Ed25519PrivateKey.generate()
        with store.transaction() as s:
            log.sign_tree_head(audit_store(s), now=T0, sign=key.sign, key_id="bench")
        with store.read() as s:
            inc = median_ms(lambda: log.inclusion_proof(audit_store(s), rng.randrange(n), n), runs)
            con = median_ms(lambda: log.consistency_proof(audit_store(s), rng.randrange(1, n), n), runs)
            out["inclusion proof, median ms"] = round(inc, 2)
            out["consistency proof, median ms"] = round(con, 2)
            print(f"inclusion proof, size {n:,}: median {inc:.2f} ms over {runs}")
            print(f"consistency proof, m..{n:,}: median {con:.2f} ms over {runs}", flush=True)
            pub = key.public_key()
            start = time.perf_counter()
            report = verify_log(audit_store(s), lookup_key=lambda _kid: pub.verify)
            took = time.perf_counter() - start
        out["full verification, s"] = round(took, 1)
        out["verification ok"] = report.ok
        print(f"full verification of {report.entries:,} entries: {took:.1f} s, ok={report.ok}",
              flush=True)
        store.dispose()
    return out


def phase(name: str, db: str, entries: int, runs: int) -> dict[str, object]:
    """One measurement on its own, for the side-by-side driver (:func:`compare`)."""
    out: dict[str, object] = {}
    directory = os.path.dirname(db)
    if name == "appends":
        with tempfile.TemporaryDirectory(dir=directory) as fresh:
            return {k: round(v) for k, v in bench_appends(fresh).items()}
    store = Store(f"sqlite:///{db}")
    if name == "build":
        Base.metadata.create_all(store.engine)
        out["bulk build of the log, s"] = round(build_log(store, entries), 1)
        key = Ed25519PrivateKey.generate()
        with store.transaction() as s:
            log.sign_tree_head(audit_store(s), now=T0, sign=key.sign, key_id="bench")
        Path(db + ".key").write_bytes(key.public_key().public_bytes_raw())
    elif name == "proofs":
        rng = random.Random(4)
        with store.read() as s:
            out["inclusion proof, median ms"] = median_ms(
                lambda: log.inclusion_proof(audit_store(s), rng.randrange(entries), entries), runs)
            out["consistency proof, median ms"] = median_ms(
                lambda: log.consistency_proof(audit_store(s), rng.randrange(1, entries), entries), runs)
    elif name == "verify":
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        pub = Ed25519PublicKey.from_public_bytes(Path(db + ".key").read_bytes())
        with store.read() as s:
            start = time.perf_counter()
            report = verify_log(audit_store(s), lookup_key=lambda _kid: pub.verify)
            out["full verification, s"] = round(time.perf_counter() - start, 1)
        out["verification ok"] = report.ok and report.entries == entries
    store.dispose()
    return out


def compare(baseline: str, entries: int, runs: int, rounds: int) -> None:
    """Baseline and this checkout side by side, each measurement interleaved.

    Every measurement runs in a fresh process on one checkout's code, alternating
    baseline and new (appends and proofs ``rounds`` times each, in alternating order;
    verification once each, back to back), so that both see the same machine load.
    Each checkout builds its own log (the node layouts differ) in one work directory.
    """
    codes = {"baseline": baseline, "new": str(Path(__file__).resolve().parents[1])}
    work = tempfile.mkdtemp(prefix="bench-audit-")
    samples: dict[str, dict[str, list[object]]] = {name: {} for name in codes}

    def run(name: str, what: str) -> None:
        env = {**os.environ, "FTS_BENCH_CODE": codes[name]}
        db = os.path.join(work, f"{name}.db")
        proc = subprocess.run([sys.executable, __file__, "--phase", what, "--db", db,
                               "--entries", str(entries), "--runs", str(runs)], env=env,
                              check=True, stdout=subprocess.PIPE, text=True)
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"{name:8} {what:8} {result}", flush=True)
        for label, value in result.items():
            samples[name].setdefault(label, []).append(value)

    order = ["baseline", "new"]
    for r in range(rounds):
        for name in order if r % 2 == 0 else order[::-1]:
            run(name, "appends")
    for name in order:
        run(name, "build")
    for r in range(rounds):
        for name in order if r % 2 == 0 else order[::-1]:
            run(name, "proofs")
    for name in order:
        run(name, "verify")
    print(f"\n| measure ({entries:,} entries; median of runs) | baseline | new | new / baseline |")
    print("|---|---|---|---|")
    for label, values in samples["baseline"].items():
        old = statistics.median(values) if not isinstance(values[0], bool) else all(values)
        got = samples["new"][label]
        new = statistics.median(got) if not isinstance(got[0], bool) else all(got)
        ratio = "-" if isinstance(old, bool) or not old else f"{new / old:.2f}"
        fmt = (lambda v: f"{v:,.2f}" if isinstance(v, float) and v < 100 else f"{v:,.0f}"
               ) if not isinstance(old, bool) else str
        print(f"| {label} | {fmt(old)} | {fmt(new)} | {ratio} |")
    print(f"\n(work directory {work}; delete it when done)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--baseline", help="another checkout to measure side by side")
    parser.add_argument("--rounds", type=int, default=3,
                        help="with --baseline: alternating rounds of appends and proofs")
    parser.add_argument("--phase", choices=["appends", "build", "proofs", "verify"],
                        help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline:
        compare(args.baseline, args.entries, args.runs, args.rounds)
    elif args.phase:
        print(json.dumps(phase(args.phase, args.db, args.entries, args.runs)))
    else:
        measure(args.entries, args.runs)


if __name__ == "__main__":
    main()
