"""Baseline (b): OpenSanctions nomenklatura logic-v2, run in its own virtualenv.

Reads ``{"records": [{"id", "names"}], "queries": [{"name"}], "threshold", "limit",
"workers"}`` as JSON on stdin; writes ``{"results": [[[id, score], ...], ...],
"seconds": float}`` on stdout. Every record is compared with every query (no
blocking), each query entity with its own id (the algorithm caches by id).
"""

import json
import multiprocessing as mp
import sys
import time

from followthemoney import model
from nomenklatura.matching import get_algorithm
from nomenklatura.matching.types import ScoringConfig

_STATE: dict = {}


def _init(records):
    _STATE["algo"] = get_algorithm("logic-v2")
    _STATE["cfg"] = ScoringConfig.defaults()
    _STATE["records"] = [
        (r["id"], model.get_proxy({"id": f"r-{i}", "schema": "Person",
                                   "properties": {"name": r["names"]}}))
        for i, r in enumerate(records)]


def _run(args):
    qi, name, threshold, limit = args
    algo, cfg = _STATE["algo"], _STATE["cfg"]
    q = model.get_proxy({"id": f"q-{qi}", "schema": "Person", "properties": {"name": [name]}})
    scored = []
    for rid, ent in _STATE["records"]:
        s = algo.compare(q, ent, cfg).score
        if s >= threshold:
            scored.append((rid, round(float(s), 4)))
    scored.sort(key=lambda t: -t[1])
    return scored[:limit]


def main():
    job = json.load(sys.stdin)
    t0 = time.perf_counter()
    args = [(i, q["name"], job["threshold"], job["limit"]) for i, q in enumerate(job["queries"])]
    with mp.get_context("fork").Pool(job.get("workers", 2), _init, (job["records"],)) as pool:
        results = pool.map(_run, args, chunksize=4)
    json.dump({"results": results, "seconds": time.perf_counter() - t0}, sys.stdout)


if __name__ == "__main__":
    main()
