"""Schemas of the small requests around notices: withdrawal, opening a notice,
screening (one person or a batch), alert decisions and searches of received notices."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import Any

from marshmallow import ValidationError, fields, post_load, pre_load, validates_schema
from marshmallow.validate import OneOf, Range

from fts_share.notices.base import StrictSchema, dedupe, run_load
from fts_share.notices.fields import (
    BoundedList,
    Country,
    DocumentNumber,
    Object,
    PartialDate,
    PartnerCode,
    Text,
)
from fts_share.notices.vocab import (
    DECISIONS,
    DOC_TYPES,
    MAX_DOCUMENTS,
    MAX_LEGAL_BASES,
    NAME_MAX,
    NOTE_MAX,
    REASON_MAX,
    SHORT_TEXT_MAX,
)


class WithdrawalSchema(StrictSchema):
    """Why the source withdraws a notice."""

    reason = Text(max_length=REASON_MAX, multiline=True, required=True)


class DecisionSchema(StrictSchema):
    """An officer's decision on a screening alert, with its reason (required): confirm,
    dismiss, or reopen (undo) a decision."""

    decision = fields.String(required=True, validate=OneOf(DECISIONS))
    reason = Text(max_length=NOTE_MAX, multiline=True, required=True)
    #: on a confirmation, a note for the notice's origin (sent with the hit feedback)
    note = Text(max_length=REASON_MAX, multiline=True)


class OpenRequestSchema(StrictSchema):
    """The stated purpose and legal basis of opening a notice (logged with it)."""

    purpose = fields.String(required=True)
    legal_basis = BoundedList(fields.String(), min_items=1, max_items=MAX_LEGAL_BASES,
                              required=True)

    @post_load
    def _normalise(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if "legal_basis" in data:
            data["legal_basis"] = dedupe(data["legal_basis"])
        return data


class ScreenDocumentSchema(StrictSchema):
    """A document number to screen (a bare string is accepted for ``{"number": ...}``)."""

    number = DocumentNumber(required=True)
    type = fields.String(validate=OneOf(DOC_TYPES), allow_none=True, load_default=None)
    issuer = Country(icao_special=True, allow_none=True, load_default=None)


class ScreenRowSchema(StrictSchema):
    """One row of a batch screening."""

    ref = Text(max_length=SHORT_TEXT_MAX, allow_none=True, load_default=None)
    name = Text(max_length=NAME_MAX, required=True)
    dob = PartialDate(allow_none=True, load_default=None)
    nationality = Country(allow_none=True, load_default=None)


class ScreenRequestSchema(OpenRequestSchema):
    """A screening: one person (``name`` ...) or a ``batch`` of rows, never both."""

    max_rows: int = 100_000

    name = Text(max_length=NAME_MAX)
    dob = PartialDate(allow_none=True)
    nationality = Country(allow_none=True)
    documents = BoundedList(Object(ScreenDocumentSchema), max_items=MAX_DOCUMENTS)
    batch = BoundedList(Object(ScreenRowSchema), min_items=1, max_items=100_000)

    @pre_load
    def _bare_document_numbers(self, data: Any, **kwargs: Any) -> Any:
        docs = data.get("documents") if isinstance(data, dict) else None
        if isinstance(docs, list) and any(isinstance(d, str) for d in docs):
            data = {**data, "documents": [{"number": d} if isinstance(d, str) else d
                                          for d in docs]}
        return data

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _one_mode(self, data: dict[str, Any], raw: Any, **kwargs: Any) -> None:
        raw = raw if isinstance(raw, dict) else {}
        has_name = "name" in data or "name" in raw
        has_batch = "batch" in data or "batch" in raw
        if has_name and has_batch:
            raise ValidationError("Give either name or batch, not both.", field_name="batch")
        if not has_name and not has_batch:
            raise ValidationError("Give the name to screen (or a batch).", field_name="name")
        if has_batch:
            extra = {k: ["Only with a single name, not with a batch."]
                     for k in ("dob", "nationality", "documents") if k in raw}
            if extra:
                raise ValidationError(extra)

    @post_load
    def _normalise_mode(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if "batch" in data:
            for i, row in enumerate(data["batch"], start=1):
                if row["ref"] is None:
                    row["ref"] = str(i)
        else:
            data.setdefault("dob", None)
            data.setdefault("nationality", None)
            data.setdefault("documents", [])
        return data


@lru_cache(maxsize=32)
def open_request_class(purposes: tuple[str, ...],
                       legal_bases: tuple[str, ...]) -> type[OpenRequestSchema]:
    """:class:`OpenRequestSchema` checking these vocabularies (cached)."""
    return type("OpenRequestSchema", (OpenRequestSchema,), _vocab_fields(purposes, legal_bases))


@lru_cache(maxsize=32)
def screen_request_class(purposes: tuple[str, ...], legal_bases: tuple[str, ...],
                         max_rows: int) -> type[ScreenRequestSchema]:
    """:class:`ScreenRequestSchema` checking these vocabularies and batch size (cached)."""
    attrs = _vocab_fields(purposes, legal_bases)
    attrs["max_rows"] = max_rows
    attrs["batch"] = BoundedList(Object(ScreenRowSchema), min_items=1,
                                 max_items=max_rows)
    return type("ScreenRequestSchema", (ScreenRequestSchema,), attrs)


def _vocab_fields(purposes: tuple[str, ...], legal_bases: tuple[str, ...]) -> dict[str, Any]:
    return {"__module__": __name__,
            "purpose": fields.String(required=True, validate=OneOf(purposes)),
            "legal_basis": BoundedList(fields.String(validate=OneOf(legal_bases)), min_items=1,
                                       max_items=MAX_LEGAL_BASES, required=True)}


def load_withdrawal(data: Any) -> dict[str, Any]:
    """``{"reason": str}`` (1 to 500 characters)."""
    return run_load(WithdrawalSchema(), data)


def load_decision(data: Any) -> dict[str, Any]:
    """``{"decision": "confirmed" | "dismissed" | "reopened", "reason": str}``."""
    return run_load(DecisionSchema(), data)


def load_open_request(data: Any, *, purposes: Sequence[str],
                      legal_bases: Sequence[str]) -> dict[str, Any]:
    """``{"purpose": str, "legal_basis": [str, ...]}`` from the configured vocabularies."""
    return run_load(open_request_class(tuple(purposes), tuple(legal_bases))(), data)


def load_screen_request(data: Any, *, purposes: Sequence[str], legal_bases: Sequence[str],
                        max_rows: int) -> dict[str, Any]:
    """A screening request, normalised to one of two shapes:

    - single: ``{"purpose", "legal_basis", "name", "dob", "nationality", "documents"}``
      (``dob``/``nationality`` ``None`` when absent, ``documents`` a list of
      ``{"number", "type", "issuer"}``);
    - batch: ``{"purpose", "legal_basis", "batch": [{"ref", "name", "dob",
      "nationality"}, ...]}`` with ``ref`` defaulting to the 1-based row number.
    """
    cls = screen_request_class(tuple(purposes), tuple(legal_bases), int(max_rows))
    return run_load(cls(), data)


#: Received-notice searches: results per page, at most.
SEARCH_MAX_PER_PAGE = 100
#: ... and the highest page number asked for.
SEARCH_MAX_PAGE = 10_000
#: The criteria of a search (at least one is given).
SEARCH_CRITERIA = ("name", "nationality", "origin", "dob_from", "dob_to", "dated_from",
                   "dated_to")
NO_CRITERION = "Give a name or at least one other criterion."
BEFORE_FIRST = "Must not come before the first date."


class NoticeSearchSchema(OpenRequestSchema):
    """A search of the notices received here, with its purpose and legal basis: a name
    (read by the matching engine, any script), the subject's nationality and date of
    birth range, the notice's origin and date range (``dated_*``: the day its latest
    version was issued); combined, paged."""

    name = Text(max_length=NAME_MAX)
    nationality = Country()
    origin = PartnerCode()
    dob_from = PartialDate()
    dob_to = PartialDate()
    dated_from = PartialDate(full=True)
    dated_to = PartialDate(full=True)
    page = fields.Integer(strict=True, load_default=1,
                          validate=Range(min=1, max=SEARCH_MAX_PAGE))
    per_page = fields.Integer(strict=True, load_default=25,
                              validate=Range(min=1, max=SEARCH_MAX_PER_PAGE))

    @validates_schema
    def _criteria(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not any(data.get(k) for k in SEARCH_CRITERIA):
            raise ValidationError(NO_CRITERION, field_name="name")
        errors: dict[str, list[str]] = {}
        dob_from, dob_to = data.get("dob_from"), data.get("dob_to")
        if dob_from and dob_to and date_bounds(dob_to)[1] < date_bounds(dob_from)[0]:
            errors["dob_to"] = [BEFORE_FIRST]
        dated_from, dated_to = data.get("dated_from"), data.get("dated_to")
        if dated_from and dated_to and dated_to < dated_from:
            errors["dated_to"] = [BEFORE_FIRST]
        if errors:
            raise ValidationError(errors)


def date_bounds(value: str) -> tuple[date, date]:
    """The first and the last day a (partial, valid) date covers: ``"1994"`` is
    1994-01-01 to 1994-12-31."""
    parts = [int(p) for p in value.split("-")]
    year = parts[0]
    month = parts[1] if len(parts) > 1 else None
    day = parts[2] if len(parts) > 2 else None
    if month is None:
        return date(year, 1, 1), date(year, 12, 31)
    if day is None:
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    return date(year, month, day), date(year, month, day)


@lru_cache(maxsize=32)
def notice_search_class(purposes: tuple[str, ...],
                        legal_bases: tuple[str, ...]) -> type[NoticeSearchSchema]:
    """:class:`NoticeSearchSchema` checking these vocabularies (cached)."""
    return type("NoticeSearchSchema", (NoticeSearchSchema,),
                _vocab_fields(purposes, legal_bases))


def load_notice_search(data: Any, *, purposes: Sequence[str],
                       legal_bases: Sequence[str]) -> dict[str, Any]:
    """A received-notice search (:class:`NoticeSearchSchema`), the absent criteria
    ``None``."""
    loaded = run_load(notice_search_class(tuple(purposes), tuple(legal_bases))(), data)
    return {**dict.fromkeys(SEARCH_CRITERIA), **loaded}
