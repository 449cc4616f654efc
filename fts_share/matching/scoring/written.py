"""How names are written on lists, read before a name is analysed (``analysis``).

* **Family name first, then a comma.** "BAYNAH, Yasin" and "Murad, Abdul Hakim Hasim"
  are *Yasin Baynah* and *Abdul Hakim Hasim Murad*: the words after the comma come
  first, so the given name is the given name and a title written after the comma
  ("AWEYS, Sheikh Hassan Dahir") stands before the name, as titles do. Only a Latin
  name with one comma, one name part before it (*Es Sayed*, *Bin Al Shibh*, *Abdul
  Rahman*, *Abu Zubeyr*: a word and the particles or the Abd / Abu that lead it; not
  "Ermias Ghermay, Guro"), and words after it that are not a suffix ("LAVILLA, JR",
  "Santos, III", "Al Taibah, Intl."), a remark with digits, nor initials alone
  ("Tufail, S.M.": an initial is no given name to put first).
* **Remarks in brackets.** "EL PARA (COMBAT NAME)", "Encep Nurjaman (birth name)",
  "Hilarion Santos, III (third)", a note on a passport: a bracket that says something
  about the name (a word such as *name*, *listed*, *passport*, *third*; a digit; more
  than four words) is left out, unless nothing else is left. Other brackets are name
  parts: "«Ayman» (al-Zawahiri)", "Lom-ali Butayev (Butaev)".
* **A Pashto clan name written apart.** *Khel* (clan) ends a family name:
  *Shahidkhel* / شهيد خيل. Written as a word of its own it is joined to the word
  before it, as lists write the name in the other script. (*Zada*, "son of", the
  same way, *Akhund Zada* / *Akhundzada*, found 3 more listed-person queries on the
  folds and made two men of the list called *Ahmad Jan Akhundzada* meet: not done.)
* **"born ..." tails.** "Mohammad Ishaq Akhund born in 1963", "Khirullah Said Wali
  Khairkhwa, born in Kandahar on 01 Jan.1967": what follows *born* / *né* / *née* is
  a date or a place.
"""

from __future__ import annotations

import re
from itertools import pairwise

from fts_share.matching.refdata.lexicon import classify_token
from fts_share.matching.text.normalize import fold

_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_BORN = re.compile(r"[\s,;]+(?:born|née?)\s+(?:in|on|at|le|en|à|\d)\b.*$", re.IGNORECASE)
_SUFFIXES = frozenset({"jr", "sr", "junior", "senior", "ii", "iii", "iv",  # and a company's
                       "intl", "inc", "ltd", "llc", "co", "corp", "limited", "sa", "sarl"})
_ARABIC = re.compile("[\u0600-\u06ff]")
_SUFFIX_APART = re.compile(r"(\w)[\s\-]+(khel|khail|خیل|خيل)(?!\w)", re.IGNORECASE)
_QUOTES = " \"'“”«»‘’"


def as_read(text: str) -> str:
    """``text`` (cleaned: single spaces) as the analysis reads it: remarks in brackets
    and a *born* tail left out, a name written family name first put in reading
    order (see the module docstring). Text without any of these comes back as is."""
    if "(" in text or "[" in text:
        bare = " ".join(_BRACKETED.sub(_remark_out, text).split())
        if bare.strip(" ,;"):
            text = bare
    if "orn" in text or "ORN" in text or "é" in text or "É" in text:  # born, né, née
        cut = _BORN.sub("", text)
        if cut.strip(" ,;"):
            text = cut
    if _SUFFIX_APART.search(text):
        text = _SUFFIX_APART.sub(r"\1\2", text)
    if "," in text:
        text = _family_first(text)
    return text


#: words that make a bracket a remark about the name (with a digit, or over four words)
_REMARKS = frozenset({
    "name", "names", "birth", "born", "combat", "listed", "previously", "formerly",
    "identity", "passport", "false", "nickname", "pseudonym", "maiden", "first", "second",
    "third", "nom", "guerre", "naissance",
})


def _remark_out(m: re.Match[str]) -> str:
    """A bracket (``m``) left out when it is a remark, else kept as it is."""
    inside = m.group(0)[1:-1]
    words = re.findall(r"\w+", inside.lower())
    if any(c.isdigit() for c in inside) or len(words) > 4 or _REMARKS.intersection(words):
        return " "
    return m.group(0)


def _family_first(text: str) -> str:
    """"FAMILY, Given Names" as "Given Names FAMILY" (see the module docstring)."""
    if text.count(",") != 1 or _ARABIC.search(text):
        return text
    before, after = (" ".join(side.strip(_QUOTES).split()) for side in text.split(","))
    words = after.replace(".", " ").split()
    if not words or not _one_part(before) or any(c.isdigit() for c in after) \
            or words[0].lower() in _SUFFIXES or all(len(w) == 1 for w in words):
        return text
    return f"{after} {before}"


#: the tags of the words that lead a name part (``lexicon.classify_token``)
_LEADS = frozenset({"article", "nasab", "kunya", "umm", "abd"})


def _one_part(words: str) -> bool:
    """Whether ``words`` are one name part: one word, led by particles or an Abd / Abu."""
    tokens = [t for t in re.split(r"[\s\-]+", fold(words)) if t]
    return bool(tokens) and all(
        classify_token(tok, nxt)[0][0] in _LEADS
        for tok, nxt in pairwise(tokens))
