"""Where an empty partner poll goes: SQL statements per poll (by text and caller, from a
SQLAlchemy event hook) and a cProfile of a round of empty polls on the CPU-time clock,
on one tree (issue 18: the soak's fixed cost per poll).

    python3 bench/bench_poll_profile.py TREE [NODES] [OUT]   # default 12 nodes, /tmp/poll

``TREE`` is a checkout whose ``bench/bench_soak.py`` builds the coalition. Two rounds of
small pages, each followed by an empty round, then: one empty round timed, one with
every statement counted (``OUT.stmts``: statements per poll, the three innermost
``fts_share`` frames that ran it), one profiled (``OUT.prof``, for ``pstats``), every
node polling its partners one after the other in this thread.
"""

from __future__ import annotations

import cProfile
import logging
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

TREE = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]
sys.path[:0] = [str(TREE), str(TREE / "bench"), str(TREE / "tests")]

import bench_soak as soak  # the tree's own, by the path above
from sqlalchemy import event
from sqlalchemy.engine import Engine

from fts_share.services import polling, running

STATEMENTS: Counter[str] = Counter()
COUNTING = [False]


@event.listens_for(Engine, "before_cursor_execute")
def _count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
    if COUNTING[0]:
        where = [f"{f.filename.split('fts_share/')[-1]}:{f.lineno}:{f.name}"
                 for f in traceback.extract_stack()
                 if "fts_share/" in f.filename and "storage/engine" not in f.filename][-3:]
        STATEMENTS[" ".join(statement.split())[:100] + "\n        "
                   + " < ".join(reversed(where))] += 1


def main() -> None:
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    out = sys.argv[3] if len(sys.argv) > 3 else "/tmp/poll"
    logging.disable(logging.WARNING)
    c, roles, *_ = soak.setup(Path(tempfile.mkdtemp(prefix="fts-bench-prof-")), n, 18)
    codes = list(roles)
    members = [x for x in codes if roles[x] == "member"]
    transport = soak.Transport(c, slow="", delay=0)
    transport.install()
    traffic = soak.Traffic(rng=random.Random(19), codes=codes, members=members,
                           subjects=soak.subjects(400, seed=18))
    rng, start = random.Random(1), 0
    for _ in range(2):
        soak.publish_batch(c, traffic, start=start, count=2 * n, down=None, correct=0.08,
                           withdraw=0.03, review_soon=0)
        start += 2 * n
        soak.poll_round(c, codes, rng, down=None, workers=1)
        soak.poll_round(c, codes, rng, down=None, workers=1)
    # one partner after the other, in this thread (cProfile sees one thread)
    polling.Poller.poll_all = lambda self, force=False: [  # type: ignore[method-assign]
        self.poll_peer(m, force=force) for m in self.partners()]

    def empty_round() -> int:
        r0 = transport.requests
        for code in codes:
            running.poll_once(c[code].node)
        return transport.requests - r0

    c0 = time.process_time()
    polls = empty_round()
    print(f"empty poll: {1000 * (time.process_time() - c0) / polls:.2f} ms of CPU",
          file=sys.stderr)
    COUNTING[0] = True
    polls = empty_round()
    COUNTING[0] = False
    print(f"statements per poll: {sum(STATEMENTS.values()) / polls:.2f}", file=sys.stderr)
    with open(out + ".stmts", "w") as f:
        f.writelines(f"{k / polls:6.2f} {s}\n" for s, k in STATEMENTS.most_common())
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    polls = empty_round()
    profile.disable()
    profile.dump_stats(out + ".prof")
    print(f"profiled: {polls} polls -> {out}.prof", file=sys.stderr)
    transport.uninstall()
    c.close()


if __name__ == "__main__":
    main()
