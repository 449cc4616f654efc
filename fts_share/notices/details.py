"""The notice's details: what a liaison officer needs beyond the subject and the
movement, carried in the notice's extension point ``ext`` (docs/protocol.md,
"Versioning and extensions", "Notice details"). A node that does not know them keeps
them inside the signed statement and ignores them.

Registered members (all optional):

- ``case_summary``: the case in a few paragraphs (text, at most
  :data:`CASE_SUMMARY_MAX` characters);
- ``description``: the subject's physical description (height in centimetres, build,
  eyes, hair, distinguishing marks);
- ``affiliations``: the groups the subject belongs to, each optionally with its UN
  list reference (QDe.115);
- ``contact``: the point of contact at the origin (a unit, a phone number and/or an
  e-mail address; no officer's personal data is asked for);
- ``photo``: a JPEG or PNG photograph, with the legal basis of processing it. Photos
  are off unless the node's ``[handling] photos = true``; a photo is decoded and
  re-encoded with Pillow (:func:`reencode_photo`), which drops every metadata
  (EXIF, GPS, comments, ICC, XMP) and any trailing bytes.
"""

from __future__ import annotations

import base64
import binascii
import io
import warnings
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from marshmallow import ValidationError, fields, post_load, validates_schema
from marshmallow.validate import Email, Length, OneOf, Range

from fts_share.notices.base import StrictSchema, dedupe
from fts_share.notices.fields import BoundedList, FullMatch, Object, Text
from fts_share.notices.vocab import (
    BUILDS,
    CASE_SUMMARY_MAX,
    MARKS_MAX,
    MAX_AFFILIATIONS,
    MAX_LEGAL_BASES,
    NAME_MAX,
    PHONE,
    PHOTO_MAX_BYTES,
    PHOTO_MAX_SIDE,
    PHOTO_MIN_SIDE,
    PHOTO_TYPES,
    SHORT_TEXT_MAX,
    UN_REFERENCE,
)

#: The members of ``ext`` this node knows (registered in docs/protocol.md).
KNOWN = ("case_summary", "description", "affiliations", "contact", "photo")
PHOTOS_OFF = "Photos are off at this node ([handling] photos = false)."
NOT_BASE64 = "Not valid base64."
TOO_LARGE = f"The photo is larger than {PHOTO_MAX_BYTES // 1024} KiB."
NOT_IMAGE = "Not a JPEG or PNG image."
BAD_SIZE = (f"The photo must be between {PHOTO_MIN_SIDE} and {PHOTO_MAX_SIDE} pixels "
            "on each side.")
NOT_PHONE = "Not a phone number: digits, spaces and + ( ) . - only."
NO_WAY_TO_REACH = "Give a phone number or an e-mail address."
#: Pillow's names of the formats accepted, and their media types.
_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}
#: The base64 text of the largest photo (4 characters per 3 bytes).
PHOTO_MAX_BASE64 = -(-PHOTO_MAX_BYTES // 3) * 4


class DescriptionSchema(StrictSchema):
    """The subject's physical description (every part optional)."""

    height_cm = fields.Integer(strict=True, validate=Range(min=40, max=260))
    build = fields.String(validate=OneOf(BUILDS))
    eyes = Text(max_length=SHORT_TEXT_MAX)
    hair = Text(max_length=SHORT_TEXT_MAX)
    marks = Text(max_length=MARKS_MAX, multiline=True)


class AffiliationSchema(StrictSchema):
    """A group the subject belongs to; ``un_reference``: the group's entry on a UN
    sanctions list, when it has one."""

    name = Text(max_length=NAME_MAX, required=True)
    un_reference = fields.String(validate=FullMatch(UN_REFERENCE), allow_none=True,
                                 load_default=None)


class ContactSchema(StrictSchema):
    """The point of contact at the origin: a unit, and a phone number or an e-mail."""

    unit = Text(max_length=NAME_MAX, required=True)
    phone = fields.String(validate=FullMatch(PHONE, error=NOT_PHONE))
    email = fields.String(validate=[Length(max=254), Email()])

    @validates_schema
    def _reachable(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "unit" in data and not (data.get("phone") or data.get("email")):
            raise ValidationError(NO_WAY_TO_REACH, field_name="phone")


def _decode_base64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValidationError("Not a valid string.")
    if len(text) > PHOTO_MAX_BASE64 + 4:
        raise ValidationError(TOO_LARGE)
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(NOT_BASE64) from None
    if len(raw) > PHOTO_MAX_BYTES:
        raise ValidationError(TOO_LARGE)
    return raw


def reencode_photo(raw: bytes) -> tuple[bytes, str, int, int]:
    """Decode a JPEG or PNG photo and encode it again without any metadata; return
    ``(bytes, media_type, width, height)``. Raises marshmallow's ``ValidationError``
    on anything else (another format, a broken or oversized image, a decompression
    bomb)."""
    from PIL import Image, ImageOps  # Pillow: only loaded when a photo is sent

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw), formats=list(_FORMATS)) as img:
                fmt = str(img.format)
                if not all(PHOTO_MIN_SIDE <= side <= PHOTO_MAX_SIDE for side in img.size):
                    raise ValidationError(BAD_SIZE)
                img.load()
                clean = ImageOps.exif_transpose(img)  # keep the orientation, drop the tag
    except ValidationError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise ValidationError(NOT_IMAGE) from None
    # Nothing of the original's info (comment, EXIF, ICC, XMP, text chunks, DPI) is
    # written back; only a PNG's transparency is part of the picture.
    clean.info = {k: v for k, v in clean.info.items() if k == "transparency" and fmt == "PNG"}
    out = io.BytesIO()
    if fmt == "JPEG":
        if clean.mode not in ("RGB", "L"):
            clean = clean.convert("RGB")
        clean.save(out, format="JPEG", quality=88, optimize=True)
    else:
        if clean.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            clean = clean.convert("RGBA")
        clean.save(out, format="PNG", optimize=True)
    data = out.getvalue()
    if len(data) > PHOTO_MAX_BYTES:
        raise ValidationError(TOO_LARGE)
    return data, _FORMATS[fmt], clean.width, clean.height


class PhotoField(fields.Field):
    """The photo's image, base64 (standard alphabet) on input; re-encoded on load."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        return reencode_photo(_decode_base64(value))


class PhotoSchema(StrictSchema):
    """A photo of the subject and the legal basis of processing it (required)."""

    photos_enabled: bool = False

    data = PhotoField(required=True, metadata={
        "type": "string", "description": "the JPEG or PNG image, base64 (standard alphabet)"})
    legal_basis = BoundedList(fields.String(), min_items=1, max_items=MAX_LEGAL_BASES,
                              required=True)
    #: what the node wrote on the photo (an update may send a notice back as opened):
    #: accepted, and set again from the re-encoded image
    media_type = fields.String(validate=OneOf(PHOTO_TYPES))
    width = fields.Integer(strict=True, validate=Range(min=1, max=PHOTO_MAX_SIDE))
    height = fields.Integer(strict=True, validate=Range(min=1, max=PHOTO_MAX_SIDE))

    @post_load
    def _photo(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        image, media_type, width, height = data["data"]
        return {"media_type": media_type, "width": width, "height": height,
                "data": base64.b64encode(image).decode("ascii"),
                "legal_basis": dedupe(data["legal_basis"])}


class _PhotosOff(fields.Field):
    """The photo member on a node where photos are off: always refused, before the
    image is even decoded."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        raise ValidationError(PHOTOS_OFF)


class DetailsSchema(StrictSchema):
    """The registered members of a notice's ``ext`` (see the module docstring)."""

    case_summary = Text(max_length=CASE_SUMMARY_MAX, multiline=True)
    description = Object(DescriptionSchema)
    affiliations = BoundedList(Object(AffiliationSchema), max_items=MAX_AFFILIATIONS)
    contact = Object(ContactSchema)
    photo = Object(PhotoSchema)

    @post_load
    def _drop_empty(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {k: v for k, v in data.items() if v not in ({}, [], None)}


@lru_cache(maxsize=32)
def details_class(legal_bases: tuple[str, ...], photos: bool) -> type[DetailsSchema]:
    """:class:`DetailsSchema` with the node's legal-basis vocabulary for the photo, and
    the photo refused outright when ``photos`` is off (cached)."""
    photo: fields.Field[Any]
    if photos:
        photo_cls = type("PhotoInputSchema", (PhotoSchema,), {
            "__module__": __name__, "__doc__": PhotoSchema.__doc__,
            "legal_basis": BoundedList(fields.String(validate=OneOf(legal_bases)),
                                       min_items=1, max_items=MAX_LEGAL_BASES,
                                       required=True)})
        photo = Object(photo_cls)
    else:
        photo = _PhotosOff(metadata={"description": "refused: photos are off at this node "
                                                    "([handling] photos = false)"})
    return type("DetailsInputSchema", (DetailsSchema,), {
        "__module__": __name__, "__doc__": DetailsSchema.__doc__, "photo": photo})


def known_details(ext: Any) -> dict[str, Any]:
    """The members of a received notice's ``ext`` that this node knows and shows (the
    wire schema checked their shape on receipt; an unknown member is ignored)."""
    if not isinstance(ext, Mapping):
        return {}
    return {k: ext[k] for k in KNOWN if k in ext}


def photo_bytes(photo: Any) -> tuple[bytes, str] | None:
    """The image and media type of a notice's photo, when its bytes really are of the
    type it declares (a partner's notice is not trusted to say so)."""
    if not isinstance(photo, Mapping) or photo.get("media_type") not in PHOTO_TYPES:
        return None
    try:
        raw = base64.b64decode(str(photo.get("data", "")), validate=True)
    except (binascii.Error, ValueError):
        return None
    magic = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
    media_type = str(photo["media_type"])
    return (raw, media_type) if raw.startswith(magic[media_type]) else None
