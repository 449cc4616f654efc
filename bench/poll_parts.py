"""Where the CPU of a poll without screening goes, part by part, and what it stored.

    python3 bench/poll_parts.py --trees /work/wt/open-base,/work/wt/open [--rounds 2]
                                [--backend sqlite|postgresql] [--envelopes 2000]
                                [--profile DIR]

The setting of ``bench/bench_poll_e2e.py`` (the partner AAA serves from a process of
its own, ``fts-share serve``; the node BBB polls it in a fresh process, pages of 100,
``Poller.poll_peer`` in the main thread). In the polling process each part of the
receive path is wrapped to add up its thread CPU (nested parts are indented and
included in their parent), and ``gc.callbacks`` add up the cyclic collector's time
by generation. Printed per tree: microseconds of thread CPU per envelope, medians
over the rounds.

With SQLite the homes are set up once and BBB's home and database are restored
before each poll, so every tree receives the very same envelopes; then a digest of
what BBB stored (received envelopes, notice rows and their decrypted content, audit
entries; times, nonces, ciphertexts and data keys left out, they are fresh per run)
must be the same for every tree. With PostgreSQL each poll is set up afresh (the
digest then differs between runs: notice ids are random).

With ``--profile DIR`` the parts are not timed: the poll runs under cProfile with
``time.process_time`` as its clock, and each poll leaves ``DIR/TREE-ROUND.prof`` (for
``pstats``).
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable

#: (module, attribute, label); a label's indent shows what it is part of.
PARTS = [
    ("fts_share.services.polling", "fetch_page", "fetch a page (HTTP, strict parse, page check)"),
    ("fts_share.federation.poller", "verify_page", "  page check (digests, index signature)"),
    ("fts_share.services.polling.Poller", "_commit_page", "commit a page (all of it below)"),
    ("fts_share.services.polling", "ingest_page", "  ingest the page"),
    ("fts_share.federation.opening", "verify_item", "    verify (outer Ed25519, structure, header, schema)"),
    ("fts_share.federation.opening", "signed_header", "    verify (outer Ed25519, structure, header)"),
    ("fts_share.federation.opening", "envelope_problem", "    envelope schema (compiled)"),
    ("fts_share.federation.opening", "decrypt_item", "    open (HPKE, AES-GCM, parse, JCS, inner Ed25519)"),
    ("fts_share.crypto.envelope", "verify_signature", "      Ed25519 checks (both)"),
    ("fts_share.crypto.envelope", "_decrypt", "      HPKE + AES-GCM"),
    ("fts_share.crypto.envelope", "_parse_plaintext", "      strict parse of the plaintext"),
    ("fts_share.federation.opening", "content_problem", "    statement schema (compiled)"),
    ("fts_share.federation.opening", "_read", "    read the subject"),
    ("fts_share.services.receiving", "_accept", "    accept (chain, seal at rest, audit entry)"),
    ("fts_share.services.receiving.notice_store", "seal_version", "      seal at rest"),
    ("fts_share.services.receiving", "record", "      audit entry"),
    ("fts_share.services.receiving.PageState", "flush", "    bulk inserts (versions, keys, received)"),
    ("fts_share.services.receiving", "_learn", "    what is held of the page (queries)"),
    ("fts_share.services.polling.logcheck", "check_page", "  tree heads of the page"),
    ("fts_share.storage.audit_store._AppendState", "write", "  audit rows written (at commit or query)"),
]


def _resolve(dotted: str) -> Any:
    import importlib

    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for name in parts[i:]:
            obj = getattr(obj, name)
        return obj
    raise ImportError(dotted)


def child(home: str, envelopes: int, profile: str | None = None) -> dict[str, Any]:
    """In the polling process: poll once with every part timed (or, with ``profile``,
    under cProfile, saved there); the figures."""
    sys.path.insert(0, str(ROOT / "bench" / "matching"))
    from query_phases import timed  # this checkout's, whatever tree is measured

    cpu: collections.Counter[str] = collections.Counter()
    if profile is None:
        for dotted, name, label in PARTS:
            owner = _resolve(dotted)
            if hasattr(owner, name):  # a part another tree has not: not timed there
                timed(cpu, owner, name, label)
    import gc

    gc_cpu: dict[str, float] = collections.defaultdict(float)
    started: dict[str, float] = {}

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started["t"] = time.thread_time()
        else:
            gc_cpu[f"cyclic collector, generation {info['generation']}"] += \
                time.thread_time() - started["t"]
    gc.callbacks.append(on_gc)
    from fts_share.services import running
    from fts_share.services.polling import Poller

    node = running.open_node(Path(home))
    node.config.federation.page_limit = 100
    poller = Poller(node)
    import cProfile

    profiler = cProfile.Profile(time.process_time) if profile else None
    t0 = time.thread_time()
    for member in poller.partners():
        if profiler is not None:
            profiler.enable()
        report = poller.poll_peer(member, force=True)
        if profiler is not None:
            profiler.disable()
        if not report.ok or report.result.received != envelopes:
            raise RuntimeError(f"poll: {report}")
    total = time.thread_time() - t0
    if profiler is not None and profile is not None:
        profiler.dump_stats(profile)
    gc.callbacks.remove(on_gc)
    poller.receive_pool.close()
    out = {"total": total, **cpu, **gc_cpu}
    digest, counts = stored_digest(node)
    node.close()
    return {"us": {k: 1e6 * v / envelopes for k, v in out.items()}, "digest": digest,
            "counts": counts}


def stored_digest(node: Any) -> tuple[str, dict[str, int]]:
    """A digest of what ``node`` stores that does not change from run to run."""
    from sqlalchemy import select

    from fts_share.storage.audit_tables import AuditEntry
    from fts_share.storage.models import Notice, ReceivedEnvelope
    from fts_share.storage.notices import read_content

    h, counts = hashlib.sha256(), {}
    with node.store.read() as s:
        received = s.scalars(select(ReceivedEnvelope).order_by(
            ReceivedEnvelope.origin, ReceivedEnvelope.seq)).all()
        for r in received:
            h.update(json.dumps([r.origin, r.seq, r.link_n, r.digest, r.prev, r.kind, r.label,
                                 str(r.created), r.decrypted, r.envelope]).encode())
        notices = s.scalars(select(Notice).order_by(Notice.notice_id, Notice.version)).all()
        for n in notices:
            content = read_content(s, node.storage_key, n) if n.purged_at is None else None
            h.update(json.dumps([n.notice_id, n.version, n.origin, n.authored, n.status,
                                 n.label, n.caveats, n.legal_basis, n.recipients,
                                 n.named_users, str(n.review_date), n.subject_sex,
                                 n.subject_minor, n.movement_kind, n.officer,
                                 n.envelope_digest, content], sort_keys=True).encode())
        entries = s.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        for e in entries:
            h.update(json.dumps([e.seq, e.actor, e.action, e.object_type, e.object_id,
                                 e.object_version, e.partner, e.purpose, e.legal_basis,
                                 e.outcome, e.detail], sort_keys=True).encode())
        counts = {"received": len(received), "notices": len(notices), "audit": len(entries)}
    return h.hexdigest()[:16], counts


def _env(tree: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tree), str(tree / "tests"), str(ROOT / "bench")])
    return env


def _setup(tree: Path, backend: str, envelopes: int, pg_admin: str | None) -> dict[str, Any]:
    cmd = [PY, str(ROOT / "bench" / "bench_poll_e2e.py"), "--setup", "--tree", str(tree),
           "--backend", backend, "--envelopes", str(envelopes)]
    out = subprocess.run(cmd + (["--pg-admin", pg_admin] if pg_admin else []),
                         env=_env(tree), capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _sqlite_db(home: str) -> Path:
    text = (Path(home) / "config.toml").read_text()
    url = next(line for line in text.splitlines() if line.startswith("database_url"))
    return Path(url.split("sqlite:///", 1)[1].rstrip('"'))


def _restore(homes: dict[str, Any], saved: Path) -> None:
    db = _sqlite_db(homes["bbb"])
    shutil.rmtree(homes["bbb"])
    shutil.copytree(saved / "home", homes["bbb"])
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    shutil.copy(saved / "db", db)


def _poll(tree: Path, homes: dict[str, Any], envelopes: int,
          profile: str | None = None) -> dict[str, Any]:
    server = subprocess.Popen([PY, "-m", "fts_share", "serve", homes["aaa"], "--no-poll",
                               "--port", str(homes["port"])], env=_env(tree),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{homes['port']}/readyz",
                                            timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        proc = subprocess.run([PY, __file__, "--child", homes["bbb"],
                               "--envelopes", str(envelopes)]
                              + (["--profile", profile] if profile else []),
                              env=_env(tree), capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr[-3000:])
        return dict(json.loads(proc.stdout.strip().splitlines()[-1]))
    finally:
        server.terminate()
        server.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trees", default=str(ROOT))
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    ap.add_argument("--envelopes", type=int, default=2000)
    ap.add_argument("--profile", help="a directory: profile each poll instead (cProfile)")
    ap.add_argument("--child")
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.envelopes, args.profile)))
        return 0
    trees = [Path(t).resolve() for t in args.trees.split(",")]
    runs: dict[Path, list[dict[str, Any]]] = {t: [] for t in trees}
    pg = None
    if args.backend == "postgresql":
        sys.path.insert(0, str(ROOT / "tests"))
        import pg_server

        pg = pg_server.start()
    try:
        admin = pg.url("postgres") if pg is not None else None
        homes = saved = None
        if pg is None:
            homes = _setup(trees[0], "sqlite", args.envelopes, None)
            saved = Path(tempfile.mkdtemp(prefix="fts-poll-parts-"))
            shutil.copytree(homes["bbb"], saved / "home")
            shutil.copy(_sqlite_db(homes["bbb"]), saved / "db")
        for n in range(args.rounds):
            for tree in trees:
                prof = (str(Path(args.profile).resolve() / f"{tree.name}-{n}.prof")
                        if args.profile else None)
                if homes is not None and saved is not None:
                    _restore(homes, saved)
                    got = _poll(tree, homes, args.envelopes, prof)
                else:
                    got = _poll(tree, _setup(tree, "postgresql", args.envelopes, admin),
                                args.envelopes, prof)
                print(json.dumps({"tree": str(tree), **got}), file=sys.stderr)
                runs[tree].append(got)
    finally:
        if pg is not None:
            pg.stop()
    seen = {k for rs in runs.values() for r in rs for k in r["us"]}
    labels = ["total"] + [label for *_, label in PARTS] + sorted(
        k for k in seen if k.startswith("cyclic"))
    print(f"| part ({args.backend}; thread CPU, us per envelope, median of "
          f"{args.rounds}) | " + " | ".join(str(t) for t in trees) + " |")
    print("|---|" + "---:|" * len(trees))
    for label in labels:
        cells = [statistics.median(r["us"].get(label, 0.0) for r in runs[t]) for t in trees]
        print(f"| {label.replace(' ', '&nbsp;', len(label) - len(label.lstrip()))} | "
              + " | ".join(f"{c:.0f}" for c in cells) + " |")
    print("| stored digest | " + " | ".join(
        ", ".join(sorted({r["digest"] for r in runs[t]})) for t in trees) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
