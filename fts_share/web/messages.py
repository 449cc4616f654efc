"""Messages of the schemas, services and audit filters, in the page's language.

The domain and the API speak English (problem+json names the field and says what is
wrong); the pages translate what they show. A message is translated when the
catalogue has it as is, or when it matches one of the known patterns (a message with
a number or a list in it); any other message is shown as a translated "not valid"
followed by the English original, marked as English.
"""

from __future__ import annotations

import re

from flask_babel import gettext
from markupsafe import Markup

from fts_share.web import i18n


def _l(text: str) -> str:
    """Mark ``text`` for extraction into the catalogue (it is translated when shown)."""
    return text


#: Messages translated as they are.
EXACT = frozenset({
    _l("Missing data for required field."), _l("Not a valid string."),
    _l("Not a valid date: expected YYYY-MM-DD, YYYY-MM or YYYY."),
    _l("Not a valid date: expected YYYY-MM-DD."),
    _l("Not a valid date: no such day, month or year."),
    _l("A name must contain letters."), _l("Must be one of: {choices}."),
    _l("Below the minimum identifying data: give at least one name and one of "
       "date of birth, nationality or travel document."),
    _l("Name at least one recipient for audience 'named'."),
    _l("must be in the future"), _l("Control characters are not allowed."),
    _l("Unknown country: use an ISO 3166-1 alpha-3 code."),
    _l("Not a document number: 1 to 20 of A-Z, 0-9 and '<'."),
    _l("Not a partner code: expected three letters (A-Z)."),
    _l("Give either name or batch, not both."), _l("Give the name to screen (or a batch)."),
    _l("Unknown field."), _l("Not a valid integer."), _l("Not a valid boolean."),
    _l("Field may not be null."), _l("Not a valid list."), _l("Not a valid object."),
    _l("Invalid value."), _l("Invalid input type: expected a JSON object."),
    _l("Input is nested too deeply."), _l("Named users only apply to TLP:RED notices."),
    _l("Give a name or at least one other criterion."),
    _l("Must not come before the first date."),
    _l("Photos are off at this node ([handling] photos = false)."), _l("Not valid base64."),
    _l("Not a JPEG or PNG image."), _l("Give a phone number or an e-mail address."),
    _l("Not a phone number: digits, spaces and + ( ) . - only."),
    _l("Not a valid email address."),
})
#: Messages of the services and the audit filters, and what the pages say instead.
REWORDED = {
    "no partner on the roster to send to": _l("No partner on the roster to send to."),
    "name at least one other partner": _l("Name at least one other partner."),
    "unknown filter": _l("Unknown filter."),
    "must be an RFC 3339 time with a time zone": _l("Enter a day as YYYY-MM-DD."),
    "must be an aware datetime": _l("Enter a day as YYYY-MM-DD."),
    "must be after since": _l("The last day must come after the first."),
    "must be 'system', 'user:<name>' or 'node:<code>'":
        _l("Not an actor: write it as in the example."),
    "must be a partner code": _l("Not a partner code: expected three letters (A-Z)."),
    "must be asc or desc": _l("Choose an order from the list."),
    "beyond the end of the log": _l("This page is past the end of the log."),
    "malformed cursor": _l("This page link is damaged: start again from the first page."),
    "issued for other filters or order":
        _l("This page link belongs to other filters: start again from the first page."),
    "must be a JSON object": _l("Not a valid object."),
}
#: (pattern of the English message, translated message with the pattern's groups).
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), text) for pattern, text in (
        (r"Must be one of: (?P<choices>.+)\.", _l("Must be one of: %(choices)s.")),
        (r"must be one of (?P<choices>.+)", _l("Must be one of: %(choices)s.")),
        (r"Must have between (?P<min>\d+) and (?P<max>\d+) items\.",
         _l("Give between %(min)s and %(max)s items.")),
        (r"Longer than maximum length (?P<max>\d+)\.", _l("At most %(max)s characters.")),
        (r"Shorter than minimum length (?P<min>\d+)\.", _l("At least %(min)s characters.")),
        (r"Length must be between (?P<min>\d+) and (?P<max>\d+)\.",
         _l("Between %(min)s and %(max)s characters.")),
        (r"must be 1 to (?P<max>\d+) characters", _l("Between 1 and %(max)s characters.")),
        (r"(?P<code>[A-Z]{3}) is not an active partner",
         _l("%(code)s is not an active partner.")),
        (r"must be at most (?P<years>\d+) year\(s\) ahead.*",
         _l("At most %(years)s year(s) ahead.")),
        (r"Recipients are only given for audience 'named'.*",
         _l("Recipients are only given for the audience 'Named partners'.")),
        (r"must be an integer from 1 to (?P<max>\d+)",
         _l("Enter a whole number from 1 to %(max)s.")),
        (r"must be an integer with 0 <= index < size \((?P<size>\d+)\)",
         _l("Enter an entry number smaller than %(size)s.")),
        (r"must be an integer >= (?P<min>\d+)", _l("Enter a whole number of at least %(min)s.")),
        (r"The photo is larger than (?P<kib>\d+) KiB\.", _l("The photo is larger than %(kib)s KiB.")),
        (r"The photo must be between (?P<min>\d+) and (?P<max>\d+) pixels on each side\.",
         _l("The photo must be between %(min)s and %(max)s pixels on each side.")),
        (r"Must be greater than or equal to (?P<min>\d+) and less than or equal to (?P<max>\d+)\.",
         _l("Enter a whole number from %(min)s to %(max)s.")),
    ))


def translate(text: str) -> str:
    """``text`` in the page's language (see the module's docstring)."""
    if not text:
        return text
    if text in EXACT:
        return gettext(text)
    if text in REWORDED:
        return gettext(REWORDED[text])
    for pattern, template in PATTERNS:
        found = pattern.fullmatch(text)
        if found:
            return gettext(template, **found.groupdict())
    if i18n.current() == i18n.DEFAULT:
        return text
    return Markup('%s <span lang="en" dir="ltr">(%s)</span>') % (
        gettext("This value is not valid."), text)
