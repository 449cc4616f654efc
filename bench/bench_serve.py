"""The partner's side of a poll: CPU seconds a node spends serving its feed pages
(``GET /api/v1/feed``: authenticate, read the link, sign the index, log each delivery,
tree head), per envelope, beside a baseline tree in the same run.

    python3 bench/bench_serve.py [--envelopes 2000] [--baseline /tmp/serve-base]
                                 [--backends sqlite,postgresql] [--rounds 3]
                                 [--profile FILE]

Each measurement runs in a fresh process with the tree under test first on
``sys.path``: node AAA publishes N notices to BBB; BBB then fetches AAA's whole link
(pages of 100, ``fetch_page`` as a poll does, the page verified) through AAA's WSGI app
in the same thread (Werkzeug's test client). Timed: the CPU seconds of the thread
inside AAA's app only (``time.thread_time``), so the receiving side is not counted.
The link is fetched three times (each serving is a delivery, logged); the table gives
the median and the least pass of all rounds. ``--profile FILE`` writes a cProfile of the serving to FILE (this
tree only).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]


def worker(args: argparse.Namespace) -> dict[str, Any]:
    """Publish, then fetch the link three times; print the serving CPU as JSON."""
    sys.path[:0] = [str(args.tree), str(args.tree / "tests"), str(ROOT / "bench")]
    from bench_receive import _urls, publish_for_bbb
    from coalition import build
    from werkzeug.test import Client

    import fts_share
    from fts_share.app import create_app
    from fts_share.clock import utcnow
    from fts_share.federation import http as fed_http
    from fts_share.federation.http import PartnerClient
    from fts_share.federation.poller import fetch_page

    assert Path(fts_share.__file__).resolve().is_relative_to(args.tree.resolve())
    folder = Path(tempfile.mkdtemp(prefix=f"fts-bench-serve-{args.backend}-"))
    c = build(folder, _urls(args.backend, folder, args.pg_admin),
              [("AAA", "member"), ("BBB", "member")], start=False)
    a, b = c["AAA"], c["BBB"]
    spent = [0.0]
    profile = None
    if args.profile:
        import cProfile
        profile = cProfile.Profile()
    try:
        publish_for_bbb(a, args.envelopes)
        app = Client(create_app(node=a.node), use_cookies=False)

        def send(method: str, url: str, *, headers: Any = None, body: bytes | None = None,
                 timeout: float = 10.0, max_bytes: int = 0) -> Any:
            parts = urlsplit(url)
            t0 = time.thread_time()
            if profile is not None:
                profile.enable()
            resp = app.open(parts.path + "?" + parts.query, method=method,
                            headers=dict(headers or {}), data=body,
                            base_url=f"{parts.scheme}://{parts.netloc}")
            data = resp.get_data()
            if profile is not None:
                profile.disable()
            spent[0] += time.thread_time() - t0
            return fed_http.Response(status=resp.status_code, body=data,
                                     headers={k.lower(): v for k, v in resp.headers.items()})

        fed_http.send = send  # type: ignore[assignment]
        client = PartnerClient(key=b.node.signing)
        member = b.node.roster.member("AAA", now=utcnow())
        passes = []
        for _ in range(3):
            spent[0], cursor, got = 0.0, 0, 0
            while True:
                page = fetch_page(client, member, roster=b.node.roster, me="BBB",
                                  cursor=cursor, limit=100, tree_size=None, now=utcnow())
                got += len(page.items)
                if not page.items or page.next >= page.head:
                    break
                cursor = page.next
            assert got == args.envelopes, got
            passes.append(spent[0])
        if profile is not None:
            profile.dump_stats(args.profile)
        cpu = statistics.median(passes)
        return {"tree": str(args.tree), "backend": args.backend, "envelopes": args.envelopes,
                "cpu_s": cpu, "us_per_env": cpu / args.envelopes * 1e6, "passes": passes}
    finally:
        c.close()


def run_one(tree: Path, backend: str, args: argparse.Namespace, pg_admin: str | None,
            profile: str | None = None) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--tree", str(tree),
           "--backend", backend, "--envelopes", str(args.envelopes)]
    cmd += ["--pg-admin", pg_admin] if pg_admin else []
    cmd += ["--profile", profile] if profile else []
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd}: {proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    print(json.dumps(result), file=sys.stderr)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--envelopes", type=int, default=2000)
    ap.add_argument("--baseline", type=Path)
    ap.add_argument("--backends", default="sqlite")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--profile")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--tree", type=Path, default=ROOT, help=argparse.SUPPRESS)
    ap.add_argument("--backend", default="sqlite", help=argparse.SUPPRESS)
    ap.add_argument("--pg-admin", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args)))
        return
    trees = [ROOT] + ([args.baseline.resolve()] if args.baseline else [])
    rows: list[dict[str, Any]] = []
    sys.path.insert(0, str(ROOT / "tests"))
    import pg_server

    pg = pg_server.start() if "postgresql" in args.backends else None
    try:
        for backend in args.backends.split(","):
            admin = pg.url("postgres") if backend == "postgresql" and pg else None
            if args.profile:
                run_one(ROOT, backend, args, admin, profile=args.profile)
            for _ in range(args.rounds):
                for tree in trees:  # alternating, in the same run
                    rows.append(run_one(tree, backend, args, admin))
    finally:
        if pg is not None:
            pg.stop()
    print("| tree | store | rounds | serving CPU-s per pass (median) | us per envelope, "
          "median | least |\n|---|---|---:|---:|---:|---:|")
    for backend in args.backends.split(","):
        for tree in trees:
            mine = [r for r in rows if r["tree"] == str(tree) and r["backend"] == backend]
            passes = [p for r in mine for p in r["passes"]]
            cpu = statistics.median(passes)
            print(f"| {tree.name} | {backend} | {len(mine)} | {cpu:.3f} | "
                  f"{cpu / args.envelopes * 1e6:.0f} | "
                  f"{min(passes) / args.envelopes * 1e6:.0f} |")


if __name__ == "__main__":
    main()
