"""Parser of national watchlists in CSV.

Columns (header row required, UTF-8, comma-separated; order free):
``id`` and ``name`` (required), ``aliases`` (``;``-separated), ``dob`` (``;``-separated
variants, see :func:`fts_share.matching.scoring.evidence.parse_dob`), ``nationality``
(``;``-separated codes, names or demonyms; a value that is not recognised is kept as
text and ignored in matching), ``documents`` (``;``-separated numbers). A name or
alias the engine cannot read is kept (the index leaves it out); a row is refused only
when none of its names can be read. Unknown
columns are refused, so a misspelt header is not silently ignored.

Every row is validated (names, dates, countries) before anything is returned; the
first bad row raises :class:`~fts_share.errors.ImportFailed` naming the line and the
field. Nothing is returned partially.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from fts_share.errors import ImportFailed, ValidationError
from fts_share.matching import analyze_name, parse_dob
from fts_share.matching.scoring.evidence import parse_documents

REQUIRED = ("id", "name")
OPTIONAL = ("aliases", "dob", "nationality", "documents")
#: Largest file accepted (bytes) and most rows.
MAX_CSV_BYTES = 100 * 1024 * 1024
MAX_ROWS = 2_000_000


@dataclass(frozen=True)
class WatchlistEntry:
    """One row of a national watchlist."""

    id: str
    name: str
    aliases: list[str] = field(default_factory=list)
    dob: list[str] = field(default_factory=list)
    nationality: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    line: int = 0

    def all_names(self) -> list[str]:
        """The name and its aliases."""
        return [self.name] + self.aliases


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(";") if v.strip()]


def _text(data: bytes | str) -> str:
    """The file as text: within the size, UTF-8 (a byte-order mark is dropped)."""
    if isinstance(data, str):
        return data
    if len(data) > MAX_CSV_BYTES:
        raise ImportFailed(f"watchlist file larger than {MAX_CSV_BYTES} bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(f"watchlist is not UTF-8 (byte {exc.start})") from None


def _columns(reader: csv.DictReader[str]) -> list[str]:
    """The header's columns, lower-cased; every required one, no unknown one."""
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        raise ImportFailed(f"line 1: {exc}", line=1) from None
    cols = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in cols]
    unknown = [c for c in cols if c not in REQUIRED + OPTIONAL]
    if missing or unknown:
        problems = [f"missing column(s) {', '.join(missing)}"] if missing else []
        problems += [f"unknown column(s) {', '.join(unknown)}"] if unknown else []
        raise ImportFailed(f"line 1: {'; '.join(problems)}", line=1, field="header")
    return cols


def _rows(reader: csv.DictReader[str]) -> list[WatchlistEntry]:
    entries: list[WatchlistEntry] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if len(entries) >= MAX_ROWS:
            raise ImportFailed(f"more than {MAX_ROWS} rows", line=line)
        if None in row:
            raise _fail(line, "row", "more fields than the header")
        entry = _entry(row, line)
        if entry.id in seen:
            raise _fail(line, "id", f"duplicate id {entry.id!r} (first on line {seen[entry.id]})")
        seen[entry.id] = line
        entries.append(entry)
    return entries


def parse_watchlist_csv(data: bytes | str) -> list[WatchlistEntry]:
    """Parse and validate a whole watchlist CSV (see the module docstring)."""
    reader = csv.DictReader(io.StringIO(_text(data), newline=""), strict=True)
    reader.fieldnames = _columns(reader)
    try:
        return _rows(reader)
    except csv.Error as exc:
        raise ImportFailed(f"line {reader.line_num}: {exc}", line=reader.line_num) from None


def _fail(line: int, fld: str, message: str) -> ImportFailed:
    return ImportFailed(f"line {line}, field {fld}: {message}", line=line, field=fld)


def _readable_name(name: str, aliases: list[str]) -> None:
    """Raise ``ValidationError`` (field ``name``) when neither the name nor any alias
    can be read; an unreadable alias beside a readable name is kept (stored, shown)
    and left out of the index when it is built."""
    if not name:
        raise ValidationError({"name": ["must not be empty"]})
    problems: list[str] = []
    for text in (name, *aliases):
        try:
            analyze_name(text, field="name")
            return
        except ValidationError as exc:
            problems.extend(m for msgs in exc.errors.values() for m in msgs)
    raise ValidationError({"name": [f"no name or alias can be read: {problems[0]}"]})


def _entry(row: dict[str, str | None], line: int) -> WatchlistEntry:
    rid = (row.get("id") or "").strip()
    if not rid:
        raise _fail(line, "id", "must not be empty")
    name = (row.get("name") or "").strip()
    aliases = _split(row.get("aliases"))
    dob, nat, docs = _split(row.get("dob")), _split(row.get("nationality")), \
        _split(row.get("documents"))
    try:
        _readable_name(name, aliases)
        parse_dob(dob, field="dob")
        parse_documents(docs, field="documents")
    except ValidationError as exc:
        fld, msgs = next(iter(exc.errors.items()))
        raise _fail(line, fld, "; ".join(msgs)) from None
    return WatchlistEntry(rid, name, aliases, dob, nat, docs, line)
