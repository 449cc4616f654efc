"""Which queries take longest, and why (issue 16, speed: the mean is pulled by a tail):
builds an index of the first N records of ``scale_real.recombined`` (pickled in /tmp
as ``build_cpu.py`` does), answers the bench's queries once uncounted, then each query
``REPS`` times on its own (thread CPU, the median kept), with the candidate scan, the
evidence step and the far pairs timed, and what the scan read: the postings of the
query parts read for every name (``direct``), those read in the pairing rounds for
names holding two common parts (``pair``, ``candidates_fast.plan``), and the names it
brought (``gathered``)::

    PYTHONPATH=ENGINE python3 bench/matching/query_tail.py ENGINE 300000 [ar|all] [REPS]

Prints the mean and median, the mean of each step, then the 40 slowest queries.
"""

import collections
import pickle
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def main() -> None:
    eng, n = sys.argv[1], int(sys.argv[2])
    only_ar = (sys.argv[3] if len(sys.argv) > 3 else "ar") == "ar"
    reps = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    sys.path[:0] = [eng, str(HERE)]
    import query_phases
    import scale
    import scale_real
    people = scale_real.list_people(scale_real.DATA)
    cache = Path(f"/tmp/build-cpu-recs{n}.pkl")
    if cache.exists():
        records = pickle.loads(cache.read_bytes())
    else:
        records = scale_real.recombined(people, n)
        cache.write_bytes(pickle.dumps(records))
    queries = scale_real.real_queries(people, 2000)
    if only_ar:
        queries = [q for q in queries if scale_real._ar(q[0])]
    from fts_share.errors import ValidationError
    from fts_share.matching import NameIndex
    from fts_share.matching.index import candidates, candidates_fast, search
    from fts_share.matching.index.bulk import add_many
    idx = NameIndex()
    add_many(idx, records)
    read: dict[str, int] = {}
    plan = candidates_fast.plan

    def planned(*a: Any) -> Any:
        order, pair_round, _, _ = out = plan(*a)
        post_len = a[6]
        read["direct"] = int(sum(post_len[g] for g, r in zip(order, pair_round) if r < 0))
        read["pair"] = int(sum(post_len[g] for g, r in zip(order, pair_round) if r >= 0))
        return out
    candidates_fast.plan = planned
    gather = candidates.gather

    def gathered(*a: Any, **k: Any) -> Any:
        out = gather(*a, **k)
        read["gathered"] = len(out[0])
        return out
    candidates.gather = gathered
    spent: collections.Counter[str] = collections.Counter()
    for mod, name, label in ((candidates, "gather", "scan"), (search, "_adjust", "evidence"),
                             (candidates, "far_pairs", "far pairs")):
        query_phases.timed(spent, mod, name, label)
    recent = scale._analysis_memo()

    def run(q: tuple[str, Any, Any]) -> float:
        recent.clear()
        read.clear()
        spent.clear()
        t = time.thread_time()
        try:
            idx.search(q[0], dob=q[1], nationality=q[2])
        except ValidationError:
            pass
        return time.thread_time() - t
    for q in queries:
        run(q)
    rows = []
    for q in queries:
        runs = sorted((run(q), dict(spent), dict(read)) for _ in range(reps))
        rows.append((runs[len(runs) // 2], q))
    total = sum(r[0][0] for r in rows)
    print(f"{n} names, {len(rows)} queries: mean {1e6 * total / len(rows):.0f} us, median "
          f"{1e6 * statistics.median(r[0][0] for r in rows):.0f} us")
    for label in ("scan", "evidence", "far pairs"):
        print(f"  {label}: {1e6 * sum(r[0][1].get(label, 0) for r in rows) / len(rows):.0f} us")
    for key in ("direct", "pair", "gathered"):
        print(f"  {key}: {sum(r[0][2].get(key, 0) for r in rows) / len(rows):.0f} per query")
    paired = [r for r in rows if r[0][2].get("pair")]
    print(f"  queries with pairing rounds: {len(paired)}, "
          f"{100 * sum(r[0][0] for r in paired) / total:.0f} % of the time")
    rows.sort(key=lambda r: -r[0][0])
    cum = 0.0
    for (t, sp, rd), q in rows[:40]:
        cum += t
        print(f"{1e6 * t:6.0f} us ({100 * cum / total:4.1f} %) scan {1e6 * sp.get('scan', 0):5.0f}"
              f" evidence {1e6 * sp.get('evidence', 0):4.0f} far {1e6 * sp.get('far pairs', 0):4.0f}"
              f" direct {rd.get('direct', 0):6d} pair {rd.get('pair', 0):6d}"
              f" gathered {rd.get('gathered', 0):5d}  {q[0][:45]!r} {q[1]} {q[2]}")


if __name__ == "__main__":
    main()
