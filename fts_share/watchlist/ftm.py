"""Parser of FollowTheMoney entities (the format of OpenSanctions' exports).

A file is JSON lines, one entity per line, as OpenSanctions publishes its datasets
(``entities.ftm.json``, ``targets.nested.json``)::

    {"id": "NK-...", "schema": "Person", "caption": "...",
     "properties": {"name": [...], "alias": [...], "weakAlias": [...],
                    "birthDate": ["1971"], "nationality": ["iq"], "passportNumber": [...]},
     "datasets": ["un_sc_sanctions"], ...}

Only ``Person`` entities are read (the others, such as companies, addresses or
sanctions, are counted and left out). Names: ``name``, ``alias``, ``previousName``,
``weakAlias``, and ``firstName`` ``fatherName`` ``lastName`` joined when the entity has
no ``name``. Dates: ``birthDate``. Nationalities: ``nationality`` and ``citizenship``
(ISO codes; a value the node does not know is kept as text and ignored in matching).
Documents: ``passportNumber`` and ``idNumber``. A person none of whose names the
engine can read is left out and counted (``unreadable``); a malformed line raises
:class:`~fts_share.errors.ImportFailed` naming the line and the field, and nothing is
returned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fts_share.matching.refdata.countries import resolve_country
from fts_share.watchlist.csv_list import WatchlistEntry
from fts_share.watchlist.json_input import (
    dates,
    documents,
    fail,
    readable,
    record_id,
    strings,
    text_of,
)

NAME_PROPS = ("name", "alias", "previousName", "weakAlias")
PARTS = ("firstName", "secondName", "middleName", "fatherName", "lastName")


@dataclass
class FtmFile:
    """The persons of a FollowTheMoney file, and what was left out."""

    persons: list[WatchlistEntry] = field(default_factory=list)
    other_schemata: int = 0
    unreadable: list[str] = field(default_factory=list)
    """ids of the persons none of whose names can be read"""
    datasets: dict[str, list[str]] = field(default_factory=dict)
    """each person's datasets (OpenSanctions' source lists)"""


def parse_ftm(data: bytes | str) -> FtmFile:
    """Parse and check a whole FollowTheMoney JSON lines file (module docstring)."""
    out = FtmFile()
    seen: dict[str, int] = {}
    for line, doc in documents(text_of(data, "FollowTheMoney")):
        for entity in doc if isinstance(doc, list) else [doc]:
            _entity(out, entity, line, seen)
    return out


def _entity(out: FtmFile, entity: Any, line: int, seen: dict[str, int]) -> None:
    if not isinstance(entity, dict):
        raise fail(line, "entity", "must be a JSON object")
    if entity.get("schema") != "Person":
        if not isinstance(entity.get("schema"), str):
            raise fail(line, "schema", "must be a schema name")
        out.other_schemata += 1
        return
    rid = record_id(entity.get("id"), line, "id")
    if rid in seen:
        raise fail(line, "id", f"duplicate id {rid!r} (first on line {seen[rid]})")
    seen[rid] = line
    props = entity.get("properties")
    if not isinstance(props, dict):
        raise fail(line, "properties", "must be an object")
    person = _person(rid, props, line)
    if not readable(person.all_names()):
        out.unreadable.append(rid)
        return
    out.persons.append(person)
    out.datasets[rid] = strings(entity.get("datasets"), line, "datasets")


def _prop(props: dict[str, Any], name: str, line: int) -> list[str]:
    return strings(props.get(name), line, f"properties.{name}")


def _person(rid: str, props: dict[str, Any], line: int) -> WatchlistEntry:
    names = [n for p in NAME_PROPS for n in _prop(props, p, line)]
    if not _prop(props, "name", line):
        joined = " ".join(n for p in PARTS for n in _prop(props, p, line)[:1])
        names = [joined, *names] if joined else names
    if not names:
        raise fail(line, "properties.name", "a Person needs a name")
    names = list(dict.fromkeys(names))
    dob = dates(_prop(props, "birthDate", line), line, "properties.birthDate")
    nats = [resolve_country(n) or n for n in
            _prop(props, "nationality", line) + _prop(props, "citizenship", line)]
    docs = _prop(props, "passportNumber", line) + _prop(props, "idNumber", line)
    return WatchlistEntry(rid, names[0], names[1:], dob, list(dict.fromkeys(nats)),
                          list(dict.fromkeys(docs)), line)
