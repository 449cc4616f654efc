"""The soak (issue 18, item 4): a coalition of 80 nodes over a long run of mixed traffic,
one node down for a stretch and one slow peer; checks that nothing is lost, doubled or
leaked and that memory stays flat.

    python3 bench/bench_soak.py [--nodes 80] [--notices 10000] [--rounds 20] [--seed 18]
                                [--processes 2] [--workers 4] [--quick] [--budget-minutes M]
                                [--down-from R --down-for N] [--json FILE] [--progress FILE]
                                [--append-docs]

Every node is real (its own home, keys and SQLite file, the signed roster, screening on
arrival against the whole UN list, imported once per node from one parse of the file).
The partners' HTTP requests go through an in-process transport: ``PartnerClient``'s
``send`` is replaced by one that hands the signed request to the target node's Flask
app (Werkzeug's test client, the same WSGI call a server makes), so 80 nodes need no
sockets or server threads; the transport counts the answers' bytes, refuses every
request to the node that is down (as a closed port would) and sleeps ``--slow`` seconds
before each answer of the slow peer.

Rounds: a batch of new notices from random members (named 1-3 recipients, 4-10, 11-30,
all members, members and observers), corrections (a new version) and withdrawals of
earlier ones; then every node that is up polls every partner once
(``running.poll_once``, as ``fts-share poll`` does), in shuffled order, ``--workers``
nodes at a time in each polling process; every ``--purge-every`` rounds each node runs
the retention purge (``running.purge``) two days ahead, which purges the notices
published with a review date of tomorrow. After the last batch, rounds go on until one
brings nothing new.

Processes (``bench/soak_workers.py``): with ``--processes 1`` the parent polls (its
threads share one interpreter lock: the rounds used 1.1 of 2 cores at 80 nodes). With
``--processes P`` (default 2, the machine's cores) the parent builds the coalition and
imports the UN list, closes its database connections and forks P persistent workers;
each holds a transport to every node (any node's app can answer in any process: every
node is a SQLite file, whose locks and busy timeout work across processes), builds
the screening indexes of a fixed share of the nodes (node ``i`` in worker ``i % P``)
and polls and purges that share each round, told the round's down node by the parent.
Publishing, the down node's catch-up check and the final checks stay in the parent;
request, refusal and byte counts are each worker's, summed.
With ``--budget-minutes``, publishing stops at the first round that starts after the
budget is spent (the report says how many notices were published of those asked).

Checks (exit status 1 if one fails): every envelope an origin addressed to a partner
(its outbox links) is held by that partner once (received rows per origin and
sequence), none is missing and none is held by a node it was not addressed to; the
audit log verifies on every node (``witnessing.verify_witnessed(offline=True)``, what
``fts-share audit verify --offline`` runs); memory is flat after warm-up: the RSS
(``VmRSS``, sampled at the end of each round after ``gc.collect()``) of the parent and
of every worker, summed, grows under 10 % from the end of the middle publishing round
(round ``rounds // 2``) to the end of the last one, and so does the sum of their
heaps' proportional sets (``Pss_Anon`` of ``/proc/self/smaps_rollup``: a page shared
since the fork counted once over its sharers, where RSS counts it in each, so that the
pages a worker copies from the parent as it writes to them show in this sum and not in
the RSS sum; the anonymous part only, as the PSS of the libraries' pages changes with
the other processes of the machine that map them); the first half
of the run is the warm-up; use ``--rounds`` of 6 or more for the second half to be
several rounds. Beside it the report gives each process's growth, the growth per
delivery received in the second half and SQLite's own heap (``sqlite3_memory_used``:
page caches and prepared statements of every connection), so that what grows can be
told apart.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from bench_receive import UN_XML, subjects
from coalition import Coalition, build, notice, sqlite_databases
from soak_workers import ProcessPolling, ThreadPolling, memory, poll_nodes
from sqlalchemy import func, select
from werkzeug.test import Client

from fts_share.app import create_app
from fts_share.clock import utcnow
from fts_share.errors import ProtocolError, ValidationError
from fts_share.federation import http as fed_http
from fts_share.notices.rules import Actor
from fts_share.services import index_snapshots, publishing, witnessing
from fts_share.services.unit import Work
from fts_share.services.watchlist_import import import_un
from fts_share.storage.models import Alert, OutboxLink, ReceivedEnvelope
from fts_share.watchlist.un_xml import parse_un_xml

#: recipient mix: (share, audience, smallest, largest named set)
AUDIENCES = [(0.52, "named", 1, 3), (0.33, "named", 4, 10), (0.10, "named", 11, 30),
             (0.04, "all-members", 0, 0), (0.01, "members-and-observers", 0, 0)]


def _codes(n: int) -> list[str]:
    return ["".join(chr(65 + (i // 26 ** k) % 26) for k in (2, 1, 0)) for i in range(n)]


def rss_mb() -> float:
    """This process's resident set size in MB (Linux)."""
    return memory()["rss_mb"]


# -- the transport -------------------------------------------------------------------
class Transport:
    """``fed_http.send`` for an in-process coalition: URL -> the node's WSGI app."""

    def __init__(self, c: Coalition, *, slow: str, delay: float) -> None:
        self.clients = {urlsplit(m.url).netloc: (code, Client(create_app(node=m.node),
                                                              use_cookies=False))
                        for code, m in c.members.items()}
        self.slow, self.delay = slow, delay
        self.down: str | None = None
        self.lock = threading.Lock()
        self.requests = self.refused = 0
        self.bytes = 0  # answers: status line, headers and body
        self.real = fed_http.send

    def send(self, method: str, url: str, *, headers: Any = None, body: bytes | None = None,
             timeout: float = 10.0, max_bytes: int = fed_http.MAX_RESPONSE_BYTES
             ) -> fed_http.Response:
        """Hand the request to the target's app; the answer as the network would."""
        parts = urlsplit(url)
        code, client = self.clients[parts.netloc]
        if code == self.down:
            with self.lock:
                self.refused += 1
            raise ProtocolError(f"{url}: [Errno 111] Connection refused")
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        resp = client.open(target, method=method, headers=dict(headers or {}), data=body,
                           base_url=f"{parts.scheme}://{parts.netloc}")
        data = resp.get_data()
        if code == self.slow:
            time.sleep(self.delay)
        hdrs = {k.lower(): v for k, v in resp.headers.items()}
        with self.lock:
            self.requests += 1
            self.bytes += len(data) + 17 + sum(len(k) + len(v) + 4 for k, v in hdrs.items())
        if len(data) > max_bytes:
            raise ProtocolError(f"{url}: answer larger than {max_bytes} bytes")
        return fed_http.Response(status=resp.status_code, body=data, headers=hdrs)

    def install(self) -> None:
        fed_http.send = self.send  # type: ignore[assignment]

    def uninstall(self) -> None:
        fed_http.send = self.real  # type: ignore[assignment]


# -- traffic ---------------------------------------------------------------------------
@dataclass
class Traffic:
    """What the run published, to pick corrections and withdrawals from."""

    rng: random.Random
    codes: list[str]
    members: list[str]
    subjects: list[dict[str, Any]]
    live: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """per origin: its notices that may still be corrected or withdrawn (id, body as
    JSON text: a tenth of the dict's memory, so that the benchmark's own bookkeeping
    does not grow the RSS it checks)"""
    counts: Counter[str] = field(default_factory=Counter)

    def body(self, origin: str, i: int, *, review_soon: bool) -> dict[str, Any]:
        roll, acc = self.rng.random(), 0.0
        for share, audience, lo, hi in AUDIENCES:
            acc += share
            if roll < acc:
                break
        others = [c for c in self.codes if c != origin]
        named = self.rng.sample(others, min(len(others), self.rng.randint(lo, hi)))
        body = notice(recipients=named if audience == "named" else None, audience=audience,
                      **self.subjects[i % len(self.subjects)])
        if review_soon:
            body["handling"]["review_date"] = (date.today() + timedelta(days=1)).isoformat()
        self.counts[audience if audience != "named" else f"named {lo}-{hi}"] += 1
        return body


def readable(config: Any, pool: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The subjects an officer could publish: a recombined name can be a particle or a
    title alone, which publishing refuses (no name the engine can read)."""
    out = []
    for subject in pool:
        try:
            publishing.read_notice_input(config, notice(recipients=["AAA"], **subject))
        except ValidationError:
            continue
        out.append(subject)
    return out


def publish_batch(c: Coalition, t: Traffic, *, start: int, count: int, down: str | None,
                  correct: float, withdraw: float, review_soon: float) -> None:
    """``count`` new notices (numbered from ``start``) from random members that are up,
    with corrections and withdrawals of earlier ones at the given rates (per notice)."""
    origins = [m for m in t.members if m != down]
    by_origin: dict[str, list[int]] = {}
    for i in range(start, start + count):
        by_origin.setdefault(t.rng.choice(origins), []).append(i)
    for origin, numbers in sorted(by_origin.items()):
        node = c[origin].node
        actor = Actor(name=f"{origin.lower()}-officer", role="officer")
        with node.store.transaction() as s:
            for i in numbers:
                work = Work(session=s, now=utcnow(), node=node)
                soon = t.rng.random() < review_soon
                body = t.body(origin, i, review_soon=soon)
                row = publishing.publish(work, data=publishing.read_notice_input(
                    node.config, body), actor=actor)
                t.counts["published"] += 1
                t.counts["review tomorrow"] += soon
                mine = t.live.setdefault(origin, [])
                if not soon:  # those are purged soon: neither corrected nor withdrawn
                    mine.append((row.notice_id, json.dumps(body)))
                if len(mine) > 1 and t.rng.random() < correct:
                    nid, old = mine[t.rng.randrange(len(mine) - 1)]
                    new = json.loads(old)
                    new["subject"]["dob"]["value"] = str(int(new["subject"]["dob"]["value"]) + 1)
                    publishing.update(work, notice_id=nid, data=publishing.read_notice_input(
                        node.config, new), actor=actor)
                    t.counts["corrections"] += 1
                if len(mine) > 1 and t.rng.random() < withdraw:
                    nid, _ = mine.pop(t.rng.randrange(len(mine) - 1))
                    publishing.withdraw(work, notice_id=nid, reason="soak: withdrawn",
                                        actor=actor)
                    t.counts["withdrawals"] += 1


# -- rounds ------------------------------------------------------------------------------
def poll_round(c: Coalition, codes: list[str], rng: random.Random, *, down: str | None,
               workers: int) -> dict[str, int]:
    """Every node that is up polls all its partners once, in shuffled order."""
    order = [x for x in codes if x != down]
    rng.shuffle(order)
    got = poll_nodes(c, order, workers=workers)
    got["errors"] = dict(got["errors"].most_common(3))
    return got


def links_to(c: Coalition, codes: list[str], recipient: str) -> dict[str, tuple[int, int]]:
    """What the coalition has addressed to ``recipient`` so far: origin -> (highest
    sequence, how many envelopes)."""
    out = {}
    for code in codes:
        with c[code].node.store.read() as s:
            top, n = s.execute(select(func.max(OutboxLink.seq), func.count())
                               .where(OutboxLink.recipient == recipient)).one()
        if n:
            out[code] = (int(top), int(n))
    return out


def caught_up(c: Coalition, code: str, target: dict[str, tuple[int, int]]) -> bool:
    """Whether ``code`` holds every envelope of ``target`` (see :func:`links_to`)."""
    with c[code].node.store.read() as s:
        for origin, (top, n) in target.items():
            got = s.scalar(select(func.count()).select_from(ReceivedEnvelope).where(
                ReceivedEnvelope.origin == origin, ReceivedEnvelope.seq <= top))
            if got != n:
                return False
    return True


# -- checks -------------------------------------------------------------------------------
def check_deliveries(c: Coalition, codes: list[str]) -> dict[str, int]:
    """Outbox links of every origin against the received rows of every node."""
    expected: set[tuple[str, str, int]] = set()  # (recipient, origin, seq)
    got: Counter[tuple[str, str, int]] = Counter()
    for code in codes:
        with c[code].node.store.read() as s:
            expected.update((r, code, q) for r, q in s.execute(
                select(OutboxLink.recipient, OutboxLink.seq)))
            got.update((code, o, q) for o, q in s.execute(
                select(ReceivedEnvelope.origin, ReceivedEnvelope.seq)))
    return {"expected": len(expected), "held": sum(got.values()),
            "missing": len(expected - set(got)), "extra": len(set(got) - expected),
            "twice": sum(n - 1 for n in got.values() if n > 1)}


def check_audit(c: Coalition, codes: list[str]) -> dict[str, Any]:
    """``fts-share audit verify --offline`` on every node."""
    bad, entries = [], 0
    for code in codes:
        report, _ = witnessing.verify_witnessed(c[code].node, now=utcnow(), offline=True)
        entries += report.entries
        if not report.ok:
            bad.append(code)
    return {"nodes_ok": len(codes) - len(bad), "bad": bad, "entries": entries}


def alerts_per_node(c: Coalition, codes: list[str]) -> list[int]:
    out = []
    for code in codes:
        with c[code].node.store.read() as s:
            out.append(int(s.scalar(select(func.count()).select_from(Alert))))
    return out


# -- the run ------------------------------------------------------------------------------
def setup(folder: Path, n: int, seed: int, *, indexes: bool = True
          ) -> tuple[Coalition, dict[str, str], float, float]:
    """``n`` nodes (a tenth observers, half with hybrid post-quantum keys), the roster,
    and the UN list on every node (parsed once); then each node's screening index is
    built and its snapshot written, as the first round of ``fts-share serve`` does
    (``index_snapshots.write_if_due``), so that the first poll round is not every
    node's start-up (not with ``indexes`` false: the worker processes build them).
    Returns the import's and the index warm-up's seconds too."""
    codes = _codes(n)
    observers = set(codes[-max(1, n // 10):])
    roles = {code: "observer" if code in observers else "member" for code in codes}
    c = build(folder, sqlite_databases(folder), list(roles.items()),
              post_quantum={code: i % 2 == 0 for i, code in enumerate(codes)}, start=False)
    for m in c.members.values():
        if m.sock is not None:  # no servers: the transport reaches the apps directly
            m.sock.close()
            m.sock = None
    t0 = time.perf_counter()
    parsed = parse_un_xml(UN_XML.read_bytes())
    for m in c.members.values():
        with m.node.store.transaction() as s:
            import_un(Work(s, utcnow(), m.node), parsed, actor="system")
    t1 = time.perf_counter()
    for m in c.members.values() if indexes else ():
        index_snapshots.write_if_due(m.node, utcnow())
    return c, roles, t1 - t0, time.perf_counter() - t1


def start_polling(c: Coalition, codes: list[str], args: argparse.Namespace, *, slow: str
                  ) -> ThreadPolling | ProcessPolling:
    """The rounds' polling: in this process (``--processes 1``) or in worker processes."""
    def make_transport() -> Transport:
        return Transport(c, slow=slow, delay=args.slow)

    if args.processes == 1:
        return ThreadPolling(c, codes, make_transport(), seed=args.seed, workers=args.workers)
    return ProcessPolling(c, codes, make_transport, processes=args.processes,
                          seed=args.seed, workers=args.workers)


def memory_summary(rounds: list[dict[str, Any]], mid: int, last: int) -> dict[str, Any]:
    """Memory at the end of the middle publishing round (index ``mid``) against the end
    of the last one (index ``last``), summed over the processes (RSS, PSS, the heap's
    PSS, SQLite's heap), and each process's growth."""
    def total(i: int, key: str) -> float:
        return float(sum(p[key] for p in rounds[i]["procs"]))

    rss = [total(i, "rss_mb") for i in range(len(rounds))]
    half, end = rss[mid], rss[last]
    second = rounds[mid + 1:last + 1]
    received_second = sum(r["received"] for r in second)
    sqlite_growth = total(last, "sqlite_mb") - total(mid, "sqlite_mb") if second else 0.0
    # The same growth without SQLite's heap: page caches (2 MB a connection by default)
    # and prepared statements (128 a connection) fill up to their bounds with the data,
    # 80 nodes' worth of connections.
    rest = half - total(mid, "sqlite_mb")
    heap_half, heap_end = total(mid, "heap_mb"), total(last, "heap_mb")
    return {"first": rss[0], "mid": half, "end_of_publishing": end, "last": rss[-1],
            "max": max(rss), "growth_second_half": (end - half) / half,
            "second_half_rounds": [mid + 2, last + 1],
            "received_second_half": received_second,
            "kb_per_delivery_second_half": 1024 * (end - half) / max(1, received_second),
            "sqlite_growth_second_half_mb": sqlite_growth,
            "growth_second_half_without_sqlite":
                (end - total(last, "sqlite_mb") - rest) / rest,
            "pss_mid": total(mid, "pss_mb"), "pss_end_of_publishing": total(last, "pss_mb"),
            "heap_mid": heap_half, "heap_end_of_publishing": heap_end,
            "heap_growth_second_half": (heap_end - heap_half) / heap_half,
            "per_process": [{"rss_mid": a["rss_mb"], "rss_end": b["rss_mb"],
                             "heap_mid": a["heap_mb"], "heap_end": b["heap_mb"],
                             "growth": (b["rss_mb"] - a["rss_mb"]) / a["rss_mb"],
                             "heap_growth": (b["heap_mb"] - a["heap_mb"]) / a["heap_mb"]}
                            for a, b in zip(rounds[mid]["procs"], rounds[last]["procs"],
                                            strict=True)]}


def run(args: argparse.Namespace) -> dict[str, Any]:
    """The whole soak; returns the figures and the checks."""
    t_start = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="fts-bench-soak-"))
    c, roles, import_s, warm_s = setup(folder, args.nodes, args.seed,
                                       indexes=args.processes == 1)
    codes = list(roles)
    members = [x for x in codes if roles[x] == "member"]
    slow = members[1]
    down = members[2]
    down_from = args.down_from - 1 if args.down_from else max(1, args.rounds // 4)
    down_until = down_from + (args.down_for or max(2, args.rounds // 4))  # back up then
    traffic = Traffic(rng=random.Random(args.seed + 1), codes=codes, members=members,
                      subjects=readable(c[codes[0]].node.config,
                                        subjects(min(args.notices, 4000), seed=args.seed)))
    polling = start_polling(c, codes, args, slow=slow)
    warm_s += polling.warm_s  # the worker processes' start (their indexes), if any
    setup_s = time.perf_counter() - t_start
    print(f"setup {setup_s:.0f} s ({args.nodes} nodes; UN list imported in {import_s:.0f} s, "
          f"indexes built in {warm_s:.0f} s; {polling.processes} polling process(es))",
          file=sys.stderr)
    rounds: list[dict[str, Any]] = []
    totals: Counter[str] = Counter()
    return_s: float | None = None
    progress = args.progress.open("w") if args.progress else None
    try:
        t_run = time.perf_counter()
        per_round = [args.notices // args.rounds + (i < args.notices % args.rounds)
                     for i in range(args.rounds)]
        start, i = 0, 0
        t_return = None
        target_down: dict[str, tuple[int, int]] = {}
        last_round = args.rounds  # cut short when the time budget runs out
        while True:
            r0, c0 = time.perf_counter(), time.process_time()
            if (args.budget_minutes and i < last_round
                    and r0 - t_start > 60 * args.budget_minutes):
                last_round = i
                down_until = min(down_until, i)
                print(f"  time budget spent: publishing stops after {start} notices",
                      file=sys.stderr)
            is_down = down_from <= i < down_until
            down_now = down if is_down else None
            if i == down_until:
                t_return, target_down = r0, links_to(c, codes, down)
            if i < last_round:
                publish_batch(c, traffic, start=start, count=per_round[i], down=down_now,
                              correct=args.correct, withdraw=args.withdraw,
                              review_soon=args.review_soon)
                start += per_round[i]
            p0 = time.perf_counter()
            purge_at = (utcnow() + timedelta(days=2)
                        if args.purge_every and (i + 1) % args.purge_every == 0 else None)
            got = polling.round(down=down_now, purge_at=purge_at)
            counts = {k: got.pop(k) for k in ("requests", "refused", "bytes", "purged")}
            totals.update(counts)
            if (t_return is not None and return_s is None
                    and caught_up(c, down, target_down)):
                return_s = time.perf_counter() - t_return
            procs = [{"pid": os.getpid(), "cpu_s": time.process_time() - c0, **memory()},
                     *got.pop("procs")]
            got.update(round=i + 1, down=is_down, publish_s=round(p0 - r0, 2),
                       requests=counts["requests"],
                       errors=dict(got["errors"].most_common(3)),
                       seconds=round(time.perf_counter() - r0, 2),
                       cpu_s=round(sum(p["cpu_s"] for p in procs), 2),
                       rss_mb=round(sum(p["rss_mb"] for p in procs), 1),
                       pss_mb=round(sum(p["pss_mb"] for p in procs), 1),
                       heap_mb=round(sum(p["heap_mb"] for p in procs), 1),
                       sqlite_mb=round(sum(p["sqlite_mb"] for p in procs), 1), notices=start,
                       procs=[{k: round(v, 2) if isinstance(v, float) else v
                               for k, v in p.items()} for p in procs])
            rounds.append(got)
            print(f"  { {k: v for k, v in got.items() if k != 'procs'} }", file=sys.stderr)
            if progress is not None:
                progress.write(json.dumps(got) + "\n")
                progress.flush()
            i += 1
            if i > last_round and got["received"] == 0 or i >= last_round + 10:
                break
        converge_s = sum(r["seconds"] for r in rounds[last_round:] if r["received"])
        run_s = time.perf_counter() - t_run
    finally:
        polling.close()
        if progress is not None:
            progress.close()
    deliveries = check_deliveries(c, codes)
    audit = check_audit(c, codes)
    alerts = alerts_per_node(c, codes)
    c.close()
    # The memory check: RSS (after a garbage collection) at the end of the middle
    # publishing round against the end of the last one; the rounds before are warm-up.
    # With worker processes, the sum over the parent and every worker, as resident
    # (RSS: pages shared since the fork counted in each process, so that a page a worker
    # copies from the parent when it writes to it does not show) and as the heap's
    # proportional set (Pss_Anon: each page once, copies included); both under 10 %.
    mid = last_round // 2 - 1 if last_round >= 2 else 0
    mem = memory_summary(rounds, mid, last_round - 1)
    checks = {"delivered exactly once": deliveries["missing"] == 0 == deliveries["extra"]
              == deliveries["twice"],
              "audit verifies on every node": not audit["bad"],
              "RSS growth over the second half under 10 %":
                  mem["growth_second_half"] < 0.10 and mem["heap_growth_second_half"] < 0.10,
              "down node caught up": return_s is not None or down_until <= down_from}
    return {"nodes": args.nodes, "observers": sum(r == "observer" for r in roles.values()),
            "notices": start, "notices_asked": args.notices, "rounds_publishing": last_round,
            "rounds_asked": args.rounds, "budget_minutes": args.budget_minutes,
            "seed": args.seed, "processes": polling.processes,
            "workers": args.workers, "slow_peer": slow, "slow_delay_s": args.slow,
            "down_node": down, "down_rounds": [down_from + 1, down_until],
            "traffic": dict(traffic.counts), "purged_versions": totals["purged"],
            "setup_s": setup_s, "import_s": import_s, "index_warm_s": warm_s,
            "run_s": run_s, "wall_s": time.perf_counter() - t_start,
            "run_cpu_s": sum(r["cpu_s"] for r in rounds),
            "converge_after_last_publish_s": converge_s,
            "catch_up_after_return_s": return_s,
            "requests": totals["requests"], "refused": totals["refused"],
            "answer_bytes": totals["bytes"],
            "bytes_per_delivery": totals["bytes"] / max(1, deliveries["held"]),
            "envelopes_per_s": deliveries["held"] / run_s,
            "deliveries": deliveries, "audit": audit,
            "alerts_per_node": {"min": min(alerts), "median": statistics.median(alerts),
                                "max": max(alerts), "total": sum(alerts)},
            "duplicates_reported": sum(r["duplicates"] for r in rounds),
            "rss_mb": mem, "rounds": rounds, "checks": checks,
            "load_average": os.getloadavg(), "python": platform.python_version(),
            "cpus": os.cpu_count(), "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}


def _polling(r: dict[str, Any]) -> str:
    """How the rounds polled, in words."""
    if r.get("processes", 1) == 1:
        return f"{r['workers']} nodes at a time"
    return (f"{r['processes']} worker processes, each polling a fixed share of the nodes "
            f"{r['workers']} at a time")


def markdown(r: dict[str, Any], command: str) -> str:
    """The section for docs/benchmarks.md."""
    d, a, m, t = r["deliveries"], r["alerts_per_node"], r["rss_mb"], r["traffic"]
    load = ", ".join(f"{x:.1f}" for x in r["load_average"])
    mix = ", ".join(f"{k} {v}" for k, v in sorted(t.items()))
    asked = ("" if r["notices"] == r["notices_asked"] else
             f" (of {r['notices_asked']:,} asked: the {r['budget_minutes']:g}-minute time "
             f"budget ran out after {r['rounds_publishing']} of {r['rounds_asked']} rounds)")
    last = r["rounds"][-1]
    down_rounds = [x["round"] for x in r["rounds"] if x["down"]]
    down = (f"node {r['down_node']} down for rounds {down_rounds[0]}-{down_rounds[-1]}"
            if down_rounds else f"node {r['down_node']} never down (the time budget ran "
            f"out before its stretch)")
    ok = "; ".join(f"{k}: {'yes' if v else 'NO'}" if k != "down node caught up"
                   or down_rounds else f"{k}: not exercised" for k, v in r["checks"].items())
    return "\n".join([
        (f"## Soak: {r['nodes']} nodes, {r['notices']:,} notices{asked} (issue 18, item 4) "
        "— `bench/bench_soak.py`"), "",
        f"    {command}", "",
        (f"{r['date']}; CPython {r['python']}, {r['cpus']} CPUs shared with other jobs "
         f"(load average at the end {load}). {r['nodes']} real nodes ({r['observers']} "
         f"observers) on SQLite, screening on arrival against the whole UN list, partner "
         f"requests through the in-process transport (each node's Flask app called as "
         f"WSGI); {r['rounds_publishing']} rounds of publishing, each followed by a poll "
         f"of every partner by every node that is up ({_polling(r)}); "
         f"{down}, peer {r['slow_peer']} answering {r['slow_delay_s']:g} s "
         f"late. Traffic: {mix}; {r['purged_versions']} versions purged by the retention "
         f"purge (all nodes)."), "",
        "| measure | value |", "|---|---:|",
        (f"| deliveries (envelope x recipient) held / expected | {d['held']:,} / "
        f"{d['expected']:,} |"),
        (f"| missing / held by a non-recipient / held twice | {d['missing']} / {d['extra']} "
        f"/ {d['twice']} |"),
        f"| redelivered envelopes reported by polls (ignored) | {r['duplicates_reported']} |",
        (f"| audit verifies (offline) | {r['audit']['nodes_ok']} of {r['nodes']} nodes, "
        f"{r['audit']['entries']:,} entries |"),
        (f"| partner requests / refused by the down node | {r['requests']:,} / "
        f"{r['refused']:,} |"),
        f"| bytes per delivery (answers, headers included) | {r['bytes_per_delivery']:,.0f} |",
        f"| envelopes delivered per second (run) | {r['envelopes_per_s']:.0f} |",
        (f"| time to converge after the last publish | "
        f"{r['converge_after_last_publish_s']:.1f} s |"),
        "| down node caught up after its return | "
        + ("not exercised |" if not down_rounds else
           f"{r['catch_up_after_return_s']:.1f} s |" if r["catch_up_after_return_s"]
           is not None else "never |"),
        (f"| alerts per node: min / median / max | {a['min']} / {a['median']:g} / "
        f"{a['max']} |"),
        (f"| RSS MB: first round / mid / end of publishing / max | {m['first']:.0f} / "
        f"{m['mid']:.0f} / {m['end_of_publishing']:.0f} / {m['max']:.0f} |"),
        (f"| RSS growth over the second half (end of round {m['second_half_rounds'][0] - 1} "
         f"-> end of round {m['second_half_rounds'][1]}) | "
         f"{100 * m['growth_second_half']:.1f} % |"),
        (f"| heap (anonymous PSS: each page once over the processes) MB at mid / end of "
         f"publishing; growth over the second half | {m['heap_mid']:.0f} / "
         f"{m['heap_end_of_publishing']:.0f}; {100 * m['heap_growth_second_half']:.1f} % |"),
        ("| RSS; heap growth over the second half, each process (parent first) | "
         + " / ".join(f"{100 * p['growth']:.1f} %; {100 * p['heap_growth']:.1f} %"
                      for p in m["per_process"]) + " |"),
        (f"| RSS growth per delivery over the second half ({m['received_second_half']:,} "
         f"deliveries); SQLite's heap growth | {m['kb_per_delivery_second_half']:.1f} KB; "
         f"{m['sqlite_growth_second_half_mb']:+.0f} MB |"),
        (f"| RSS growth over the second half without SQLite's heap (its connections' "
         f"bounded caches) | {100 * m['growth_second_half_without_sqlite']:.1f} % |"),
        (f"| a round that brings nothing: partner requests, seconds | {last['requests']:,}, "
        f"{last['seconds']:.0f} s |"),
        (f"| setup (homes, keys, roster, UN list x {r['nodes']}, screening indexes built) | "
         f"{r['setup_s']:.0f} s ({r['index_warm_s']:.0f} s the indexes) |"),
        (f"| rounds (publish + poll): wall; CPU of every process | {r['run_s']:.0f} s; "
         f"{r['run_cpu_s']:.0f} s |"),
        f"| wall time, checks included | {r['wall_s']:.0f} s |", "",
        f"Checks: {ok}.", "",
        ("| round | node down | notices published (total) | envelopes received | partner "
         "requests | failed polls | seconds | CPU s (all processes) | RSS MB (all) | SQLite MB |"),
        "|---:|:---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *(f"| {x['round']} | {'yes' if x['down'] else ''} | {x['notices']:,} | "
          f"{x['received']:,} | {x['requests']:,} | {x['failed']} | {x['seconds']:.0f} | "
          f"{x.get('cpu_s', float('nan')):.0f} | {x['rss_mb']:.0f} | "
          f"{x.get('sqlite_mb', float('nan')):.0f} |" for x in r["rounds"]), ""])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, default=80)
    ap.add_argument("--notices", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=20, help="rounds that publish")
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--workers", type=int, default=4,
                    help="nodes polling at a time (threads) in each polling process")
    ap.add_argument("--processes", type=int, default=2,
                    help="polling processes (1: the parent polls, as before; P > 1: P "
                         "worker processes forked after setup, each polling a fixed share)")
    ap.add_argument("--slow", type=float, default=0.2, help="the slow peer's delay, s")
    ap.add_argument("--correct", type=float, default=0.08, help="corrections per notice")
    ap.add_argument("--withdraw", type=float, default=0.03, help="withdrawals per notice")
    ap.add_argument("--review-soon", type=float, default=0.03,
                    help="share of notices with a review date of tomorrow (purged)")
    ap.add_argument("--purge-every", type=int, default=5, help="retention purge, rounds")
    ap.add_argument("--down-from", type=int, default=0,
                    help="the round the node goes down (1-based; default: a quarter in)")
    ap.add_argument("--down-for", type=int, default=0,
                    help="how many rounds it stays down (default: a quarter, at least 2)")
    ap.add_argument("--quick", action="store_true", help="10 nodes, 500 notices, 10 rounds")
    ap.add_argument("--budget-minutes", type=float, default=0,
                    help="stop publishing once the run has taken this long (0: never)")
    ap.add_argument("--json", type=Path, help="write the figures here")
    ap.add_argument("--progress", type=Path, help="write each round's figures here")
    ap.add_argument("--append-docs", action="store_true",
                    help="append the table to docs/benchmarks.md")
    args = ap.parse_args(argv)
    if args.quick:
        args.nodes, args.notices, args.rounds = 10, 500, 10
    command = "python3 bench/bench_soak.py " + " ".join(argv if argv is not None
                                                        else sys.argv[1:])
    logging.disable(logging.WARNING)  # the down node's refusals are expected
    result = run(args)
    text = markdown(result, command.strip())
    print(json.dumps({k: v for k, v in result.items() if k != "rounds"}, indent=1))
    print(text)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")
    if args.append_docs:
        with (ROOT / "docs" / "benchmarks.md").open("a") as f:
            f.write("\n" + text)
    failed = [k for k, v in result["checks"].items() if not v]
    if failed:
        print("FAILED: " + ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
