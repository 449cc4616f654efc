"""What every edge schema shares: unknown fields refused, one error type."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any, TypeVar

import marshmallow
from marshmallow import RAISE, Schema

from fts_share.errors import ValidationError, hide_odd_members

T = TypeVar("T", bound=Hashable)


class StrictSchema(Schema):
    """A schema that refuses unknown fields (naming them) at every level."""

    class Meta:
        unknown = RAISE


def dedupe(items: Iterable[T]) -> list[T]:
    """The items without repeats, first occurrence first."""
    return list(dict.fromkeys(items))


def run_load(schema: Schema, data: Any) -> dict[str, Any]:
    """Load ``data`` with ``schema``; every failure is a :class:`ValidationError`
    whose ``errors`` maps field paths ("subject.dob.value") to messages."""
    if not isinstance(data, dict):
        raise ValidationError({"_schema": ["Invalid input type: expected a JSON object."]})
    try:
        result = schema.load(data)
    except marshmallow.ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise ValidationError(hide_odd_members(messages)) from None
    except RecursionError:
        raise ValidationError({"_schema": ["Input is nested too deeply."]}) from None
    assert isinstance(result, dict)
    return result
