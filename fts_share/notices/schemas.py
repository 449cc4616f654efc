"""Marshmallow schemas of the notice at the edges (API, web forms, CLI).

The schema classes below are real, named :class:`marshmallow.Schema` classes (apispec
documents them). The legal-basis and purpose vocabularies are node configuration, so
the configured variants are made by factories (:func:`notice_input_schema`) that
subclass them with the vocabulary validators attached; a factory returns the same
classes for the same vocabularies.

Everything loaded is normalised: names NFC with bidi marks removed, countries as
upper-case ISO alpha-3, document numbers ICAO style, dates as ISO strings (partial
dates stay partial). Every failure is a :class:`fts_share.errors.ValidationError`
naming the field path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, pre_load, validates_schema
from marshmallow.validate import OneOf

from fts_share.errors import ValidationError as FtsValidationError
from fts_share.notices.base import StrictSchema, dedupe, run_load
from fts_share.notices.details import DetailsSchema, details_class
from fts_share.notices.fields import (
    BoundedList,
    Country,
    DocumentNumber,
    FullMatch,
    Object,
    PartialDate,
    PartnerCode,
    StrictBoolean,
    Text,
    Timestamp,
)
from fts_share.notices.requests import (
    DecisionSchema,
    NoticeSearchSchema,
    OpenRequestSchema,
    ScreenDocumentSchema,
    ScreenRequestSchema,
    ScreenRowSchema,
    WithdrawalSchema,
    load_decision,
    load_notice_search,
    load_open_request,
    load_screen_request,
    load_withdrawal,
    notice_search_class,
    open_request_class,
    screen_request_class,
)
from fts_share.notices.vocab import (
    AUDIENCES,
    CAVEATS,
    DECISIONS,
    DEFAULT_CAVEATS,
    DEFAULT_MINOR_TLP,
    DEFAULT_TLP,
    DOC_TYPES,
    LABELS,
    MAX_DOCUMENTS,
    MAX_LEGAL_BASES,
    MAX_NAMED_USERS,
    MAX_NAMES,
    MAX_NATIONALITIES,
    MAX_RECIPIENTS,
    MINOR_FORBIDDEN_LABELS,
    MOVEMENT_KINDS,
    NAME_KINDS,
    NAME_MAX,
    PLACE_MAX,
    SEXES,
    SHORT_TEXT_MAX,
    STATUSES,
    UN_REFERENCE,
    USER_NAME,
)

__all__ = [
    "AUDIENCES",
    "CAVEATS",
    "DECISIONS",
    "DOC_TYPES",
    "LABELS",
    "MINIMUM_CRITERIA",
    "MOVEMENT_KINDS",
    "NAME_KINDS",
    "SEXES",
    "STATUSES",
    "BasisSchema",
    "DateOfBirthSchema",
    "DecisionSchema",
    "DocumentSchema",
    "HandlingSchema",
    "MovementSchema",
    "NameSchema",
    "NoticeInputSchema",
    "NoticeSchema",
    "NoticeSearchSchema",
    "OpenRequestSchema",
    "ProvenanceSchema",
    "ScreenDocumentSchema",
    "ScreenRequestSchema",
    "ScreenRowSchema",
    "SubjectSchema",
    "WithdrawalSchema",
    "dump_notice",
    "load_decision",
    "load_notice_input",
    "load_notice_search",
    "load_open_request",
    "load_screen_request",
    "load_withdrawal",
    "notice_input_class",
    "notice_input_schema",
    "notice_search_class",
    "open_request_class",
    "screen_request_class",
]

MINIMUM_CRITERIA = ("Below the minimum identifying data: give at least one name and one of "
                    "date of birth, nationality or travel document.")


class NameSchema(StrictSchema):
    """One name of the subject, as written (any script)."""

    full = Text(max_length=NAME_MAX, required=True)
    kind = fields.String(validate=OneOf(NAME_KINDS), load_default="primary")

    @validates_schema
    def _has_letters(self, data: dict[str, Any], **kwargs: Any) -> None:
        full = data.get("full")
        if full is not None and not any(ch.isalpha() for ch in full):
            raise ValidationError("A name must contain letters.", field_name="full")


class DateOfBirthSchema(StrictSchema):
    """A date of birth, possibly partial (year, or year and month) or approximate."""

    value = PartialDate(required=True)
    approximate = StrictBoolean(load_default=False)


class DocumentSchema(StrictSchema):
    """A travel or identity document, ICAO style."""

    type = fields.String(required=True, validate=OneOf(DOC_TYPES))
    number = DocumentNumber(required=True)
    issuer = Country(icao_special=True, allow_none=True, load_default=None)
    expires = PartialDate(full=True, allow_none=True, load_default=None)


class SubjectSchema(StrictSchema):
    """The person a notice is about."""

    names = BoundedList(Object(NameSchema), min_items=1, max_items=MAX_NAMES,
                        required=True)
    sex = fields.String(validate=OneOf(SEXES), load_default="unknown")
    dob = Object(DateOfBirthSchema, allow_none=True, load_default=None)
    place_of_birth = Text(max_length=PLACE_MAX, allow_none=True, load_default=None)
    nationalities = BoundedList(Country(), max_items=MAX_NATIONALITIES, load_default=list)
    documents = BoundedList(Object(DocumentSchema), max_items=MAX_DOCUMENTS,
                            load_default=list)
    minor = StrictBoolean(load_default=False)

    @pre_load
    def _dob_shorthand(self, data: Any, **kwargs: Any) -> Any:
        # "dob": "1971" is accepted for {"value": "1971", "approximate": false}.
        if isinstance(data, dict) and isinstance(data.get("dob"), str):
            data = {**data, "dob": {"value": data["dob"]}}
        return data

    @post_load
    def _normalise(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if "names" in data:
            seen: set[str] = set()
            names = []
            for name in data["names"]:
                if name["full"] not in seen:
                    seen.add(name["full"])
                    names.append(name)
            data["names"] = names
        if "nationalities" in data:
            data["nationalities"] = dedupe(data["nationalities"])
        return data


class MovementSchema(StrictSchema):
    """The movement the notice reports."""

    kind = fields.String(required=True, validate=OneOf(MOVEMENT_KINDS))
    place = Text(max_length=PLACE_MAX, required=True)
    country = Country(allow_none=True, load_default=None)
    date = PartialDate(allow_none=True, load_default=None)
    carrier = Text(max_length=SHORT_TEXT_MAX, allow_none=True, load_default=None)
    route = Text(max_length=SHORT_TEXT_MAX, allow_none=True, load_default=None)


class BasisSchema(StrictSchema):
    """The Security Council instruments the notice rests on."""

    legal_basis = BoundedList(fields.String(), min_items=1, max_items=MAX_LEGAL_BASES,
                              required=True)
    un_reference = fields.String(validate=FullMatch(UN_REFERENCE), allow_none=True,
                                 load_default=None)

    @post_load
    def _normalise(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if "legal_basis" in data:
            data["legal_basis"] = dedupe(data["legal_basis"])
        return data


class HandlingSchema(StrictSchema):
    """What the source allows: audience, TLP label, caveats, purposes, review date.

    ``tlp`` is defaulted by :class:`NoticeInputSchema` (it depends on ``subject.minor``);
    ``review_date`` is defaulted by the service (it depends on the time).
    """

    default_purposes: tuple[str, ...] = ()

    audience = fields.String(required=True, validate=OneOf(AUDIENCES))
    recipients = BoundedList(PartnerCode(), max_items=MAX_RECIPIENTS, load_default=list)
    tlp = fields.String(validate=OneOf(LABELS))
    caveats = BoundedList(fields.String(validate=OneOf(CAVEATS)), max_items=len(CAVEATS) * 2,
                          load_default=lambda: list(DEFAULT_CAVEATS))
    purposes = BoundedList(fields.String(), min_items=1, max_items=50)
    review_date = PartialDate(full=True, allow_none=True, load_default=None)
    named_users = BoundedList(fields.String(validate=FullMatch(USER_NAME)),
                              max_items=MAX_NAMED_USERS, load_default=list)

    @validates_schema(skip_on_field_errors=False)
    def _audience(self, data: dict[str, Any], **kwargs: Any) -> None:
        audience, recipients = data.get("audience"), data.get("recipients")
        if audience == "named" and "recipients" in data and not recipients:
            raise ValidationError("Name at least one recipient for audience 'named'.",
                                  field_name="recipients")
        if audience in AUDIENCES and audience != "named" and recipients:
            raise ValidationError(f"Recipients are only given for audience 'named', "
                                  f"not {audience!r}.", field_name="recipients")
        if data.get("named_users") and data.get("tlp") != "RED":
            raise ValidationError("Named users only apply to TLP:RED notices.",
                                  field_name="named_users")

    @post_load
    def _normalise(self, data: dict[str, Any], *, partial: Any = None,
                   **kwargs: Any) -> dict[str, Any]:
        for key in ("recipients", "caveats", "purposes", "named_users"):
            if key in data:
                data[key] = dedupe(data[key])
        if "purposes" not in data and not partial and self.default_purposes:
            data["purposes"] = list(self.default_purposes)
        return data


class NoticeInputSchema(StrictSchema):
    """A notice as an officer submits it (see the module docstring for the rules)."""

    subject = Object(SubjectSchema, required=True)
    movement = Object(MovementSchema, required=True)
    basis = Object(BasisSchema, required=True)
    handling = Object(HandlingSchema, required=True)
    #: the notice's details (case summary, description, affiliations, contact, photo):
    #: registered members of the extension point (:mod:`fts_share.notices.details`)
    ext = Object(DetailsSchema)

    @validates_schema
    def _rules(self, data: dict[str, Any], *, partial: Any = None, **kwargs: Any) -> None:
        subject, handling = data.get("subject") or {}, data.get("handling") or {}
        if not partial and not (subject.get("dob") or subject.get("nationalities")
                                or subject.get("documents")):
            raise ValidationError(MINIMUM_CRITERIA, field_name="subject")
        if subject.get("minor") and handling.get("tlp") in MINOR_FORBIDDEN_LABELS:
            raise ValidationError({"handling": {"tlp": [
                (f"A notice about a minor cannot be TLP:{handling['tlp']}; "
                 f"use {DEFAULT_MINOR_TLP} or stricter.")]}})

    @post_load
    def _default_tlp(self, data: dict[str, Any], *, partial: Any = None,
                     **kwargs: Any) -> dict[str, Any]:
        handling = data.get("handling")
        if not partial and handling is not None and "tlp" not in handling:
            minor = data.get("subject", {}).get("minor", False)
            handling["tlp"] = DEFAULT_MINOR_TLP if minor else DEFAULT_TLP
        return data


class ProvenanceSchema(Schema):
    """Who made a notice version, when, and what it supersedes (output only)."""

    id = fields.String(required=True)
    version = fields.Integer(required=True)
    origin = fields.String(required=True)
    officer = fields.String(required=True)
    created = Timestamp(required=True)
    supersedes = fields.Integer(allow_none=True)
    recipients = fields.List(fields.String())


class NoticeSchema(NoticeInputSchema):
    """The decrypted view of a notice: the content plus provenance and status."""

    provenance = Object(ProvenanceSchema, required=True)
    status = fields.String(required=True, validate=OneOf(STATUSES))


@lru_cache(maxsize=32)
def notice_input_class(legal_bases: tuple[str, ...], purposes: tuple[str, ...],
                       photos: bool = False) -> type[NoticeInputSchema]:
    """The :class:`NoticeInputSchema` subclass for these vocabularies (cached, so the
    same vocabularies give the same classes; the class names stay stable).

    Its nested configured schemas are named ``BasisInputSchema`` and
    ``HandlingInputSchema`` so that apispec can document them next to the output
    :class:`NoticeSchema` (which nests the plain ``BasisSchema``/``HandlingSchema``).
    ``photos``: whether this node accepts a photo in ``ext`` (``[handling] photos``)."""
    basis = type("BasisInputSchema", (BasisSchema,), {
        "__module__": __name__, "__doc__": BasisSchema.__doc__,
        "legal_basis": BoundedList(fields.String(validate=OneOf(legal_bases)), min_items=1,
                                   max_items=MAX_LEGAL_BASES, required=True)})
    handling = type("HandlingInputSchema", (HandlingSchema,), {
        "__module__": __name__, "__doc__": HandlingSchema.__doc__,
        "default_purposes": purposes,
        "purposes": BoundedList(fields.String(validate=OneOf(purposes)), min_items=1,
                                max_items=50)})
    return type("NoticeInputSchema", (NoticeInputSchema,), {
        "__module__": __name__, "__doc__": NoticeInputSchema.__doc__,
        "basis": Object(basis, required=True),
        "handling": Object(handling, required=True),
        "ext": Object(details_class(legal_bases, photos))})


def notice_input_schema(*, legal_bases: Sequence[str], purposes: Sequence[str],
                        partial: bool = False, photos: bool = False) -> NoticeInputSchema:
    """A notice input schema checking the configured vocabularies.

    With ``partial=True`` (an update), absent fields are neither required nor
    defaulted, and the minimum-criteria rule is left to the merged result.
    """
    cls = notice_input_class(tuple(legal_bases), tuple(purposes), photos)
    return cls(partial=partial)


def load_notice_input(data: Any, *, legal_bases: Sequence[str], purposes: Sequence[str],
                      photos: bool = False) -> dict[str, Any]:
    """Validate and normalise a submitted notice; raises
    :class:`fts_share.errors.ValidationError` naming each bad field. ``photos``:
    whether a photo may be given (``[handling] photos``)."""
    loaded = run_load(notice_input_schema(legal_bases=legal_bases, purposes=purposes,
                                          photos=photos), data)
    if not loaded.get("ext"):
        loaded.pop("ext", None)
    return loaded


def dump_notice(view: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON view of a decrypted notice (content, ``provenance`` and ``status``)."""
    result = NoticeSchema().dump(view)
    assert isinstance(result, dict)
    return result


@lru_cache(maxsize=1)
def _received_schemas() -> tuple[tuple[str, StrictSchema], ...]:
    """The schemas of what screening reads of a received notice, built once (a schema
    holds no state between loads; building one copies every field)."""
    return (("subject", SubjectSchema()), ("movement", MovementSchema()))


def load_received_with_schemas(notice: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The subject and the movement of a notice received from a partner, loaded with
    the notice's own schemas (shapes checked, shorthands expanded), so that screening
    and indexing read checked values. A partner's vocabularies may differ from this
    node's, so basis and handling are not checked here. Raises
    :class:`fts_share.errors.ValidationError` naming ``notice.subject...``.
    :func:`fts_share.notices.received.load_received` calls it for what it does not
    read plainly."""
    if not isinstance(notice, dict):
        raise FtsValidationError({"notice": ["must be a JSON object"]})
    loaded: dict[str, Any] = {}
    for name, schema in _received_schemas():
        if name == "movement" and notice.get(name) is None:
            loaded[name] = None
            continue
        try:
            loaded[name] = run_load(schema, notice.get(name))
        except FtsValidationError as exc:
            raise FtsValidationError({f"notice.{name}": exc.errors}) from None
    return loaded["subject"], loaded["movement"]
