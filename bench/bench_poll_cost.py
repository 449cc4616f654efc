"""CPU milliseconds per partner poll, for a poll that brings nothing and for a round
of small pages (issue 18: the soak's fixed cost per poll), on one tree.

    python3 bench/bench_poll_cost.py TREE [NODES]      # default 12 nodes

``TREE`` is a checkout whose ``bench/bench_soak.py`` builds the coalition (run it
once with this tree and once with a baseline worktree, side by side: the figure is
the process's CPU time per poll, which other jobs on the machine disturb less than
wall time). Three times: ``2 x NODES`` notices published, every node polls every
partner once (one node at a time, in-process transport as in the soak), then an
empty round. The first small round of a tree that does not warm its indexes in
``setup`` includes their build: compare the later rounds.
"""

from __future__ import annotations

import json
import logging
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TREE = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]
sys.path[:0] = [str(TREE), str(TREE / "bench"), str(TREE / "tests")]

import bench_soak as soak  # the tree's own, by the path above


def main() -> None:
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    logging.disable(logging.WARNING)
    c, roles, *_ = soak.setup(Path(tempfile.mkdtemp(prefix="fts-bench-poll-")), n, 18)
    codes = list(roles)
    members = [x for x in codes if roles[x] == "member"]
    transport = soak.Transport(c, slow="", delay=0)
    transport.install()
    traffic = soak.Traffic(rng=random.Random(19), codes=codes, members=members,
                           subjects=soak.subjects(400, seed=18))
    rng = random.Random(1)
    out: dict[str, Any] = {"tree": str(TREE), "nodes": n}

    def one_round(label: str) -> None:
        r0, c0 = transport.requests, time.process_time()
        got = soak.poll_round(c, codes, rng, down=None, workers=1)
        polls = transport.requests - r0
        row = {"ms_cpu_per_poll": round(1000 * (time.process_time() - c0) / polls, 2),
               "received": got["received"], "polls": polls}
        out.setdefault(label, []).append(row)
        print(label, row, file=sys.stderr, flush=True)

    start = 0
    for _ in range(3):
        soak.publish_batch(c, traffic, start=start, count=2 * n, down=None, correct=0.08,
                           withdraw=0.03, review_soon=0)
        start += 2 * n
        one_round("small")
        one_round("empty")
    transport.uninstall()
    c.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
