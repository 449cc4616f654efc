"""Receiving at coalition scale: one ``fts-share poll`` of a node that a partner sent N
notices, with and without screening on arrival, on SQLite and PostgreSQL, beside a
baseline tree (e.g. ``git worktree add /tmp/recv-base main``) in the same run.

    python3 bench/bench_receive.py [--envelopes 2000] [--baseline /tmp/recv-base]
                                   [--backends sqlite,postgresql] [--rounds 1]
                                   [--profile] [--write bench/RESULTS-receive.md]
                                   [--grouping both|on|off] [--no-plain] [--warm]
                                   [--snapshot]

Traffic: the subjects' names are recombined from the UN consolidated list's own tokens
(``../shared/data``), given names and family names drawn with Zipf weights so common
names recur as they do in real traffic; half the subjects also carry an Arabic-script
spelling (recombined the same way from the list's original-script names). The
receiving node holds the whole UN list as its watchlist.

Each measurement runs in a fresh process (``--worker``) with the tree under test first
on ``sys.path``: the partner (AAA) publishes N notices to the node (BBB) and serves its
feed on 127.0.0.1 (waitress, in the same process); the timed part is what ``fts-share
poll`` runs, ``running.poll_once(node)`` (fetch, verify, decrypt, store, screen, audit;
pages of 100) or, without screening, ``Poller(node).poll_all()``. Reported: envelopes/s
on the wall clock and per CPU-second of the process and its receiving pool's worker
processes (the partner's serving included; ``--workers`` sets the pool's size),
alerts per 1,000 envelopes (and matches per 1,000), and a digest of every alert and
match (``_alert_digest``: the same digest on two trees, the same alerts). With
``--grouping both`` (the default) this tree screens the same traffic twice, grouped
alerts off (one alert per match, as before grouping) and on (one alert per subject),
side by side; ``--no-plain`` skips the runs without screening; ``--snapshot`` times a
poll that maps the node's index snapshot instead of building the index.
``FTS_BENCH_PYINSTRUMENT=FILE`` writes a sampling profile (pyinstrument) of each timed
poll to FILE. ``--profile`` runs the poll under cProfile in one thread and reports
where the time goes (cumulative seconds of the functions that verify, decrypt, check
schemas, store, screen and audit).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

ROOT = Path(__file__).resolve().parents[1]
UN_XML = ROOT.parent.parent / "shared" / "data" / "un-sc-consolidated-2025-08-02.xml"
if not UN_XML.exists():
    UN_XML = ROOT.parent / "shared" / "data" / "un-sc-consolidated-2025-08-02.xml"

#: what the profile reports: label -> function names (cumulative time, nested ones too)
PROFILE_GROUPS = {
    "fetch page (HTTP + page checks)": ["fetch_page"],
    "verify envelope signatures": ["verify_item"],
    "decrypt": ["open_item"],
    "schema checks": ["content_problem", "load_received"],
    "seal for storage (re-encrypt at rest)": ["seal_version"],
    "store (bulk inserts)": ["write"],
    "screen (search + alerts)": ["screen_notice", "screen_arrivals"],
    "  of which index search": ["search", "search_many"],
    "  of which index refresh": ["refresh"],
    "audit append (all)": ["record", "record_many"],
    "commit": ["commit"],
}


# -- traffic -----------------------------------------------------------------------
def _split(name: str) -> list[str]:
    return [t for t in name.replace(",", " ").split() if t]


def token_pools(path: Path) -> dict[str, list[str]]:
    """Given and family tokens, Latin and Arabic, of the UN list's individuals (with
    repeats: a token's frequency in the list is its weight)."""
    from fts_share.watchlist.un_xml import parse_un_xml

    entries = [e for e in parse_un_xml(path.read_bytes()).entries if e.kind == "individual"]
    pools: dict[str, list[str]] = {"given": [], "family": [], "ar_given": [], "ar_family": []}
    for e in entries:
        latin = _split(e.name)
        if len(latin) >= 2:
            pools["given"].append(latin[0])
            pools["family"].append(latin[-1])
        arabic = _split(e.name_original_script)
        if len(arabic) >= 2 and any("\u0600" <= ch <= "\u06ff" for ch in arabic[0]):
            pools["ar_given"].append(arabic[0])
            pools["ar_family"].append(arabic[-1])
    return pools


def _zipf(rng: random.Random, pool: list[str]) -> str:
    ranked = [t for t, _ in Counter(pool).most_common()]
    weights = [1.0 / (i + 1) for i in range(len(ranked))]
    return rng.choices(ranked, weights)[0]


def subjects(n: int, seed: int = 18) -> list[dict[str, Any]]:
    """``n`` notice subjects (names, dob, nationality) as described above."""
    pools = token_pools(UN_XML)
    rng = random.Random(seed)
    out = []
    for i in range(n):
        names = [{"full": f"{_zipf(rng, pools['given'])} {_zipf(rng, pools['family'])}",
                  "kind": "primary"}]
        if i % 2 == 0:
            names.append({"full": f"{_zipf(rng, pools['ar_given'])} "
                                  f"{_zipf(rng, pools['ar_family'])}", "kind": "spelling"})
        out.append({"names": names, "sex": "male",
                    "dob": {"value": str(rng.randint(1975, 2002)), "approximate": True},
                    "nationalities": [rng.choice(["IRQ", "SYR", "FRA", "TUN", "MAR"])],
                    "minor": False})
    return out


# -- one measurement (in a worker process) ------------------------------------------
class _Inline:
    """A stand-in for ThreadPoolExecutor that runs in the calling thread (profiling)."""

    def __init__(self, *a: Any, **k: Any) -> None:
        pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def map(self, fn: Any, items: Any) -> Any:
        return [fn(x) for x in items]


def publish_for_bbb(member: Any, n: int) -> None:
    """``member`` publishes ``n`` notices of :func:`subjects` to BBB, 100 per transaction."""
    from coalition import notice

    from fts_share.clock import utcnow
    from fts_share.notices.rules import Actor
    from fts_share.services import publishing
    from fts_share.services.unit import Work

    actor = Actor(name=f"{member.code.lower()}-officer", role="officer")
    subs = subjects(n)
    for start in range(0, len(subs), 100):
        with member.node.store.transaction() as s:
            for subj in subs[start:start + 100]:
                data = publishing.read_notice_input(
                    member.node.config, notice(recipients=["BBB"], **subj))
                publishing.publish(Work(session=s, now=utcnow(), node=member.node),
                                   data=data, actor=actor)


def _urls(backend: str, folder: Path, pg_admin: str | None) -> Any:
    import itertools

    from sqlalchemy import create_engine, text

    from fts_share.storage import Store

    counter = itertools.count()

    def make() -> str:
        n = next(counter)
        if backend == "sqlite":
            url = f"sqlite:///{folder / f'db{n}.db'}"
        else:
            assert pg_admin is not None
            name = f"recv_{os.getpid()}_{n}"
            admin = create_engine(pg_admin, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            url = pg_admin.rsplit("/", 1)[0] + "/" + name
        store = Store(url)
        store.create_schema()
        store.dispose()
        return url

    return make


def worker(args: argparse.Namespace) -> dict[str, Any]:
    """Publish, then time one poll; print the figures as JSON."""
    sys.path[:0] = [str(args.tree), str(args.tree / "tests")]
    from coalition import build
    from sqlalchemy import func, select

    import fts_share
    from fts_share.clock import utcnow
    from fts_share.services import polling, running
    from fts_share.services.polling import Poller
    from fts_share.services.unit import Work
    from fts_share.services.watchlist_import import import_un_file
    from fts_share.storage.models import Alert, ReceivedEnvelope

    assert Path(fts_share.__file__).resolve().is_relative_to(args.tree.resolve())
    folder = Path(tempfile.mkdtemp(prefix=f"fts-bench-recv-{args.backend}-"))
    c = build(folder, _urls(args.backend, folder, args.pg_admin),
              [("AAA", "member"), ("BBB", "member")], start=False)
    a, b = c["AAA"], c["BBB"]
    try:
        with b.node.store.transaction() as s:
            import_un_file(Work(s, utcnow(), b.node), UN_XML, actor="system")
        publish_for_bbb(a, args.envelopes)
        a.start()
        b.node.config.federation.page_limit = 100
        if hasattr(b.node.config, "alerts"):  # grouped alerts (absent from older trees)
            b.node.config.alerts.grouping = args.grouping == "on"
        if args.warm:
            from fts_share.services.screening import current_index
            with b.node.store.transaction() as s:
                current_index(Work(s, utcnow(), b.node))
        if args.snapshot:  # as after an earlier poll, or `fts-share index snapshot HOME`
            from fts_share.services.screening import watchlist_index
            from fts_share.storage.watchlist import SqlWatchlist
            with b.node.store.transaction() as s:
                watchlist_index(b.node).write_snapshot(SqlWatchlist(s), now=utcnow())
            b.node.caches.pop("watchlist_index", None)  # a new process maps it at its poll
        if args.screening:
            def poll() -> list[Any]:
                return running.poll_once(b.node)
        else:
            def poll() -> list[Any]:
                return Poller(b.node).poll_all(force=True)
        profile = None
        if args.profile:
            import cProfile
            polling.ThreadPoolExecutor = _Inline  # type: ignore[attr-defined,misc]
            profile = cProfile.Profile()
            profile.enable()
        sampler = None
        if os.environ.get("FTS_BENCH_PYINSTRUMENT"):  # a sampling profile (low overhead)
            from pyinstrument import Profiler
            polling.ThreadPoolExecutor = _Inline  # type: ignore[attr-defined,misc]
            sampler = Profiler(interval=0.0005)
            sampler.start()
        if args.workers is not None and hasattr(b.node.config.federation, "receive_workers"):
            b.node.config.federation.receive_workers = args.workers
        cpu0, kids0, t0 = time.process_time(), _children_cpu(), time.perf_counter()
        poll()  # the receiving pool is closed (its processes joined) when the round ends
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        kids = _children_cpu() - kids0
        cpu += kids
        if sampler is not None:
            sampler.stop()
            Path(os.environ["FTS_BENCH_PYINSTRUMENT"]).write_text(
                sampler.output_text(unicode=False, show_all=False))
        if profile is not None:
            profile.disable()
            if os.environ.get("FTS_BENCH_PSTATS"):
                profile.dump_stats(os.environ["FTS_BENCH_PSTATS"])
        with b.node.store.read() as s:
            got = int(s.scalar(select(func.count()).select_from(ReceivedEnvelope)))
            alerts = int(s.scalar(select(func.count()).select_from(Alert)))
            matches = alerts
            try:
                from fts_share.storage.alert_tables import AlertMatch  # grouped alerts
                matches = int(s.scalar(select(func.count()).select_from(AlertMatch)))
            except ImportError:
                pass
            grouped = bool(getattr(getattr(b.node.config, "alerts", None), "grouping", False))
        digest = _alert_digest(a.node, b.node)
        if got != args.envelopes:
            raise SystemExit(f"received {got} of {args.envelopes}")
        out = {"tree": str(args.tree), "backend": args.backend, "screening": args.screening,
               "envelopes": got, "wall_s": wall, "cpu_s": cpu, "rate": got / wall,
               "rate_cpu": got / cpu, "pool_cpu_s": kids, "alerts": alerts, "matches": matches,
               "grouping": grouped, "digest": digest}
        if profile is not None:
            out["profile"] = _profile_groups(profile, wall)
        return out
    finally:
        c.close()


def _children_cpu() -> float:
    """CPU seconds of the ended child processes (the receiving pool's workers)."""
    t = os.times()
    return t.children_user + t.children_system


def _alert_digest(origin: Any, node: Any) -> str:
    """A digest of every alert (and every match, where grouped) the node holds: notice,
    record, kind, score, sorted. Notice ids are replaced by their order at the origin,
    and a record that is a received notice by ``notice`` (records of equal score are
    ranked by id, and notice ids are drawn anew in each run), so two runs on the same
    traffic compare: the same digest, the same alerts."""
    import hashlib

    from sqlalchemy import select

    from fts_share.storage.models import Alert, Notice

    with origin.store.read() as s:
        ids = list(dict.fromkeys(s.scalars(select(Notice.notice_id).order_by(Notice.id))))
    order = {nid: str(i) for i, nid in enumerate(ids)}

    def plain(text: str) -> str:
        return "notice" if text.startswith("notice:") else text

    rows: list[str] = []
    with node.store.read() as s:
        for a in s.scalars(select(Alert).order_by(Alert.id)):
            rows.append(f"A|{order.get(a.notice_id)}|{plain(a.record_id)}|{a.kind}|{a.score}")
        try:
            from fts_share.storage.alert_tables import AlertMatch
        except ImportError:
            AlertMatch = None  # a tree before grouped alerts
        if AlertMatch is not None:
            for m in s.scalars(select(AlertMatch).order_by(AlertMatch.id)):
                rows.append(f"M|{order.get(m.notice_id)}|{plain(m.record_id)}|{m.kind}|"
                            f"{m.score}")
    rows.sort()
    if os.environ.get("FTS_BENCH_ALERTS"):
        Path(os.environ["FTS_BENCH_ALERTS"]).write_text("\n".join(rows))
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]


def _profile_groups(profile: Any, wall: float) -> dict[str, float]:
    import pstats

    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    out: dict[str, float] = {"total": wall}
    for label, names in PROFILE_GROUPS.items():
        total = 0.0
        for (filename, _line, func), (_cc, _nc, _tt, ct, callers) in stats.items():
            if func not in names or "fts_share" not in filename and func != "commit":
                continue
            if func == "write" and "storage/inbox" not in filename:
                continue
            if func == "commit" and "sqlalchemy/orm/session" not in filename:
                continue
            if func in ("search", "refresh") and "screening/index" not in filename:
                continue
            if func == "record" and "audit/log" not in filename:
                continue
            total += ct
        out[label] = total
    return out


# -- the run -----------------------------------------------------------------------
def run_one(tree: Path, backend: str, screening: bool, args: argparse.Namespace,
            pg_admin: str | None, profile: bool = False, grouping: str = "on"
            ) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--tree", str(tree),
           "--backend", backend, "--envelopes", str(args.envelopes), "--grouping", grouping]
    cmd += ["--screening"] if screening else []
    cmd += ["--profile"] if profile else []
    cmd += ["--warm"] if args.warm else []
    cmd += ["--snapshot"] if args.snapshot else []
    cmd += ["--pg-admin", pg_admin] if pg_admin else []
    cmd += ["--workers", str(args.workers)] if args.workers is not None else []
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd}: {proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    print(json.dumps(result), file=sys.stderr)
    return result


def markdown(rows: list[dict[str, Any]], profiles: list[dict[str, Any]], command: str,
             names: dict[str, str]) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    out = ["# Receiving benchmark results", "", f"Command: `{command}`", "",
           (f"Date: {now}; CPython {platform.python_version()}, {os.cpu_count()} CPUs, "
           f"load average at the end {load:.1f}."), "",
           ("| tree | store | screening | grouped alerts | envelopes | wall s | env/s "
           "| CPU s (of which pool) | env per CPU-s | alerts | alerts / 1,000 env "
           "| matches / 1,000 env | alerts digest |"),
           "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        n = r["envelopes"]
        out.append(f"| {names[r['tree']]} | {r['backend']} | "
                   f"{'on' if r['screening'] else 'off'} | "
                   f"{('on' if r.get('grouping') else 'off') if r['screening'] else '-'} | "
                   f"{n} | {r['wall_s']:.2f} | {r['rate']:.0f} | "
                   f"{r['cpu_s']:.2f} ({r.get('pool_cpu_s', 0.0):.2f}) | "
                   f"{r['rate_cpu']:.0f} | {r['alerts']} | "
                   f"{1000 * r['alerts'] / n:.0f} | {1000 * r['matches'] / n:.0f} | "
                   f"{r.get('digest', '')} |")
    if profiles:
        out += ["", ("Profile (cProfile, one thread, screening on; cumulative seconds, "
                "nested rows are included in their parents):"), "",
                "| tree | store | " + " | ".join(profiles[0]["profile"]) + " |",
                "|---|---|" + "---:|" * len(profiles[0]["profile"])]
        for p in profiles:
            out.append(f"| {names[p['tree']]} | {p['backend']} | "
                       + " | ".join(f"{v:.2f}" for v in p["profile"].values()) + " |")
    return "\n".join(out)


def _groupings(tree: Path, screening: bool, wanted: str) -> list[str]:
    """The grouping settings to run ``tree`` with: both for this tree's screening runs
    (``--grouping both``), one otherwise (a baseline tree has no grouping)."""
    if not screening or tree != ROOT:
        return ["on" if wanted == "on" else "off"]
    return ["off", "on"] if wanted == "both" else [wanted]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--envelopes", type=int, default=2000)
    ap.add_argument("--baseline", type=Path)
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--write", type=Path)
    ap.add_argument("--grouping", choices=["both", "on", "off"], default="both")
    ap.add_argument("--no-plain", action="store_true")
    ap.add_argument("--warm", action="store_true",
                    help="build the receiving node's name index before the timed poll, as a "
                         "serving node holds it (the default times it: a fresh fts-share poll)")
    ap.add_argument("--snapshot", action="store_true",
                    help="write the receiving node's mapped index snapshot (home/index) "
                         "before the timed poll, as an earlier poll or `fts-share index "
                         "snapshot` leaves it: the poll maps it instead of building")
    ap.add_argument("--workers", type=int,
                    help="[federation] receive_workers of the receiving node (this tree; "
                         "default: the node's default, none)")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--tree", type=Path, default=ROOT, help=argparse.SUPPRESS)
    ap.add_argument("--backend", default="sqlite", help=argparse.SUPPRESS)
    ap.add_argument("--screening", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--pg-admin", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args)))
        return 0
    command = "python3 bench/bench_receive.py " + " ".join(argv if argv is not None
                                                           else sys.argv[1:])
    trees = ([args.baseline] if args.baseline else []) + [ROOT]
    names = {str(t): ("baseline" if t == args.baseline else "this tree") for t in trees}
    sys.path.insert(0, str(ROOT / "tests"))
    import pg_server

    pg = pg_server.start() if "postgresql" in args.backends else None
    rows: list[dict[str, Any]] = []
    profiles: list[dict[str, Any]] = []
    try:
        for backend in args.backends.split(","):
            admin = pg.url("postgres") if backend == "postgresql" and pg else None
            for _ in range(args.rounds):
                for screening in (False, True)[int(args.no_plain):]:
                    for tree in trees:
                        for grouping in _groupings(tree, screening, args.grouping):
                            rows.append(run_one(tree, backend, screening, args, admin,
                                                grouping=grouping))
            if args.profile:
                for tree in trees:
                    profiles.append(run_one(tree, backend, True, args, admin, profile=True))
    finally:
        if pg is not None:
            pg.stop()
    text = markdown(rows, profiles, command.strip(), names)
    print(text)
    if args.write:
        args.write.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
