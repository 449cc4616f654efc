"""What an officer does with a batch screening's results: filter them (score, measure,
decision, hits only), page through them, and export them as CSV or JSON. Each hit
carries the decision taken on it and the link to its notice or list entry."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fts_share.services.hit_links import DECISIONS

#: result rows per page
PAGE_ROWS = 50
CSV_COLUMNS = ("ref", "name", "result", "rank", "score", "reference", "matched_name",
               "source", "measures", "decision", "link")


@dataclass(frozen=True)
class Filters:
    """The filters of the results page (all optional)."""

    min_score: float | None = None
    measure: str | None = None
    decision: str | None = None
    hits_only: bool = False

    @classmethod
    def from_args(cls, args: Any) -> Filters:
        """Filters from query arguments; values that do not parse are ignored."""
        try:
            score = float(args.get("min_score", "")) if args.get("min_score") else None
        except ValueError:
            score = None
        if score is not None and not 0.0 <= score <= 1.0:
            score = None
        measure = (args.get("measure") or "").strip()[:40] or None
        decision = args.get("decision") if args.get("decision") in DECISIONS else None
        return cls(min_score=score, measure=measure, decision=decision,
                   hits_only=args.get("hits") == "1")

    def query(self) -> dict[str, str]:
        """The filters as query arguments (for paging and export links)."""
        out: dict[str, str] = {}
        if self.min_score is not None:
            out["min_score"] = f"{self.min_score:g}"
        if self.measure:
            out["measure"] = self.measure
        if self.decision:
            out["decision"] = self.decision
        if self.hits_only:
            out["hits"] = "1"
        return out


def _keep_hit(hit: dict[str, Any], f: Filters) -> bool:
    if f.min_score is not None and float(hit.get("score", 0)) < f.min_score:
        return False
    if f.decision and hit.get("decision") != f.decision:
        return False
    return not f.measure or f.measure in (hit.get("measures") or [])


def annotate(results: list[dict[str, Any]], decided: Mapping[str, Mapping[str, Any]],
             link: Callable[[str], str | None]) -> list[dict[str, Any]]:
    """The rows with each hit's ``decision`` and ``alert`` (from ``decided``, by
    reference) and ``link`` (to its notice or list entry)."""
    out = []
    for row in results:
        hits = [{**h, **decided.get(h.get("reference", ""), {}),
                 "link": link(h.get("reference", ""))} for h in row.get("hits", [])]
        out.append({**row, "hits": hits})
    return out


def apply(results: list[dict[str, Any]], f: Filters) -> list[dict[str, Any]]:
    """The rows with only the hits that pass the filters; rows left without a hit are
    dropped when a hit filter is set (score, measure, decision, or hits only)."""
    hit_filter = (f.min_score is not None or bool(f.measure) or bool(f.decision)
                  or f.hits_only)
    out = []
    for row in results:
        hits = [h for h in row.get("hits", []) if _keep_hit(h, f)]
        if hit_filter and not hits:
            continue
        out.append({**row, "hits": hits})
    return out


def clamp(count: int, page: int) -> tuple[int, int]:
    """``page`` (1-based) clamped to the pages of ``count`` rows, and how many pages."""
    pages = max(1, -(-count // PAGE_ROWS))
    return min(max(1, page), pages), pages


def page_of(rows: list[dict[str, Any]], page: int) -> tuple[list[dict[str, Any]], int, int]:
    """The rows of ``page`` (1-based, clamped), the page, and the number of pages."""
    page, pages = clamp(len(rows), page)
    return rows[(page - 1) * PAGE_ROWS:page * PAGE_ROWS], page, pages


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(rows: list[dict[str, Any]]) -> str:
    """One line per hit (a row without a hit: one line with an empty hit)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        result = "error" if row.get("error") else ("hit" if row.get("hits") else "no hit")
        hits = row.get("hits") or [None]
        for rank, hit in enumerate(hits, start=1):
            h = hit or {}
            writer.writerow([_cell(v) for v in (
                row.get("ref"), row.get("name"), result, rank if hit else "",
                h.get("score", ""), h.get("reference", ""), h.get("matched_name", ""),
                h.get("source", ""), " ".join(h.get("measures") or []),
                h.get("decision", ""), h.get("link") or "")])
    return out.getvalue()


def to_json(job: dict[str, Any], rows: list[dict[str, Any]], f: Filters) -> str:
    """The job's filtered results as one JSON document."""
    return json.dumps({"job": job["id"], "total": job["total"], "filters": f.query(),
                       "finished": job["finished"].isoformat().replace("+00:00", "Z")
                       if job["finished"] else None, "results": rows},
                      ensure_ascii=False, indent=1)
