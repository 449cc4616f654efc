"""Rules of the notice format that hold wherever a notice is handled: who may see its
content, what its review date may be, and how far it may travel.

The source's restrictions travel with the notice and are never widened: the caveat
``no-onward-dissemination`` forbids both re-sharing and export by a recipient, and a
TLP:RED or TLP:AMBER+STRICT notice is never re-shared.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from fts_share.config import HandlingSettings
from fts_share.crypto.canonical import unb64u
from fts_share.errors import ValidationError

NO_ONWARD = "no-onward-dissemination"
NEVER_RESHARED = ("RED", "AMBER+STRICT")
REVIEW_MAX_YEARS = 5


@dataclass(frozen=True)
class Actor:
    """Who acts: a user of this node (name and role)."""

    name: str
    role: str

    @property
    def audit_name(self) -> str:
        """The actor as written in the audit log."""
        return f"user:{self.name}"


class Labelled(Protocol):
    """What :func:`visible_to` reads of a notice version."""

    label: str
    named_users: list[str]
    authored: bool
    officer: str | None


def visible_to(row: Labelled, actor: Actor) -> bool:
    """TLP:RED content is shown only to the users named on the notice (and its author)."""
    if row.label != "RED":
        return True
    return actor.name in row.named_users or (row.authored and actor.name == row.officer)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def review_date(handling: HandlingSettings, data: Mapping[str, Any], now: datetime) -> str:
    """The review date: given, or the default (stricter for minors); never beyond the
    maximum, never in the past."""
    minor = bool(data["subject"].get("minor"))
    years = handling.minor_review_years if minor else handling.review_years
    default = _add_years(now.date(), min(years, REVIEW_MAX_YEARS))
    given = data["handling"].get("review_date")
    if not given:
        return default.isoformat()
    day = date.fromisoformat(given)
    if day <= now.date():
        raise ValidationError({"handling.review_date": ["must be in the future"]})
    if day > default:
        limit = "for a minor " if minor else ""
        raise ValidationError({"handling.review_date": [
            f"must be at most {years} year(s) ahead {limit}({default.isoformat()})"]})
    return day.isoformat()


def decode_content(content: Mapping[str, Any]) -> dict[str, Any]:
    """The notice inside stored content (authored: as is; received: the signed
    statement, verified at ingestion)."""
    if "notice" in content:
        return dict(content["notice"])
    statement = json.loads(unb64u(content["signed"]))
    return dict(statement["payload"]["notice"])
