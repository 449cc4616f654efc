"""Text rules of the notice format that need no marshmallow: clean text, ICAO document
numbers and the years a date may name. The marshmallow fields
(:mod:`~fts_share.notices.fields`) and the plain reading of a received notice
(:mod:`~fts_share.notices.received`) share them, so a poll of valid notices does not
load marshmallow."""

from __future__ import annotations

import re
import unicodedata

#: Directional marks and embeddings that only change how text is displayed.
BIDI_MARKS = dict.fromkeys([0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_BIDI = re.compile("[" + "".join(map(chr, BIDI_MARKS)) + "]")
#: Unicode categories Cc (U+0000-U+001F, U+007F-U+009F) and Cs (the surrogates); with
#: ``multiline``, newlines and tabs are allowed (tests/notices: every code point).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
MIN_YEAR = 1800
MAX_YEAR = 2200


def clean_text(value: str, *, multiline: bool = False) -> str:
    """NFC-normalise, drop bidi marks and strip; raise ValueError on control or
    surrogate characters (newlines and tabs allowed when ``multiline``)."""
    if multiline:  # a browser's textarea sends CR LF line breaks (HTML's form encoding)
        value = value.replace("\r\n", "\n")
    if (_CONTROL_MULTILINE if multiline else _CONTROL).search(value):
        raise ValueError("control characters are not allowed")
    if not value.isascii():  # (ASCII text holds no bidi mark and is in NFC already)
        if _BIDI.search(value):
            value = value.translate(BIDI_MARKS)
        value = unicodedata.normalize("NFC", value)
    return value.strip()


def normalize_doc_number(value: str) -> str:
    """ICAO style: spaces and hyphens removed, upper-case."""
    return re.sub(r"[\s\-\u2010-\u2015]", "", value).upper()
