"""Where a screening poll's CPU goes: one ``bench_receive.py`` worker (a fresh process,
the partner serving in it, 2,000 notices by default) with thread-CPU accumulators around
the parts of screening on arrival, the cyclic collector's time during the poll by
generation, and the time numba spends loading its compiled functions from the cache.

    python3 bench/screen_parts.py TREE [--backend sqlite] [--envelopes 2000] [--snapshot]
                                       [--warm] [--pg-admin URL]

TREE is the tree under test (first on ``sys.path``). Each part is the polling thread's
CPU inside the named function (nested parts are included in their parents; ``gc``:
CPU seconds of collections during the poll, all threads). Prints one JSON line: the
worker's figures (``cpu_s``, ``rate_cpu``, ``digest``) and ``parts``.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import io
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent / "matching"))
from query_phases import timed

ACC: collections.Counter[str] = collections.Counter()
GC: dict[str, Any] = {"t": {}, "n": {}, "start": 0.0, "polling": False}


def _collections(phase: str, info: dict[str, int]) -> None:
    if not GC["polling"]:
        return
    g = str(info["generation"])
    if phase == "start":
        GC["start"] = time.process_time()
    else:
        GC["t"][g] = GC["t"].get(g, 0.0) + time.process_time() - GC["start"]
        GC["n"][g] = GC["n"].get(g, 0) + 1


def instrument() -> None:
    """Wrap the parts of screening on arrival (this tree's names)."""
    from numba.core import caching
    from sqlalchemy.orm import Session

    from fts_share.matching import NameIndex, OverlaidIndex
    from fts_share.screening import index as sidx
    from fts_share.services import alert_groups, arrival, polling, screening
    from fts_share.storage import watchlist

    for owner, name, label in [
            (arrival, "screen_arrivals", "screen on arrival (all)"),
            (arrival, "_index_subjects", "  subjects as watchlist entries"),
            (arrival, "current_index", "  index refresh (all)"),
            (sidx.WatchlistIndex, "_build", "    first build of the index"),
            (sidx.WatchlistIndex, "_write_first_snapshot", "    first snapshot written"),
            (sidx.WatchlistIndex, "_map_newer_snapshot", "    snapshot mapped"),
            (sidx.WatchlistIndex, "_catch_up", "    catch-up with the page (all)"),
            (watchlist.SqlWatchlist, "changes", "      changes query (autoflush)"),
            (sidx.WatchlistIndex, "_apply", "      NameIndex.add of the subjects"),
            (sidx.WatchlistIndex, "search_many", "  batch search (with explanations)"),
            (OverlaidIndex, "search_many", "    engine's batch search, mapped (no explanations)"),
            (NameIndex, "search_many", "    engine's batch search, built (no explanations)"),
            (screening, "subject_entry", "    subject_entry"),
            (arrival, "entries_by_id", "    held entries (query)"),
            (alert_groups, "_plan", "    plan (grouping and linking)"),
            (Session, "flush", "ORM flushes (all, polling thread)"),
            (arrival, "_raise_alerts", "  alerts, matches, sightings, audit (all)"),
            (alert_groups, "explanation_of", "    explanations as dicts"),
            (alert_groups, "hit_entries" if hasattr(alert_groups, "hit_entries")
             else "entries_by_id", "    entries of the hits (query)"),
            (alert_groups, "_owners", "    alerts of linked notices (query)"),
            (alert_groups, "insert_alerts", "    insert alerts"),
            (alert_groups, "insert_sightings", "    insert sightings"),
            (alert_groups, "insert_matches", "    insert matches"),
            (alert_groups, "record_many", "    audit entries"),
            (polling.Poller, "_poll_pages", "poll (polling thread)"),
            (caching.Cache, "load_overload", "numba: compiled code loaded (process)")]:
        timed(ACC, owner, name, label)
    inner = polling.Poller._poll_pages

    def flagged(*a: Any, **k: Any) -> Any:
        GC["polling"] = True
        try:
            return inner(*a, **k)
        finally:
            GC["polling"] = False

    polling.Poller._poll_pages = flagged  # type: ignore[method-assign]
    gc.callbacks.append(_collections)


def main() -> None:
    tree = sys.argv[1]
    sys.path[:0] = [tree, tree + "/tests", tree + "/bench"]
    instrument()
    import bench_receive

    args = ["--worker", "--tree", tree, "--screening", "--grouping", "on", *sys.argv[2:]]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        bench_receive.main(args)
    result = json.loads(out.getvalue().strip().splitlines()[-1])
    result["parts"] = {k: round(v, 3) for k, v in ACC.items()}
    result["parts"]["gc"] = {"cpu_s": {g: round(t, 3) for g, t in GC["t"].items()},
                             "collections": GC["n"]}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
