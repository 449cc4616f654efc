"""Where a delivery's CPU goes in the soak (issue 18, item 4): one publishing round of
the soak's traffic, polled by every node one after the other in this thread under
pyinstrument.

    python3 bench/soak_profile.py [NODES] [NOTICES] [ROUNDS] [OUT]
    # default 20 2500 6 /tmp/soak-profile: like bench_soak --nodes 20 --notices 2500 --rounds 6

The coalition, the transport and the traffic are ``bench_soak``'s (its setup, its
in-process transport without the slow peer, its mix of recipients, corrections and
withdrawals); round 1 (its batch of ``NOTICES / ROUNDS`` notices and its poll) runs
unprofiled, then round 2's batch is published and its poll round profiled. Writes
``OUT.txt`` (pyinstrument's tree), ``OUT.html`` and prints the CPU per delivery of the
profiled round (the process's CPU time over the round, the sampler's own cost
included).
"""

from __future__ import annotations

import logging
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_soak as soak
from pyinstrument import Profiler

from fts_share.services import polling, running


def main() -> None:
    args = [int(x) for x in sys.argv[1:4]]
    n, notices, rounds = (args + [20, 2500, 6][len(args):])[:3]
    out = sys.argv[4] if len(sys.argv) > 4 else "/tmp/soak-profile"
    logging.disable(logging.WARNING)
    c, roles, *_ = soak.setup(Path(tempfile.mkdtemp(prefix="fts-bench-sprof-")), n, 18)
    codes = list(roles)
    members = [x for x in codes if roles[x] == "member"]
    transport = soak.Transport(c, slow="", delay=0)
    transport.install()
    traffic = soak.Traffic(rng=random.Random(19), codes=codes, members=members,
                           subjects=soak.readable(c[codes[0]].node.config,
                                                  soak.subjects(min(notices, 4000), seed=18)))
    per_round = notices // rounds
    soak.publish_batch(c, traffic, start=0, count=per_round, down=None, correct=0.08,
                       withdraw=0.03, review_soon=0.03)
    soak.poll_round(c, codes, random.Random(1), down=None, workers=1)
    soak.publish_batch(c, traffic, start=per_round, count=per_round, down=None,
                       correct=0.08, withdraw=0.03, review_soon=0.03)
    # one partner after the other, in this thread (the profiler samples one thread)
    polling.Poller.poll_all = lambda self, force=False: [  # type: ignore[method-assign]
        self.poll_peer(m, force=force) for m in self.partners()]
    profiler = Profiler(interval=0.002)
    r0, b0 = transport.requests, transport.bytes
    c0, w0 = time.process_time(), time.perf_counter()
    profiler.start()
    received = sum(r["received"] for code in codes for r in running.poll_once(c[code].node))
    profiler.stop()
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    Path(out + ".txt").write_text(profiler.output_text(unicode=False, color=False,
                                                       show_all=False))
    Path(out + ".html").write_text(profiler.output_html())
    print(f"{n} nodes, round 2: {received} deliveries, {transport.requests - r0} requests, "
          f"{(transport.bytes - b0) / max(1, received):,.0f} bytes per delivery; "
          f"{cpu:.1f} CPU-s ({wall:.1f} s wall): {1000 * cpu / max(1, received):.2f} ms of "
          f"CPU per delivery, both sides (profiler on) -> {out}.txt", file=sys.stderr)
    transport.uninstall()
    c.close()


if __name__ == "__main__":
    main()
