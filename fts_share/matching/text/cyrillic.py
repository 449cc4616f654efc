"""Readings of Cyrillic-script words in the shared key space (see ``bridge``).

A Cyrillic word is romanised with the standard schemas that the Latin spellings of
Cyrillic names on lists and passports come from, each implemented by the ``iuliia``
library (MIT; every schema ships as data with its published samples):

* ICAO Doc 9303 (the passport practice since 2013: Yurii -> Iurii, Ц -> ts);
* BGN/PCGN 1947 (the UN, US and UK lists: Khadzhiyev, Yevgeniy);
* ISO 9:1995 = GOST 7.79-2000 system A (Hadžiev, read as its letters sound: č š ž ŝ
  and c are ch sh zh shch and ts, so *Čataev* is *Chataev*, never *Kataev*);
* the "Wikipedia" schema, the common simplified BGN/PCGN (Yury).

Each romanisation is folded like any Latin name and read by ``latin``; the distinct
readings are kept, at most ``forms.MAX_FORMS``, passport practice first. No ad hoc
letter table: the schemas are the library's.
"""

from __future__ import annotations

from functools import lru_cache

import iuliia  # type: ignore[import-untyped]

from fts_share.matching.text.forms import MAX_FORMS, Form
from fts_share.matching.text.latin import latin_forms
from fts_share.matching.text.normalize import fold_latin

#: The schemas, in the order their readings are kept.
SCHEMAS = (iuliia.ICAO_DOC_9303, iuliia.BGN_PCGN, iuliia.GOST_779, iuliia.WIKIPEDIA)


def is_cyrillic_char(ch: str) -> bool:
    """True for letters of the Cyrillic blocks."""
    return "\u0400" <= ch <= "\u052f"


#: ISO 9's letters that Latin reads otherwise once folded: c is ц (ts) and ŝ is щ
#: (shch); č š ž are folded to ch sh zh as in any Latin name (``normalize._CARON``)
_ISO9_AS_READ = str.maketrans({"c": "ts", "ŝ": "shch"})


def _fold(text: str) -> str:
    """A romanisation folded as ``normalize.fold_latin`` folds Latin names (lower case,
    no diacritics, č š ž as ch sh zh, no apostrophes or soft-sign marks)."""
    text = fold_latin(text)
    return "".join(ch for ch in text if ch.isascii() and (ch.isalnum() or ch == "-"))


def _romanise(schema: iuliia.Schema, word: str) -> str:
    """``word`` in ``schema``, folded (ISO 9's letters as they sound)."""
    roman = schema.translate(word).lower()
    if schema is iuliia.GOST_779:
        roman = roman.translate(_ISO9_AS_READ)
    return _fold(roman)


@lru_cache(maxsize=50_000)
def romanisations(word: str) -> tuple[str, ...]:
    """The distinct folded romanisations of a Cyrillic word, schema order."""
    return tuple(dict.fromkeys(r for r in (_romanise(s, word) for s in SCHEMAS) if r))


def cyrillic_forms(word: str) -> list[Form]:
    """Candidate readings of one folded Cyrillic word: the readings of each of its
    standard romanisations."""
    seen: dict[Form, None] = {}
    for roman in romanisations(word):
        for form in latin_forms(roman):
            seen.setdefault(form)
    return list(seen)[:MAX_FORMS]
