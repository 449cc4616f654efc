"""Closed vocabularies and patterns of the notice format.

The legal-basis and purpose vocabularies are node configuration
(:class:`fts_share.config.HandlingSettings`); everything here is fixed by the format.
"""

from __future__ import annotations

import re

#: TLP 2.0 labels, strictest first.
LABELS = ("RED", "AMBER+STRICT", "AMBER", "GREEN", "CLEAR")
#: Handling caveats a source may attach.
CAVEATS = ("ct-only", "no-judicial-use", "no-onward-dissemination", "other")
#: Who a notice is encrypted to (see :meth:`fts_share.federation.roster.Roster.audience`).
AUDIENCES = ("named", "all-members", "members-and-observers")
MOVEMENT_KINDS = ("departure", "transit", "arrival", "attempted_crossing", "detention",
                  "release", "return", "relocation", "death_reported")
SEXES = ("male", "female", "unknown")
DOC_TYPES = ("passport", "id_card", "travel_document", "visa", "other")
#: How a name relates to the subject: the name as written in the original script,
#: a transliteration, an alias, a kunya (Abu X), a nom de guerre, a former name.
NAME_KINDS = ("primary", "spelling", "alias", "kunya", "nom_de_guerre", "former")
#: Lifecycle of a notice as a node sees it.
STATUSES = ("active", "superseded", "withdrawn", "purged")
DECISIONS = ("confirmed", "dismissed", "reopened")

DEFAULT_TLP = "AMBER"
DEFAULT_MINOR_TLP = "AMBER+STRICT"
DEFAULT_CAVEATS = ("ct-only",)
#: Labels a notice about a minor may not carry.
MINOR_FORBIDDEN_LABELS = ("GREEN", "CLEAR")

#: UN Security Council sanctions list references (QDi.299, TAi.012, ...).
UN_REFERENCE = re.compile(r"^(QDi|QDe|TAi|TAe|IQi|IQe|KPi|KPe|[A-Z]{2}[ie])\.[0-9]{3}$")
#: A partner code on the roster: alpha-3 like (organisations too, e.g. "EUR").
PARTNER_CODE = re.compile(r"^[A-Z]{3}$")
#: A travel document number after normalisation (ICAO 9303 character set).
DOC_NUMBER = re.compile(r"^[A-Z0-9<]{1,20}$")
#: A local user name (for RED notices shown to named users only).
USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
#: Issuers that are not ISO 3166 countries but valid ICAO 9303 codes.
ICAO_SPECIAL_ISSUERS = ("EUE", "UNO", "UNA", "UNK", "XBA", "XIM", "XCC", "XCO", "XEC",
                        "XPO", "XES", "XMP", "XOM", "XDC", "XXA", "XXB", "XXC", "XXX")

MAX_NAMES = 20
MAX_NATIONALITIES = 10
MAX_DOCUMENTS = 10
MAX_RECIPIENTS = 200
MAX_NAMED_USERS = 50
MAX_LEGAL_BASES = 20
NAME_MAX = 200
PLACE_MAX = 200
SHORT_TEXT_MAX = 100
REASON_MAX = 500
NOTE_MAX = 1000

# -- notice details (``ext``, docs/protocol.md "Notice details") --------------------------
CASE_SUMMARY_MAX = 2000
MARKS_MAX = 500
MAX_AFFILIATIONS = 10
#: A subject's build in a physical description.
BUILDS = ("slim", "medium", "heavy", "muscular")
#: A phone number: digits, spaces, dots, hyphens, parentheses, an optional leading +.
PHONE = re.compile(r"^\+?[0-9][0-9 ().-]{2,29}$")
#: The photo's media types, its largest size in bytes (once re-encoded), and the
#: bounds of its sides in pixels. 256 KiB keeps a notice sealed to the roster's
#: largest audience within an envelope's 1 MiB (docs/protocol.md, "Notice details").
PHOTO_TYPES = ("image/jpeg", "image/png")
PHOTO_MAX_BYTES = 256 * 1024
PHOTO_MIN_SIDE = 16
PHOTO_MAX_SIDE = 2048
