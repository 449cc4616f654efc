"""Fixed cost of one search on a SMALL index, as screening on arrival searches it
(issue 18 item 3, issue 16 speed): the UN list's records plus 2,000 received subjects
(``bench_receive.subjects``), queries of the same traffic (name, year of birth,
nationality; ``limit`` as ``services.arrival`` asks), the kept hits explained.

    PYTHONPATH=TREE python3 bench/matching/small_index.py TREE time      # µs per query
    PYTHONPATH=TREE python3 bench/matching/small_index.py TREE phases    # µs per step
    PYTHONPATH=TREE python3 bench/matching/small_index.py TREE dump OUT  # hits, pickled
    ... small_index.py TREE time|phases|dump [OUT] --mapped   # snapshot + overlay

``--mapped``: the UN list's index is written as a mapped snapshot and searched as a
node that mapped it does (``OverlaidIndex``: the received subjects in its overlay).

``time``: six batches of ~1,500 queries never searched before, their names analysed
first (in screening the page's subjects are added to the index, so analysed, before
the search); CPU µs per query of each batch, median. ``phases``: the steps of
``search`` wrapped in thread-CPU timers (a wrapper adds about a microsecond; nested
steps are inside their parents). ``dump``: every hit (record, score, name, and the
explanation of the first ``LIMIT``) of the first 3,000 queries, to compare two trees.
"""

from __future__ import annotations

import collections
import hashlib
import pickle
import sys
import time
from pathlib import Path
from typing import Any

BATCH = 1000  # subjects per timed batch (~1,500 names)


def _index(br: Any) -> Any:
    from fts_share.errors import ValidationError
    from fts_share.matching import NameIndex
    from fts_share.watchlist.un_xml import parse_un_xml
    idx = NameIndex()
    for e in parse_un_xml(br.UN_XML.read_bytes()).entries:
        names = [e.name, *(a.name for a in e.aliases)]
        names += [e.name_original_script] if e.name_original_script else []
        dobs = [d for d in (x.as_dob() for x in e.dates_of_birth) if d]
        try:
            idx.add(e.reference, names, dob=dobs or None,
                    documents=[d.number for d in e.documents if d.number] or None)
        except ValidationError:
            pass
    return idx


def _mapped(idx: Any) -> Any:
    """``idx`` written as a mapped snapshot, opened with an empty overlay."""
    import atexit
    import os
    import tempfile

    from fts_share.matching import MappedIndex, OverlaidIndex, write_mapped
    fd, path = tempfile.mkstemp(prefix="small-index-", suffix=".snap")
    os.close(fd)
    atexit.register(os.unlink, path)
    write_mapped(idx, path)
    return OverlaidIndex(MappedIndex.open(path))


def _queries(subjects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"name": n["full"], "dob": s["dob"]["value"], "nationality": s["nationalities"],
             "documents": None} for s in subjects for n in s["names"]]


def _run(idx: Any, queries: list[dict[str, Any]], limit: int, explained: int
         ) -> tuple[list[Any], float]:
    t = time.thread_time()
    res = idx.search_many(queries, limit=limit, skip_invalid=True)
    for hits in res:
        for h in hits[:explained]:
            h.explanation  # noqa: B018
    return res, time.thread_time() - t


def _phases(spent: collections.Counter[str]) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from query_phases import timed  # this checkout's, whatever tree is measured

    from fts_share.matching.index import candidates, groups, search
    for mod, name, label in (
            (search, "analyze_name", "analyze_name"), (search, "parse_dob", "parse_dob"),
            (search, "parse_countries", "parse_countries"),
            (search.query, "query_parts", "query_parts"),
            (search.query, "name_scores", "name_scores"),
            (candidates, "needed_weight", "  needed_weight"),
            (candidates, "QueryTable", "  QueryTable (set up)"),
            (candidates, "gather", "  gather"), (candidates, "select", "  select"),
            (candidates, "far_pairs", "  far_pairs"),
            (groups.GroupTable, "encode", "    encode (query groups)"),
            (candidates, "score_candidates", "  score_candidates"),
            (search, "_adjust", "_adjust (evidence)"), (search, "best_hits", "best_hits")):
        timed(spent, mod, name, label)


def main() -> None:
    mapped = "--mapped" in sys.argv
    argv = [a for a in sys.argv if a != "--mapped"]
    tree, mode = argv[1], argv[2]
    sys.path[:0] = [tree, str(Path(tree) / "bench")]
    import bench_receive as br

    from fts_share.errors import ValidationError
    from fts_share.matching.scoring.analysis import analyze_name
    from fts_share.services.arrival import LIMIT
    idx = _index(br)
    if mapped:
        idx = _mapped(idx)
    subjects = br.subjects(4000 + 6 * BATCH)
    for i, s in enumerate(subjects[:2000]):
        idx.add(f"n{i}", [n["full"] for n in s["names"]], dob=s["dob"]["value"],
                nationality=s["nationalities"])
    first = _queries(subjects[2000:4000])
    limit = LIMIT + 1 + 100  # as services.arrival asks, pages of 100
    _run(idx, first[:200], limit, LIMIT)  # numba's loads, first allocations
    if mode == "dump":
        res, _ = _run(idx, first, limit, LIMIT)
        out = [[(h.record_id, h.score, h.name, repr(h.explanation) if k < LIMIT else None)
                for k, h in enumerate(hits)] for hits in res]
        data = pickle.dumps(out)  # (the digest: of the repr, which shared strings do not change)
        Path(argv[3]).write_bytes(data)
        print(len(first), "queries", sum(map(len, out)), "hits",
              hashlib.sha256(repr(out).encode()).hexdigest()[:16])
        return
    spent: collections.Counter[str] = collections.Counter()
    if mode == "phases":
        _phases(spent)
    per = []
    for b in range(6):
        batch = _queries(subjects[4000 + b * BATCH:4000 + (b + 1) * BATCH])
        for q in batch:
            try:
                analyze_name(q["name"], field="name")
            except ValidationError:
                pass
        spent.clear()
        _, cpu = _run(idx, batch, limit, LIMIT)
        per.append(cpu * 1e6 / len(batch))
    print(f"{tree}: median {sorted(per)[3]:.1f} µs/query, batches "
          f"{[round(x, 1) for x in per]}")
    for label, s in spent.items():  # (the last batch's)
        print(f"  {label:28s} {s * 1e6 / len(batch):7.1f}")


if __name__ == "__main__":
    main()
