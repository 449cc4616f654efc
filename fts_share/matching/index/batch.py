"""Batch screening (passenger manifests): ``NameIndex.search_many``.

With ``workers > 1`` the index is shared with forked worker processes
(copy-on-write, no pickling of the index; the index's objects are moved out of the
cyclic collector's reach with ``gc.freeze`` so that workers do not copy its pages)
and rows are sent in chunks; results come
back in input order. ``progress(done, total)`` is called in the calling process.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from fts_share.errors import ValidationError
from fts_share.matching.index.hits import Hit, ProgressFn

CHUNK = 500


class Searcher(Protocol):
    """What a batch needs of an index: ``NameIndex.search``."""

    def search(self, name: str, *, dob: Any = None, nationality: Any = None,
               documents: Any = None, limit: int = 10, threshold: float | None = None
               ) -> list[Hit]: ...


_WORKER_INDEX: Searcher | None = None


def _one(index: Searcher, row: int, query: Any, limit: int, threshold: float | None,
         skip_invalid: bool) -> list[Hit]:
    if isinstance(query, str):
        query = {"name": query}
    if not isinstance(query, Mapping):
        raise ValidationError({f"queries.{row}": ["must be a name or a mapping"]})
    try:
        name = query.get("name")  # validated by search, which names the field
        return index.search(name, dob=query.get("dob"),  # type: ignore[arg-type]
                            nationality=query.get("nationality"),
                            documents=query.get("documents"), limit=limit,
                            threshold=threshold)
    except ValidationError as exc:
        if skip_invalid:
            return []
        raise ValidationError({f"queries.{row}.{k}": v for k, v in exc.errors.items()}
                              ) from None


def _chunk(args: tuple[int, Sequence[Any], int, float | None, bool]
           ) -> list[list[Hit]] | dict[str, Any]:
    start, rows, limit, threshold, skip_invalid = args
    assert _WORKER_INDEX is not None
    try:
        return [_one(_WORKER_INDEX, start + i, q, limit, threshold, skip_invalid)
                for i, q in enumerate(rows)]
    except ValidationError as exc:  # sent back as data: exceptions do not unpickle
        return {"errors": exc.errors}


def run_batch(index: Searcher, queries: list[Any], *, workers: int, limit: int,
              threshold: float | None, progress: ProgressFn | None,
              skip_invalid: bool) -> list[list[Hit]]:
    """Search every query; see :meth:`NameIndex.search_many`."""
    global _WORKER_INDEX
    total = len(queries)
    out: list[list[Hit]] = []
    if workers <= 1 or total < 2 * CHUNK or "fork" not in mp.get_all_start_methods():
        for i, q in enumerate(queries):
            out.append(_one(index, i, q, limit, threshold, skip_invalid))
            if progress and (i + 1) % CHUNK == 0:
                progress(i + 1, total)
        if progress:
            progress(total, total)
        return out
    _WORKER_INDEX = index
    frozen_before = gc.get_freeze_count() > 0  # the screening index froze the heap once
    gc.freeze()  # keep the collector from touching (and so copying) the shared index
    try:
        jobs = [(s, queries[s:s + CHUNK], limit, threshold, skip_invalid)
                for s in range(0, total, CHUNK)]
        with mp.get_context("fork").Pool(workers) as pool:
            for part in pool.imap(_chunk, jobs):
                if isinstance(part, dict):
                    raise ValidationError(part["errors"])
                out.extend(part)
                if progress:
                    progress(len(out), total)
    finally:
        _WORKER_INDEX = None
        if not frozen_before:  # leave a freeze that was there before as it was
            gc.unfreeze()
    return out
