"""Federation benchmarks: feed ingestion rate, and an 80-node coalition converging.

    python3 bench/bench_federation.py [--envelopes N] [--nodes N] [--notices N]
                                      [--skip-ingest] [--skip-coalition]
                                      [--write bench/RESULTS-federation.md]

1. **Ingestion** (SQLite and PostgreSQL; PostgreSQL 15 started in a temporary folder
   as the tests do): an origin publishes N notices to one partner; the partner then
   checks each feed page (index signature, link positions, digests), verifies every
   envelope's signature, decrypts it, verifies the inner signature and stores the
   notice (encrypted at rest) with its audit entry, a page of 100 per transaction, as
   the poller does. Measured twice: on pages already fetched (verification, decryption
   and storage only) and end to end by the poller over HTTP (waitress on 127.0.0.1,
   signed requests, the origin building and signing the pages). No screening hook.
2. **Coalition**: N nodes (default 80) as real HTTP servers in one process on 127.0.0.1
   (Werkzeug's threaded server: waitress's select() loop fails once the process holds
   more than 1024 file descriptors, which 80 nodes with their databases do), each with its own SQLite database; 1,000 notices
   published through the officer API from random origins to mixed recipient sets
   (named 1-5, named 6-30, all members, members and observers). Then every node polls
   every partner, in rounds, until a round brings nothing new. Checked: every notice
   version is held by exactly its recipients, and by none of them twice.

Figures are wall-clock on this machine; this is a benchmark, not a timed test.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import os
import platform
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import pg_server
from coalition import build, notice
from sqlalchemy import create_engine, func, select, text

from fts_share.clock import utcnow
from fts_share.federation import http as fed_http
from fts_share.federation.feed import build_page, verify_page
from fts_share.notices.rules import Actor
from fts_share.services import publishing
from fts_share.services.dissemination import sender
from fts_share.services.polling import Poller
from fts_share.services.receiving import ingest_page
from fts_share.storage import Store
from fts_share.storage.models import Notice, ReceivedEnvelope
from fts_share.storage.outbox import SqlOutbox

PAGE = 100
NAMES = ["Karim Benali", "كريم بن علي", "Abu Bakr al-Baghdadi", "أبو بكر البغدادي",
         "Mohamed Abdallah", "محمد عبد الله", "Salah Eddine", "صلاح الدين"]


_RUNS = itertools.count()


class Urls:
    """Fresh migrated databases on one backend (as tests/conftest.py makes them)."""

    def __init__(self, backend: str, folder: Path, pg: pg_server.PgServer | None) -> None:
        self.backend, self.folder, self.pg = backend, folder, pg
        self.counter = itertools.count()
        self.prefix = f"bench_{next(_RUNS)}"  # several runs on one server
        if pg is not None:
            admin = create_engine(pg.url("postgres"), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f"CREATE DATABASE {self.prefix}_template"))
            admin.dispose()
            store = Store(pg.url(f"{self.prefix}_template"))
            store.create_schema()
            store.dispose()

    def __call__(self) -> str:
        n = next(self.counter)
        if self.pg is None:
            url = f"sqlite:///{self.folder / f'db{n}.db'}"
            store = Store(url)
            store.create_schema()
            store.dispose()
            return url
        admin = create_engine(self.pg.url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.prefix}_{n}" '
                              f'TEMPLATE {self.prefix}_template'))
        admin.dispose()
        return self.pg.url(f"{self.prefix}_{n}")


def _notice_body(rng: random.Random, recipients: list[str] | None = None,
                 audience: str = "named") -> dict[str, Any]:
    names = rng.sample(NAMES, 2)
    return notice(recipients=recipients, audience=audience,
                  names=[{"full": names[0], "kind": "primary"},
                         {"full": names[1], "kind": "spelling"}])


# -- 1. ingestion ---------------------------------------------------------------------
def bench_ingest(backend: str, envelopes: int, pg: pg_server.PgServer | None,
                 screening: bool = False) -> dict[str, Any]:
    """Envelopes verified, decrypted and stored per second; with ``screening``, as the
    poller runs it: every notice screened on arrival against the UN list excerpt and
    the subjects received before it, alerts raised, the subject indexed."""
    folder = Path(tempfile.mkdtemp(prefix=f"fts-bench-{backend}-"))
    urls = Urls(backend, folder, pg)
    c = build(folder, urls, [("AAA", "member"), ("BBB", "member")], start=False)
    a, b = c["AAA"], c["BBB"]
    hook = None
    if screening:
        from fts_share.services.screening import screening_hook
        from fts_share.services.unit import Work
        from fts_share.services.watchlist_import import import_un_file
        with b.node.store.transaction() as s:
            import_un_file(Work(s, utcnow(), b.node), ROOT / "fixtures" / "un-excerpt.xml",
                           actor="system")
        hook = screening_hook(b.node)
    try:
        rng = random.Random(1)
        actor = Actor(name="aaa-officer", role="officer")
        t0 = time.perf_counter()
        for start in range(0, envelopes, 100):
            with a.node.store.transaction() as s:
                for _ in range(min(100, envelopes - start)):
                    data = publishing.read_notice_input(a.node.config,
                                                        _notice_body(rng, ["BBB"]))
                    publishing.publish(Work(session=s, now=utcnow(), node=a.node), data=data,
                                       actor=actor)
        publish_s = time.perf_counter() - t0
        # Pages as they come over the wire (JSON text), built and signed by the origin.
        pages: list[tuple[int, str]] = []
        with a.node.store.transaction() as s:
            for after in range(0, envelopes, PAGE):
                work = Work(session=s, now=utcnow(), node=a.node)
                page, _ = build_page(SqlOutbox(s), sender(work), partner="BBB", after=after,
                                     limit=PAGE, now=work.now)
                pages.append((after, json.dumps(page)))
        wire = sum(len(p) for _, p in pages)
        t0 = time.perf_counter()
        for after, raw in pages:
            now = utcnow()
            page = verify_page(json.loads(raw), roster=b.node.roster, origin="AAA",
                               recipient="BBB", after=after, limit=PAGE, now=now)
            with b.node.store.transaction() as s:
                res = ingest_page(Work(session=s, now=now, node=b.node), page=page,
                                  on_notice=hook)
                assert res.decrypted == len(page.items) and res.rejected == 0
        ingest_s = time.perf_counter() - t0
        assert _count(b, ReceivedEnvelope) == envelopes
        # End to end over HTTP: a second recipient database polls the origin's server.
        with b.node.store.transaction() as s:
            s.execute(text("DELETE FROM alerts"))
            for table in ("notice_keys", "notices", "received", "peers"):
                s.execute(text(f"DELETE FROM {table}"))
        a.start()
        b.node.config.federation.page_limit = PAGE
        t0 = time.perf_counter()
        report = Poller(b.node).poll_peer(b.node.roster.members["AAA"], force=True)
        while report.ok and _count(b, ReceivedEnvelope) < envelopes:
            report = Poller(b.node).poll_peer(b.node.roster.members["AAA"], force=True)
        http_s = time.perf_counter() - t0
        assert report.ok, report.error
        assert _count(b, ReceivedEnvelope) == envelopes == _count(b, Notice)
        return {"backend": backend + (", screening on arrival" if screening else ""),
                "envelopes": envelopes, "publish_s": publish_s,
                "ingest_s": ingest_s, "ingest_rate": envelopes / ingest_s,
                "http_s": http_s, "http_rate": envelopes / http_s, "wire_bytes": wire}
    finally:
        c.close()


def _count(member: Any, model: Any) -> int:
    with member.node.store.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)))


# -- 2. the coalition -------------------------------------------------------------------
class Meter:
    """Counts partner requests and the bytes they move (request line, headers, bodies)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = self.sent = self.received = 0
        self.real = fed_http.PartnerClient.request

    def install(self) -> None:
        meter = self

        def request(client: Any, method: str, url: str, **kw: Any) -> Any:
            resp = meter.real(client, method, url, **kw)
            with meter.lock:
                meter.requests += 1
                # request line + the signature headers + Accept (~ what goes on the wire)
                meter.sent += len(method) + len(url) + 420
                meter.received += len(resp.body) + 150
            return resp

        fed_http.PartnerClient.request = request  # type: ignore[method-assign]

    def uninstall(self) -> None:
        fed_http.PartnerClient.request = self.real  # type: ignore[method-assign]


def _audience(rng: random.Random, codes: list[str], members: list[str],
              origin: str) -> tuple[str, list[str]]:
    roll = rng.random()
    others = [c for c in codes if c != origin]
    if roll < 0.45:
        return "named", rng.sample(others, min(len(others), rng.randint(1, 5)))
    if roll < 0.80:
        return "named", rng.sample(others, min(len(others), rng.randint(6, 30)))
    if roll < 0.93:
        return "all-members", [c for c in members if c != origin]
    return "members-and-observers", others


def bench_coalition(n_nodes: int, n_notices: int, workers: int) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="fts-bench-coalition-"))
    urls = Urls("sqlite", folder, None)
    codes = []
    for i in range(n_nodes):
        codes.append("".join(chr(65 + (i // 26 ** k) % 26) for k in (2, 1, 0)))
    observers = set(codes[-max(1, n_nodes // 10):])
    roles = [(code, "observer" if code in observers else "member") for code in codes]
    pq = {code: i % 2 == 0 for i, code in enumerate(codes)}  # half offer hybrid PQ keys
    t0 = time.perf_counter()
    c = build(folder, urls, roles, post_quantum=pq, start=False)
    servers = [_serve(m) for m in c.members.values()]
    # The servers took free ports of their own: publish the roster with those URLs.
    c.version += 1
    c.publish_roster(c.roster_document(version=c.version, now=utcnow()))
    setup_s = time.perf_counter() - t0
    members = [code for code, role in roles if role == "member"]
    try:
        expected: dict[str, set[str]] = {}  # notice id -> recipients
        t0 = time.perf_counter()

        def publish_one(i: int) -> None:
            r = random.Random(1000 + i)
            origin = r.choice(codes)
            audience, named = _audience(r, codes, members, origin)
            body = _notice_body(r, named if audience == "named" else None, audience)
            status, doc, _ = c[origin].api("POST", "/api/v1/notices", token="officer",
                                           body=body)
            assert status == 201, doc
            expected[doc["id"]] = set(doc["recipients"])

        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(publish_one, range(n_notices)))
        publish_s = time.perf_counter() - t0
        deliveries = sum(len(r) for r in expected.values())
        meter = Meter()
        meter.install()
        rounds: list[dict[str, Any]] = []
        t0 = time.perf_counter()
        try:
            while True:
                r0 = time.perf_counter()

                def poll(code: str) -> tuple[int, int, int]:
                    reports = Poller(c[code].node).poll_all(force=True)
                    return (sum(r.result.received for r in reports),
                            sum(r.result.duplicates for r in reports),
                            sum(not r.ok for r in reports))

                with ThreadPoolExecutor(max_workers=workers) as pool:
                    got = list(pool.map(poll, codes))
                received = sum(g[0] for g in got)
                rounds.append({"received": received, "duplicates": sum(g[1] for g in got),
                               "failed_polls": sum(g[2] for g in got),
                               "seconds": time.perf_counter() - r0})
                print(f"  round {len(rounds)}: {rounds[-1]}", file=sys.stderr)
                if received == 0 or len(rounds) >= 10:
                    break
        finally:
            meter.uninstall()
        total_s = time.perf_counter() - t0
        converge_s = sum(r["seconds"] for r in rounds if r["received"])
        # Check: every notice at exactly its recipients, and none twice.
        held: dict[str, Counter[str]] = {}
        extra = missing = twice = 0
        for code in codes:
            with c[code].node.store.read() as s:
                rows = s.execute(select(Notice.notice_id, Notice.authored)).all()
                dup_env = s.scalar(select(func.count()).select_from(ReceivedEnvelope)) - \
                    s.scalar(select(func.count(func.distinct(ReceivedEnvelope.digest))))
            twice += int(dup_env)
            held[code] = Counter(nid for nid, authored in rows if not authored)
        for nid, recips in expected.items():
            for code in codes:
                k = held[code].get(nid, 0)
                if code in recips:
                    missing += k == 0
                    twice += max(0, k - 1)
                else:
                    extra += k
        return {"nodes": n_nodes, "observers": len(observers), "notices": n_notices,
                "deliveries": deliveries, "setup_s": setup_s, "publish_s": publish_s,
                "rounds": rounds, "converge_s": converge_s, "total_s": total_s,
                "requests": meter.requests, "bytes_sent": meter.sent,
                "bytes_received": meter.received, "missing": missing, "extra": extra,
                "twice": twice, "workers": workers}
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
        c.close()


def _serve(member: Any) -> Any:
    """Serve ``member``'s app on its port. Waitress watches its sockets with select(),
    which fails once a process holds more than 1024 descriptors (80 nodes with their
    databases do), so the coalition uses Werkzeug's threaded server (poll-based)."""
    from werkzeug.serving import make_server

    from fts_share.app import create_app

    member.node.config.federation.request_timeout = 120.0
    server = make_server("127.0.0.1", 0, create_app(node=member.node), threaded=True)
    member.url = member.node.config.url = f"http://127.0.0.1:{server.port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# -- output ----------------------------------------------------------------------------
def markdown(ingest: list[dict[str, Any]], co: dict[str, Any] | None, command: str) -> str:
    import cryptography
    import sqlalchemy

    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = ["# Federation benchmark results", "",
           f"Command: `{command}` (from the repository root)", "",
           (f"Date: {now}; machine: CPython {platform.python_version()}, "
           f"cryptography {cryptography.__version__}, SQLAlchemy {sqlalchemy.__version__}, "
           f"{os.cpu_count()} CPUs, {platform.machine()} {platform.system()}."), ""]
    if ingest:
        out += ["## Feed ingestion (target: at least 500 envelopes per second)", "",
                ("Pages of 100; each envelope: page index checked, envelope signature "
                "verified, content key unwrapped (HPKE, hybrid ML-KEM-768 + X25519 for the "
                "recipient), decrypted, inner signature verified, notice stored encrypted "
                "at rest with its audit entry; one transaction per page with the cursor."), "",
                ("| store | envelopes | verify + decrypt + store (env/s) | poll over HTTP, end "
                "to end (env/s) | wire bytes / envelope |"),
                "|---|---:|---:|---:|---:|"]
        for r in ingest:
            out.append(f"| {r['backend']} | {r['envelopes']} | {r['ingest_rate']:.0f} "
                       f"({r['ingest_s']:.2f} s) | {r['http_rate']:.0f} ({r['http_s']:.2f} s) "
                       f"| {r['wire_bytes'] / r['envelopes']:.0f} |")
        out.append("")
    if co:
        sent, recv = co["bytes_sent"], co["bytes_received"]
        out += [f"## Coalition of {co['nodes']} nodes, {co['notices']} notices", "",
                (f"Real HTTP servers: {co['nodes']} HTTP servers (Werkzeug's threaded server: "
                f"waitress's select() loop cannot watch descriptors above 1024) in one "
                f"process on 127.0.0.1, each node with its own SQLite database; "
                f"{co['observers']} observers; half the nodes offer hybrid post-quantum "
                f"keys. Notices published through the officer API (named 1-5 recipients "
                f"45 %, named 6-30 35 %, all members 13 %, members and observers 7 %). "
                f"Then every node polls all {co['nodes'] - 1} partners, {co['workers']} "
                "nodes at a time, in rounds until a round brings nothing new."), "",
                "| measure | value |", "|---|---:|",
                f"| deliveries expected (notice x recipient) | {co['deliveries']} |",
                f"| publishing {co['notices']} notices (API, sealing) | {co['publish_s']:.1f} s |",
                f"| time to converge (rounds that delivered) | {co['converge_s']:.1f} s |",
                f"| total including the final empty round | {co['total_s']:.1f} s |",
                f"| rounds | {len(co['rounds'])} |",
                f"| signed feed requests | {co['requests']} |",
                f"| bytes moved (feed answers) | {recv / 1e6:.1f} MB |",
                f"| bytes moved (requests, estimated) | {sent / 1e6:.1f} MB |",
                f"| bytes per delivery | {recv / max(1, co['deliveries']):.0f} |",
                f"| missing at a recipient | {co['missing']} |",
                f"| held by a non-recipient | {co['extra']} |",
                f"| held twice | {co['twice']} |", "",
                "Rounds: " + "; ".join(
                    f"{i}: {r['received']} received, {r['duplicates']} duplicates, "
                    f"{r['failed_polls']} failed polls, {r['seconds']:.1f} s"
                    for i, r in enumerate(co["rounds"], start=1)), ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--envelopes", type=int, default=2000)
    ap.add_argument("--nodes", type=int, default=80)
    ap.add_argument("--notices", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--skip-ingest", action="store_true")
    ap.add_argument("--skip-coalition", action="store_true")
    ap.add_argument("--write", type=Path)
    ap.add_argument("--screening", action="store_true",
                    help="also measure ingestion with screening on arrival (the poller's way)")
    args = ap.parse_args(argv)
    command = "python3 bench/bench_federation.py " + " ".join(argv if argv is not None
                                                              else sys.argv[1:])
    ingest: list[dict[str, Any]] = []
    if not args.skip_ingest:
        ingest.append(bench_ingest("sqlite", args.envelopes, None))
        print(f"sqlite: {ingest[-1]}", file=sys.stderr)
        if args.screening:
            ingest.append(bench_ingest("sqlite", args.envelopes, None, screening=True))
            print(f"sqlite + screening: {ingest[-1]}", file=sys.stderr)
        try:
            pg = pg_server.start()
        except RuntimeError as exc:
            print(f"PostgreSQL unavailable: {exc}", file=sys.stderr)
        else:
            try:
                ingest.append(bench_ingest("postgresql", args.envelopes, pg))
                print(f"postgresql: {ingest[-1]}", file=sys.stderr)
                if args.screening:
                    ingest.append(bench_ingest("postgresql", args.envelopes, pg,
                                               screening=True))
                    print(f"postgresql + screening: {ingest[-1]}", file=sys.stderr)
            finally:
                pg.stop()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    co = None if args.skip_coalition else bench_coalition(args.nodes, args.notices,
                                                          args.workers)
    text_out = markdown(ingest, co, command.strip())
    print(text_out)
    if args.write:
        args.write.write_text(text_out + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
