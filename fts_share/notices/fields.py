"""Marshmallow fields of the notice format: clean text, partial dates, country codes,
partner codes, document numbers and strict booleans."""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import date, datetime
from typing import Any, cast

from marshmallow import ValidationError, fields
from marshmallow.validate import Regexp

from fts_share.clock import to_rfc3339
from fts_share.countries import country_code
from fts_share.notices.text import MAX_YEAR, MIN_YEAR, clean_text, normalize_doc_number
from fts_share.notices.vocab import DOC_NUMBER, ICAO_SPECIAL_ISSUERS, PARTNER_CODE

_PARTIAL_DATE = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$")
_FULL_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")


class Text(fields.String):
    """A string that is cleaned (:func:`clean_text`) and then length-checked."""

    default_error_messages = {  # noqa: RUF012 - marshmallow's attribute
        "control": "Control characters are not allowed.",
        "length": "Length must be between {min} and {max} characters.",
    }

    def __init__(self, *, min_length: int = 1, max_length: int, multiline: bool = False,
                 **kwargs: Any) -> None:
        metadata = dict(kwargs.pop("metadata", None) or {})
        metadata.setdefault("minLength", min_length)
        metadata.setdefault("maxLength", max_length)
        super().__init__(metadata=metadata, **kwargs)
        self.min_length, self.max_length, self.multiline = min_length, max_length, multiline

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        raw = super()._deserialize(value, attr, data, **kwargs)
        # Refuse absurd input before the per-character work (10 MB strings).
        if len(raw) > 4 * self.max_length + 64:
            raise self.make_error("length", min=self.min_length, max=self.max_length)
        try:
            text = clean_text(raw, multiline=self.multiline)
        except ValueError:
            raise self.make_error("control") from None
        if not self.min_length <= len(text) <= self.max_length:
            raise self.make_error("length", min=self.min_length, max=self.max_length)
        return text


class PartialDate(fields.String):
    """A date as YYYY, YYYY-MM or YYYY-MM-DD (``full=True``: only YYYY-MM-DD), checked
    to be a real calendar date and kept as written (partial stays partial)."""

    default_error_messages = {  # noqa: RUF012 - marshmallow's attribute
        "format": "Not a valid date: expected YYYY-MM-DD, YYYY-MM or YYYY.",
        "full": "Not a valid date: expected YYYY-MM-DD.",
        "range": "Not a valid date: no such day, month or year.",
    }

    def __init__(self, *, full: bool = False, **kwargs: Any) -> None:
        metadata = dict(kwargs.pop("metadata", None) or {})
        pattern = _FULL_DATE.pattern if full else _PARTIAL_DATE.pattern
        metadata.setdefault("pattern", pattern)
        if full:
            metadata.setdefault("format", "date")
        super().__init__(metadata=metadata, **kwargs)
        self.full = full

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        if isinstance(value, (date, datetime)):
            value = value.strftime("%Y-%m-%d")
        return super()._serialize(value, attr, obj, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        raw = super()._deserialize(value, attr, data, **kwargs)
        m = (_FULL_DATE if self.full else _PARTIAL_DATE).fullmatch(raw)
        if m is None or len(raw) > 10:
            raise self.make_error("full" if self.full else "format")
        year, month, day = (int(g) if g else None for g in m.groups())
        assert year is not None
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise self.make_error("range")
        if month is not None and not 1 <= month <= 12:
            raise self.make_error("range")
        if (month is not None and day is not None
                and not 1 <= day <= calendar.monthrange(year, month)[1]):
            raise self.make_error("range")
        return raw


class Country(fields.String):
    """An ISO 3166-1 country given as alpha-3, alpha-2 or a name (English, French,
    Arabic), loaded as the upper-case alpha-3 code; ``icao_special`` also accepts
    the ICAO 9303 issuer codes that are not countries (UNO, XXA, ...)."""

    default_error_messages = {"unknown": "Unknown country: use an ISO 3166-1 alpha-3 code."}  # noqa: RUF012

    def __init__(self, *, icao_special: bool = False, **kwargs: Any) -> None:
        metadata = dict(kwargs.pop("metadata", None) or {})
        metadata.setdefault("description", "ISO 3166-1 alpha-3 (names and alpha-2 accepted on input)")
        super().__init__(metadata=metadata, **kwargs)
        self.icao_special = icao_special

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        raw = super()._deserialize(value, attr, data, **kwargs)
        if self.icao_special and raw.strip().upper() in ICAO_SPECIAL_ISSUERS:
            return raw.strip().upper()
        try:
            return country_code(raw)
        except ValueError:
            raise self.make_error("unknown") from None


class PartnerCode(fields.String):
    """A roster partner code: three letters, loaded upper-case."""

    default_error_messages = {"code": "Not a partner code: expected three letters (A-Z)."}  # noqa: RUF012

    def __init__(self, **kwargs: Any) -> None:
        metadata = dict(kwargs.pop("metadata", None) or {})
        metadata.setdefault("pattern", PARTNER_CODE.pattern)
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        code = super()._deserialize(value, attr, data, **kwargs).strip().upper()
        if not PARTNER_CODE.fullmatch(code):
            raise self.make_error("code")
        return code


class DocumentNumber(fields.String):
    """A travel document number, normalised (:func:`normalize_doc_number`) and checked
    against the ICAO character set (A-Z, 0-9, '<'), at most 20 characters."""

    default_error_messages = {"number": "Not a document number: 1 to 20 of A-Z, 0-9 and '<'."}  # noqa: RUF012

    def __init__(self, **kwargs: Any) -> None:
        metadata = dict(kwargs.pop("metadata", None) or {})
        metadata.setdefault("pattern", DOC_NUMBER.pattern)
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        raw = super()._deserialize(value, attr, data, **kwargs)
        if len(raw) > 100:
            raise self.make_error("number")
        number = normalize_doc_number(raw)
        if not DOC_NUMBER.fullmatch(number):
            raise self.make_error("number")
        return number


class StrictBoolean(fields.Boolean):
    """JSON ``true`` / ``false`` only (marshmallow's Boolean also takes "yes", 1, ...)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class Timestamp(fields.String):
    """An RFC 3339 time on output (datetime objects are formatted, strings kept)."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        if isinstance(value, datetime):
            value = to_rfc3339(value)
        return super()._serialize(value, attr, obj, **kwargs)


class BoundedList(fields.List[Any]):
    """A list whose length is checked before its items are loaded, so that an
    oversized list costs nothing (``min_items``/``max_items``)."""

    default_error_messages = {"items": "Must have between {min} and {max} items."}  # noqa: RUF012

    def __init__(self, cls_or_instance: Any, *, min_items: int = 0, max_items: int,
                 **kwargs: Any) -> None:
        metadata = dict(kwargs.pop("metadata", None) or {})
        metadata.setdefault("minItems", min_items)
        metadata.setdefault("maxItems", max_items)
        super().__init__(cls_or_instance, metadata=metadata, **kwargs)
        self.min_items, self.max_items = min_items, max_items

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[Any]:
        if isinstance(value, (list, tuple)) and not self.min_items <= len(value) <= self.max_items:
            raise self.make_error("items", min=self.min_items, max=self.max_items)
        return super()._deserialize(value, attr, data, **kwargs)


class FullMatch(Regexp):
    """:class:`marshmallow.validate.Regexp` that must match the whole string
    (``re.match`` with ``$`` would let a trailing newline through)."""

    def __call__(self, value: Any) -> Any:
        if not isinstance(value, str) or cast("re.Pattern[str]", self.regex).fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


class Object(fields.Nested):
    """A nested schema whose input must be a JSON object; the error names the field
    itself ("subject.dob") rather than "subject.dob._schema"."""

    default_error_messages = {"object": "Not a valid object."}  # noqa: RUF012

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None,
                     partial: bool | Sequence[str] | AbstractSet[str] | None = None,
                     **kwargs: Any) -> Any:
        if not isinstance(value, dict):
            raise self.make_error("object")
        return super()._deserialize(value, attr, data, partial, **kwargs)
