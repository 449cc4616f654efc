"""The reading side of a poll before storage, step by step, on the very pages a poll gets.

    python3 bench/verify_parts.py --trees /work/wt/verify-base,/work/wt/verify
                                  [--rounds 7] [--reps 3] [--envelopes 2000] [--stub]

The setting of ``bench/poll_parts.py``: the partner AAA serves 2,000 envelopes for BBB
from ``fts-share serve``. Its feed pages (100 envelopes each) are fetched once, as
raw bytes; then, in one process per tree and round (the order alternating), each
step of receiving them runs over every page before the next step, ``--reps`` times,
and its thread CPU is added up: the strict parse of the page, the page check
(``verify_page``: digests, index signature), each envelope's signature and header
(``signed_header``), its schema (``envelope_problem``), opening (``decrypt_item``),
the statement's schema (``content_problem``) and reading the subject (``_read``).
Medians over the rounds, µs per envelope. ``--stub`` also runs every step with
Ed25519 a no-op and HPKE + AES-GCM returning the plaintext they would give (taken
from a first pass), which leaves the Python code's own work. The heap is frozen after
the first pass (``gc.freeze``), as a poll does; the cyclic collector's runs count in
the step that brings them on.

A digest of every step's results (headers, opened statements, refusals) must be the
same for every tree. Nothing is stored: no database work is measured.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
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
STEPS = ["parse", "page check", "signed_header", "envelope schema", "open",
         "statement schema", "read subject"]


def _capture(home: str, port: int, envelopes: int, out: Path) -> None:
    """In a process of the tree measured: fetch every page as raw bytes."""
    from fts_share.clock import utcnow
    from fts_share.federation.http import PartnerClient
    from fts_share.services import running

    node = running.open_node(Path(home))
    client = PartnerClient(key=node.signer())
    bodies, after = [], 0
    while after < envelopes:
        url = f"http://127.0.0.1:{port}/api/v1/feed?after={after}&limit=100"
        resp = client.request("GET", url, now=utcnow())
        bodies.append(resp.body)
        after = json.loads(resp.body)["index"]["next"]
    out.write_bytes(pickle.dumps(bodies))
    node.close()


def _stubbed(plain: dict[bytes, bytes]) -> Any:
    """Patch Ed25519 to a no-op and HPKE + AES-GCM to return ``plain`` (by header)."""
    from fts_share.crypto import envelope

    saved = {n: getattr(envelope, n) for n in ("verify_signature", "_decrypt")}
    envelope.verify_signature = lambda *a, **k: None  # type: ignore[assignment]
    envelope._decrypt = lambda body, header, *a: plain[header.canonical]  # type: ignore
    from fts_share.federation import feed
    saved_feed = feed.verify_signature
    feed.verify_signature = lambda *a, **k: None  # type: ignore[assignment]

    def undo() -> None:
        for n, v in saved.items():
            setattr(envelope, n, v)
        feed.verify_signature = saved_feed
    return undo


def _run_steps(node: Any, bodies: list[bytes], cpu: dict[str, float], h: Any) -> None:
    from fts_share.clock import parse_rfc3339
    from fts_share.errors import ProtocolError
    from fts_share.federation import opening
    from fts_share.federation.envelopes import Receiver, content_problem
    from fts_share.federation.feed import verify_page
    from fts_share.jsontext import loads

    roster, me = node.roster, Receiver(code=node.code, keys=node.encryption)
    origin = "AAA"

    def step(name: str, fn: Any, items: list[Any]) -> list[Any]:
        t0 = time.thread_time()
        out = [fn(x) for x in items]
        cpu[name] = cpu.get(name, 0.0) + time.thread_time() - t0
        return out

    pages = step("parse", lambda b: loads(b, error=ProtocolError), bodies)
    nows = [parse_rfc3339(p["index"]["issued"]) for p in pages]
    verified = step("page check", lambda pn: verify_page(
        pn[0], roster=roster, origin=origin, recipient=node.code,
        after=pn[0]["index"]["after"], limit=100, now=pn[1]), list(zip(pages, nows)))
    items = [(it, now) for v, now in zip(verified, nows) for it in v.items]
    signed = step("signed_header", lambda x: opening._signed(
        x[0], roster=roster, origin=origin, me=node.code, now=x[1]), items)
    headers = step("envelope schema", lambda x: opening._conforming(x[0][0], x[1]),
                   list(zip(items, signed)))
    opened = step("open", lambda x: opening._decrypted(x[0][0], x[1], me, roster),
                  list(zip(items, headers)))
    invalid = step("statement schema", lambda o: content_problem(o)
                   if not isinstance(o, Exception) else None, opened)
    reads = step("read subject", lambda o: opening._read(o)
                 if not isinstance(o, Exception) else None, opened)
    for hd, o, w, r in zip(headers, opened, invalid, reads):
        h.update(repr((getattr(hd, "digest", hd), getattr(hd, "canonical", None),
                       getattr(o, "signed", o), getattr(o, "payload", None), w,
                       r)).encode())


def child(home: str, pages_file: str, reps: int, stub: bool) -> dict[str, Any]:
    from fts_share.crypto import envelope
    from fts_share.services import running

    node = running.open_node(Path(home))
    bodies = pickle.loads(Path(pages_file).read_bytes())
    n = sum(len(json.loads(b)["envelopes"]) for b in bodies)
    plain: dict[bytes, bytes] = {}
    real = envelope._decrypt

    def keep(body: Any, header: Any, *a: Any) -> bytes:
        plain[header.canonical] = real(body, header, *a)
        return plain[header.canonical]
    envelope._decrypt = keep  # type: ignore[assignment]
    h = hashlib.sha256()
    _run_steps(node, bodies, {}, h)  # warm-up, and the plaintexts for --stub
    envelope._decrypt = real  # type: ignore[assignment]
    import gc

    gc.collect()
    gc.freeze()  # as a poll does (fts_share.heap.settle_once)
    out: dict[str, Any] = {"digest": h.hexdigest()[:16]}
    for variant in (["real", "stubbed"] if stub else ["real"]):
        undo = _stubbed(plain) if variant == "stubbed" else None
        cpu: dict[str, float] = {}
        for _ in range(reps):
            _run_steps(node, bodies, cpu, hashlib.sha256())
        if undo:
            undo()
        us = {k: 1e6 * v / (n * reps) for k, v in cpu.items()}
        us["total"] = sum(us.values())
        out[variant] = us
    node.close()
    return out


def _env(tree: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tree), str(tree / "tests"), str(ROOT / "bench")])
    return env


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trees", default=str(ROOT))
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--envelopes", type=int, default=2000)
    ap.add_argument("--stub", action="store_true")
    ap.add_argument("--keep", help="a directory: keep the homes and pages there, and reuse "
                    "them when they are there already")
    ap.add_argument("--child", nargs=2)
    ap.add_argument("--capture", nargs=3)
    args = ap.parse_args(argv)
    if args.capture:
        _capture(args.capture[0], int(args.capture[1]), args.envelopes, Path(args.capture[2]))
        return 0
    if args.child:
        print(json.dumps(child(args.child[0], args.child[1], args.reps, args.stub)))
        return 0
    trees = [Path(t).resolve() for t in args.trees.split(",")]
    keep = Path(args.keep) if args.keep else None
    if keep is not None and (keep / "homes.json").exists():
        homes, pages = json.loads((keep / "homes.json").read_text()), keep / "pages.pickle"
    else:
        homes, pages = _prepare(trees[0], args.envelopes, keep)
    _compare(trees, homes, pages, args)
    if keep is None:
        shutil.rmtree(Path(homes["aaa"]).parent, ignore_errors=True)
        shutil.rmtree(pages.parent, ignore_errors=True)
    return 0


def _prepare(tree: Path, envelopes: int, keep: Path | None) -> tuple[dict[str, Any], Path]:
    """Set up the homes and fetch the pages (with ``tree``)."""
    cmd = [PY, str(ROOT / "bench" / "bench_poll_e2e.py"), "--setup", "--tree", str(tree),
           "--backend", "sqlite", "--envelopes", str(envelopes)]
    setup = subprocess.run(cmd, env=_env(tree), capture_output=True, text=True, check=True)
    homes = json.loads(setup.stdout.strip().splitlines()[-1])
    work = keep or Path(tempfile.mkdtemp(prefix="verify-parts-"))
    work.mkdir(parents=True, exist_ok=True)
    pages = work / "pages.pickle"
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
        subprocess.run([PY, __file__, "--capture", homes["bbb"], str(homes["port"]),
                        str(pages), "--envelopes", str(envelopes)],
                       env=_env(tree), check=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    (work / "homes.json").write_text(json.dumps(homes))
    return homes, pages


def _compare(trees: list[Path], homes: dict[str, Any], pages: Path,
             args: argparse.Namespace) -> None:
    """Run the steps in one process per tree and round; print the medians."""
    runs: dict[Path, list[dict[str, Any]]] = {t: [] for t in trees}
    for r in range(args.rounds):
        for tree in (trees if r % 2 == 0 else trees[::-1]):
            proc = subprocess.run([PY, __file__, "--child", homes["bbb"], str(pages),
                                   "--reps", str(args.reps)] + (["--stub"] if args.stub else []),
                                  env=_env(tree), capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                raise RuntimeError(proc.stderr[-3000:])
            runs[tree].append(json.loads(proc.stdout.strip().splitlines()[-1]))
    print(f"load average {os.getloadavg()[0]:.2f}; {args.rounds} rounds x {args.reps} reps")
    print("| µs per envelope | " + " | ".join(t.name for t in trees)
          + (" | ratio |" if len(trees) == 2 else " |"))
    print("|---|" + "---:|" * (len(trees) + (1 if len(trees) == 2 else 0)))
    for variant in (["real", "stubbed"] if args.stub else ["real"]):
        for name in [*STEPS, "total"]:
            meds = [statistics.median(x[variant][name] for x in runs[t]) for t in trees]
            ratio = f" | {meds[1] / meds[0]:.3f}" if len(meds) == 2 else ""
            print(f"| {variant}: {name} | " + " | ".join(f"{m:.1f}" for m in meds)
                  + ratio + " |")
    print("| digest | " + " | ".join(
        ",".join(sorted({x["digest"] for x in runs[t]})) for t in trees) + " |")


if __name__ == "__main__":
    sys.exit(main())
