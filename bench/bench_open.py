"""The CPU of checking a feed page and opening its envelopes, without the database or
the rest of a poll: a partner publishes N notices (the traffic of ``bench_receive.py``)
to a node, the node fetches them as one page once, then ``verify_page`` and
``open_item`` of every envelope are timed, in this process, ``--repeat`` times.

    python3 bench/bench_open.py [--tree /work/wt/recv-base] [--envelopes 300] [--repeat 7]

Prints the median and the least CPU microseconds per envelope. Run it for two trees
alternately (``--tree``) to compare them: the machine's load moves the figures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tree", type=Path, default=ROOT)
    ap.add_argument("--envelopes", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args(argv)
    sys.path[:0] = [str(args.tree), str(args.tree / "tests"), str(ROOT / "bench")]
    import bench_receive
    from coalition import build, notice

    import fts_share
    from fts_share.clock import utcnow
    from fts_share.federation.envelopes import Receiver
    from fts_share.federation.feed import verify_page
    from fts_share.federation.opening import open_item
    from fts_share.notices.rules import Actor
    from fts_share.services import publishing
    from fts_share.services.polling import Poller
    from fts_share.services.unit import Work

    assert Path(fts_share.__file__).resolve().is_relative_to(args.tree.resolve())
    n = args.envelopes
    folder = Path(tempfile.mkdtemp(prefix="fts-bench-open-"))
    c = build(folder, bench_receive._urls("sqlite", folder, None),
              [("AAA", "member"), ("BBB", "member")], start=False)
    a, b = c["AAA"], c["BBB"]
    try:
        with a.node.store.transaction() as s:
            for subject in bench_receive.subjects(n):
                data = publishing.read_notice_input(
                    a.node.config, notice(recipients=["BBB"], **subject))
                publishing.publish(Work(session=s, now=utcnow(), node=a.node), data=data,
                                   actor=Actor(name="aaa-officer", role="officer"))
        a.start()
        poller = Poller(b.node)
        member = next(m for m in poller.partners() if m.code == "AAA")
        poller.client.key = b.node.signer()
        now = utcnow()
        page = poller.client.request("GET", f"{member.url}/api/v1/feed?after=0&limit={n}",
                                     now=now, max_bytes=1 << 28).json()
        roster, me = b.node.roster, Receiver(code=b.node.code, keys=b.node.encryption)
        times = []
        for _ in range(args.repeat):
            cpu = time.process_time()
            checked = verify_page(page, roster=roster, origin="AAA", recipient="BBB",
                                  after=0, limit=n, now=now)
            opened = [open_item(i, roster=roster, origin="AAA", me=me, now=now)
                      for i in checked.items]
            times.append(time.process_time() - cpu)
            assert len(opened) == n and all(o.error is None and o.read for o in opened)
        print(f"{args.tree}: page check + open, CPU per envelope: median "
              f"{1e6 * statistics.median(times) / n:.0f} us, least {1e6 * min(times) / n:.0f} us")
    finally:
        c.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
