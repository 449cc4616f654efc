"""CPU milliseconds of an empty partner poll as the partners' stored tree heads grow
(issue 18: a poll's cost should not grow with history), on one tree.

    python3 bench/bench_poll_history.py TREE [NODES] [HEADS ...]   # default 6 nodes

``TREE`` is a checkout whose ``bench/bench_soak.py`` builds the coalition (run it once
with this tree and once with a baseline worktree, side by side). After one round of
small pages, node ``AAA`` is given more stored heads of its partners, up to ``HEADS``
in all, one of each size below the newest it holds (then of sizes below 0: the index
reads them all the same), so that the newest stay the real ones and every page relays
real, signed heads; a node polling every minute stores ~1,440 heads of each partner a
day. Then every other node polls ``AAA`` (whose pages relay heads)
and ``AAA`` polls every partner (its commits compare heads), five times; the median
CPU milliseconds per poll of each kind is reported for each number of heads.
"""

from __future__ import annotations

import json
import logging
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TREE = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]
sys.path[:0] = [str(TREE), str(TREE / "bench"), str(TREE / "tests")]

import bench_soak as soak  # the tree's own, by the path above
from sqlalchemy import func, insert, select

from fts_share.services.polling import Poller
from fts_share.storage.audit_tables import PeerTreeHead


def add_heads(node: Any, upto: int) -> int:
    """Copies of the newest head of each partner, one at each smaller size, until
    ``node`` holds ``upto`` partner heads in all; how many it holds."""
    with node.store.transaction() as s:
        held = int(s.scalar(select(func.count()).select_from(PeerTreeHead)) or 0)
        newest = [s.scalars(select(PeerTreeHead).where(PeerTreeHead.peer == peer)
                            .order_by(PeerTreeHead.size.desc()).limit(1)).one()
                  for peer in s.scalars(select(PeerTreeHead.peer).distinct())]
        rows = []
        for i in range(max(0, upto - held)):
            top = newest[i % len(newest)]
            # sizes below the newest, one head of each (as stored heads are), then
            # below 0: only the count of heads matters to the index, not their sizes
            rows.append({"peer": top.peer, "size": top.size - 1 - i // len(newest) - held,
                         "root": top.root,
                         "time": top.time, "key_id": top.key_id, "signature": top.signature,
                         "received_at": top.received_at})
        if rows:
            s.execute(insert(PeerTreeHead), rows)
        return held + len(rows)


def main() -> None:
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 6
    steps = [int(x) for x in sys.argv[3:]] or [0, 20_000, 100_000]
    logging.disable(logging.WARNING)
    c, roles, *_ = soak.setup(Path(tempfile.mkdtemp(prefix="fts-bench-hist-")), n, 18)
    codes = list(roles)
    members = [x for x in codes if roles[x] == "member"]
    transport = soak.Transport(c, slow="", delay=0)
    transport.install()
    traffic = soak.Traffic(rng=random.Random(19), codes=codes, members=members,
                           subjects=soak.subjects(400, seed=18))
    soak.publish_batch(c, traffic, start=0, count=4 * n, down=None, correct=0.08,
                       withdraw=0.03, review_soon=0)
    for _ in range(2):
        soak.poll_round(c, codes, random.Random(1), down=None, workers=1)
    hub, others = codes[0], codes[1:]
    pollers = {code: Poller(c[code].node) for code in codes}
    roster = c[hub].node.roster
    out: dict[str, Any] = {"tree": str(TREE), "nodes": n, "steps": []}
    for upto in steps:
        held = add_heads(c[hub].node, upto)
        serve, poll = [], []
        for _ in range(5):
            c0 = time.process_time()
            for code in others:
                pollers[code].poll_peer(roster.members[hub], force=True)
            serve.append(1000 * (time.process_time() - c0) / len(others))
            c0 = time.process_time()
            for code in others:
                pollers[hub].poll_peer(roster.members[code], force=True)
            poll.append(1000 * (time.process_time() - c0) / len(others))
        row = {"heads_held": held, "ms_cpu_polling_the_hub": round(statistics.median(serve), 2),
               "ms_cpu_the_hub_polling": round(statistics.median(poll), 2)}
        out["steps"].append(row)
        print(row, file=sys.stderr, flush=True)
    for p in pollers.values():
        p.close()
    transport.uninstall()
    c.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
