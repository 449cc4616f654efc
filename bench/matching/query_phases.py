"""Where a query's CPU time goes, phase by phase (issue 16, speed): builds an index of
the first N records of ``scale_real.recombined`` (pickled in /tmp by ``build_cpu.py``
or here), answers the bench's queries once uncounted, then once more with each step
of ``search`` wrapped in a thread-CPU timer; prints microseconds per query per step::

    PYTHONPATH=ENGINE python3 bench/matching/query_phases.py ENGINE 300000 [ar|all]

``ar``: the Arabic-script queries only. The timers add about a microsecond per call.
"""

import collections
import pickle
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def timed(spent: collections.Counter[str], mod: Any, name: str, label: str) -> None:
    """Replace ``mod.name`` by a wrapper that adds its thread CPU time to ``spent[label]``."""
    f = getattr(mod, name)

    def wrapper(*a: Any, **k: Any) -> Any:
        t = time.thread_time()
        try:
            return f(*a, **k)
        finally:
            spent[label] += time.thread_time() - t
    setattr(mod, name, wrapper)


def main() -> None:
    eng, n = sys.argv[1], int(sys.argv[2])
    only_ar = (sys.argv[3] if len(sys.argv) > 3 else "ar") == "ar"
    sys.path[:0] = [eng, str(HERE)]
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
    from fts_share.matching.index import candidates, search
    from fts_share.matching.index.bulk import add_many
    idx = NameIndex()
    add_many(idx, records)
    spent: collections.Counter[str] = collections.Counter()

    for mod, name, label in (
            (search, "analyze_name", "analyze_name"), (search.query, "query_parts", "query_parts"),
            (search.query, "name_scores", "name_scores"), (search, "_adjust", "_adjust (evidence)"),
            (search, "best_hits", "best_hits"), (candidates, "gather", "  gather (scan)"),
            (candidates, "select", "  select"), (candidates, "far_pairs", "  far_pairs"),
            (candidates, "score_candidates", "  score_candidates"),
            (candidates, "QueryTable", "  QueryTable"),
            (search.query.candidates.postings_fast, "name_groups", "    name_groups")):
        timed(spent, mod, name, label)

    def one_pass() -> float:
        recent = scale._analysis_memo()
        t0 = time.thread_time()
        for name, year, nat in queries:
            recent.clear()
            try:
                idx.search(name, dob=year, nationality=nat)
            except ValidationError:
                pass
        return time.thread_time() - t0
    one_pass()
    spent.clear()
    total = one_pass()
    print(f"{len(queries)} queries, {1e6 * total / len(queries):.1f} us per query")
    for label, s in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"{label:22s} {1e6 * s / len(queries):8.1f} us  {100 * s / total:5.1f} %")


if __name__ == "__main__":
    main()
