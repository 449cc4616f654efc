"""Name-part analysis: particles, compounds, titles, kunya, nisba and laqab.

``analyze_name("Dr. Abu Bakr al-Baghdadi")`` returns a :class:`NameAnalysis` whose
parts are ``title: dr``, ``kunya: abu bakr`` and ``nisba: al baghdadi``. Particles
(al/el/ad-, ibn/bin/bint) are recorded but are not parts. Compounds are recognised
however they are written: *Abd al-Rahman*, *Abdulrahman*, *Abdel Rahman* and
*Abderrahmane* all give one part of kind ``abd`` whose core is *rahman*; the same for
*Abu X* (kind ``kunya``), *X al-Din / Eddine / -uddin* (``din``) and *X Allah /
-ullah* (``allah``). Part order is kept but the scorer does not rely on it. A Korean
name (``text.korean``) is two parts: its family name and its given name, each as
folded syllables; a name of three or four words that reads as Korean in both orders
(*Han Jang Su*) also carries its other whole reading in ``others``, and the scorers
take the better one (a name's readings with two words written as one, or one word as
two, are made on demand: ``join_readings``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from fts_share.errors import ValidationError
from fts_share.matching.refdata import lexicon as lx
from fts_share.matching.scoring import joins
from fts_share.matching.scoring.written import as_read
from fts_share.matching.text.bridge import word_forms
from fts_share.matching.text.cyrillic import is_cyrillic_char, romanisations
from fts_share.matching.text.forms import Form, with_patronymic_roots
from fts_share.matching.text.korean import (
    Reading,
    hyphen_joins,
    korean_readings,
    may_be_korean,
)
from fts_share.matching.text.latin import initial_forms, is_somali
from fts_share.matching.text.normalize import (
    MAX_NAME_LENGTH,
    clean_text,
    fold,
    unreadable_reason,
)

#: Most parts a name may have.
MAX_PARTS = 40
#: the kind of a part that is an initial (one Latin letter: *M.*)
INITIAL = "initial"

ALLAH_FORMS: tuple[Form, ...] = (Form("lh", "lah"),)


@dataclass(frozen=True, slots=True)
class NamePart:
    """One part of a name, with its role and its readings in the shared key space."""

    text: str
    """the part as written (folded), particles included, e.g. ``"abd al rahman"``"""
    core: str
    """the word that carries the part, e.g. ``"rahman"``"""
    kind: str
    """``plain``, ``kunya`` (Abu X), ``umm`` (Umm X), ``abd`` (Abd X), ``din``, ``allah``,
    or ``initial`` (one Latin letter: *M.*, its forms the letters it may stand for)"""
    role: str
    """``given``, ``father``, ``family``, ``kunya``, ``nisba``, ``laqab`` or ``title``"""
    script: str
    """``arabic`` or ``latin``"""
    forms: tuple[Form, ...]

    @property
    def key(self) -> str:
        """The primary skeleton key of the part (what the index files it under)."""
        return self.forms[0].skel

    @property
    def romanisations(self) -> tuple[str, ...]:
        """Candidate readings with vowel hints (``full`` of every form)."""
        return tuple(f.full for f in self.forms)


@dataclass(frozen=True, slots=True)
class NameAnalysis:
    """The analysis of one name, as the engine sees it (for scoring and UI preview)."""

    text: str
    folded: str
    parts: tuple[NamePart, ...]
    particles: tuple[str, ...]
    name_parts: tuple[NamePart, ...] = field(default=(), compare=False, repr=False)
    """parts that count for matching (titles excluded)"""
    others: tuple[NameAnalysis, ...] = field(default=(), compare=False, repr=False)
    """the other whole readings of the same text (a Korean name that reads in both
    orders: *Han Jang Su* is Han Jang-su or Su Han-jang), each scored on its own"""

    def __post_init__(self) -> None:
        if not self.name_parts:
            object.__setattr__(self, "name_parts",
                               tuple(p for p in self.parts if p.role != "title"))

    @property
    def joined(self) -> bool:
        """Whether this is a reading with two words written as one (``joins``)."""
        return joins.MARK in self.folded

    @property
    def readings(self) -> tuple[NameAnalysis, ...]:
        """This reading, then the others (``others``)."""
        return (self, *self.others)

    @property
    def keys(self) -> tuple[str, ...]:
        """All skeleton keys of the matchable parts (every candidate reading)."""
        return tuple(dict.fromkeys(f.skel for p in self.name_parts for f in p.forms if f.skel))

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready description (for the UI preview)."""
        return {
            "text": self.text,
            "parts": [{"text": p.text, "core": p.core, "kind": p.kind, "role": p.role,
                       "script": p.script, "keys": [f.skel for f in p.forms],
                       "romanisations": list(p.romanisations)} for p in self.parts],
            "particles": list(self.particles),
        }


_RECENT: dict[tuple[str, int], NameAnalysis] = {}  # recent analyses (of the text alone)
_RECENT_MAX = 50_000


def analyze_name(text: object, *, field: str = "name",
                 max_length: int = MAX_NAME_LENGTH) -> NameAnalysis:
    """Analyse a name in any script into parts with roles and bridge keys.

    Raises :class:`~fts_share.errors.ValidationError` naming ``field`` for an empty
    name, a name of particles or titles only, control characters, or a name longer
    than ``max_length`` characters (bidirectional marks are stripped, not refused).
    Results are immutable and recently seen names are answered from a small cache."""
    if type(text) is str:
        key = (text, max_length)
        hit = _RECENT.get(key)
        if hit is not None:
            return hit
        result = _analyze(text, field, max_length)
        if len(_RECENT) >= _RECENT_MAX:
            _RECENT.clear()
        _RECENT[key] = result
        return result
    return _analyze(text, field, max_length)


_WORD_SPLIT = re.compile(r"[\s\-]+")


def _analyze(text: object, field: str, max_length: int) -> NameAnalysis:
    cleaned = clean_text(text, field=field, max_length=max_length)
    folded = fold(as_read(cleaned))  # (as lists write names: ``written``)
    tokens = [t for t in _WORD_SPLIT.split(folded) if t]
    tags, somali = _tagged(tokens)
    items = [item for tagged in tags for item in tagged]
    korean = _korean(tokens, items, folded)
    if korean:
        others = tuple(NameAnalysis(cleaned, folded, tuple(r), (), tuple(r))
                       for r in korean[1:])
        return NameAnalysis(cleaned, folded, tuple(korean[0]), (), tuple(korean[0]),
                            others)
    parts, particles = _assemble(items, somali)
    named = _named(parts, field, cleaned, tokens)
    if len(parts) > MAX_PARTS:
        raise ValidationError({field: [f"has more than {MAX_PARTS} name parts"]})
    return NameAnalysis(cleaned, folded, tuple(parts), tuple(particles), named)


def _tagged(tokens: list[str]) -> tuple[list[tuple[tuple[str, str], ...]], bool]:
    """Each token's tagged items (``lexicon.classify_token``); any spelt as Somali?"""
    out: list[tuple[tuple[str, str], ...]] = []
    alone, somali = _ALONE, False
    for i, tok in enumerate(tokens):
        entry = alone.get(tok)
        if entry is None:
            entry = _classify_alone(tok)
        tagged = entry[0]
        if not tagged:  # (a word whose items depend on the next one)
            tagged = _classify(tok, tokens[i + 1] if i + 1 < len(tokens) else "")
        out.append(tagged)
        somali = somali or entry[1]
    return out, somali


def _named(parts: list[NamePart], field: str, cleaned: str, tokens: list[str]
           ) -> tuple[NamePart, ...]:
    """The parts that are not titles; raises ``ValidationError`` naming ``field`` when
    there is none, or only initials (an initial stands for a name it does not spell)."""
    named = tuple([p for p in parts if p.role != "title"])
    if not named:
        raise ValidationError({field: [unreadable_reason(cleaned, tokens)]})
    if all(p.kind == INITIAL for p in named):
        raise ValidationError({field: ["contains no name: only initials"]})
    return named


def _korean(tokens: list[str], items: list[tuple[str, str]], folded: str
            ) -> list[list[NamePart]]:
    """The readings of a Korean name, each as its parts (family name, then the given
    name as one part of folded syllables: ``text.korean``), the family-first reading
    first; [] for any other name (one with a title, a kunya or a nasab particle is
    not read as Korean; *il* may be a syllable)."""
    if not 2 <= len(tokens) <= 4 or not tokens[0].isascii() \
            or not may_be_korean(tokens):  # (cheap: not Korean)
        return []
    if len(items) != len(tokens) or any(tag not in ("word", "article") for tag, _w in items):
        return []
    readings = korean_readings(tokens, hyphen_joins(folded))
    if not readings:
        return []
    # a name that reads as Korean in both orders is read both ways, as two whole
    # readings (each part taking the blocks of both made any two such names sharing
    # one syllable alike: Kim Kyong Ok = Kim Kyong Guk, 1.0). Not a name of two words:
    # its other order only swaps the two parts, which the scorer aligns in any order
    # anyway. The other cuts of a given name written in one word are forms of its part
    by_family: dict[str, list[Reading]] = {}
    for r in readings:
        by_family.setdefault(r[0][0], []).append(r)
    groups = list(by_family.values())[:1 if len(tokens) == 2 else None]
    return [_korean_parts(group) for group in groups]


def _korean_parts(readings: list[Reading]) -> list[NamePart]:
    """The two parts of readings sharing their family name (given: every cut's blocks)."""
    (family, fblock), (given, gblocks) = readings[0]
    gforms = tuple(dict.fromkeys(f for r in readings for f in _forms(r[1][1])))
    return [NamePart(family, fblock, "plain", "family", "latin", _forms(fblock)),
            NamePart(given, gblocks, "plain", "given", "latin", gforms)]


@lru_cache(maxsize=100_000)
def _script(word: str) -> str:
    """``arabic``, or ``latin`` (Cyrillic words read as their Latin romanisations)."""
    return "arabic" if any("\u0600" <= c <= "\u06ff" for c in word) else "latin"


#: by word: its items when the same whatever word follows it (every word but a few
#: particles and every Cyrillic word; () for the others), and if it is spelt as Somali
_ALONE: dict[str, tuple[tuple[tuple[str, str], ...], bool]] = {}
_ALONE_MAX = 200_000


def _classify_alone(tok: str) -> tuple[tuple[tuple[str, str], ...], bool]:
    """(``_classify(tok, any nxt)`` or () if it depends on nxt, Somali?), in ``_ALONE``."""
    if lx.reads_next(tok) or any(is_cyrillic_char(c) for c in tok):
        tagged: tuple[tuple[str, str], ...] = ()
    else:
        tagged = tuple(lx.classify_token(tok, ""))
    if len(_ALONE) >= _ALONE_MAX:
        _ALONE.clear()
    entry = _ALONE[tok] = (tagged, tok.isascii() and is_somali(tok))
    return entry


@lru_cache(maxsize=100_000)
def _classify(tok: str, nxt: str) -> tuple[tuple[str, str], ...]:
    if any(is_cyrillic_char(c) for c in tok):
        # particles, kunyas and titles written in Cyrillic (аль, ибн, абу, шейх) are
        # known by their romanisation; a plain word stays Cyrillic, read by every schema
        roman = romanisations(tok)[0] if romanisations(tok) else tok
        nxt_roman = romanisations(nxt)[0] if nxt and romanisations(nxt) else nxt
        tagged = tuple(lx.classify_token(roman, nxt_roman))
        return (("word", tok),) if tagged == (("word", roman),) else tagged
    return tuple(lx.classify_token(tok, nxt))


@lru_cache(maxsize=200_000)
def _forms(word: str, somali: bool = False) -> tuple[Form, ...]:
    if lx.is_allah(word):
        return ALLAH_FORMS
    forms = word_forms(word, somali)
    alt = lx.article_variant(word)
    if alt:
        forms = word_forms(alt, somali) + [f for f in forms if f not in word_forms(alt, somali)]
    return tuple(forms) or (Form("", word),)


def _assemble(items: list[tuple[str, str]], somali: bool = False
              ) -> tuple[list[NamePart], list[str]]:
    parts: list[dict[str, str]] = []
    particles: list[str] = []
    i, article = 0, ""
    while i < len(items):
        tag, word = items[i]
        i += 1
        if tag in ("article", "nasab"):
            particles.append(word)
            article = word if tag == "article" else ""
            continue
        if tag == "title" and (article or any(p["tag"] != "title" for p in parts)):
            tag, (article, word) = "word", lx.title_as_name(article, word)  # after a name: El Sheikh
        elif tag == "title":
            parts.append({"tag": "title", "text": word, "core": word, "article": ""})
            continue
        if tag in ("kunya", "umm", "abd"):
            i = _compound_head(items, i, tag, word, parts, particles)
        elif tag in ("din", "allah"):
            _compound_tail(tag, word, parts, particles)
        else:
            text = article + word if article == "ال" else f"{article} {word}".strip()
            parts.append({"tag": "word", "text": text, "core": word, "article": article})
        article = ""
    return _with_roles(parts, somali), particles


def _compound_head(items: list[tuple[str, str]], i: int, tag: str, word: str,
                   parts: list[dict[str, str]], particles: list[str]) -> int:
    """Abu X or Abd X (``word`` the first word, ``items[i:]`` what follows): the part
    it makes, filed in ``parts`` (or ``word`` in ``particles``); returns where the
    next item starts."""
    j, lead = i, [word]
    while j < len(items) and items[j][0] == "article":
        lead.append(items[j][1])
        j += 1
    if j < len(items) and items[j][0] == "word":
        parts.append({"tag": tag, "text": " ".join([*lead, items[j][1]]),
                      "core": items[j][1], "article": ""})
        return j + 1
    if j < len(items) and items[j][0] == "allah" and tag == "abd":
        parts.append({"tag": "abd", "text": " ".join([*lead, items[j][1]]),
                      "core": "allah", "article": ""})
        return j + 1
    if word in lx.ABD_STANDALONE:
        parts.append({"tag": "word", "text": word, "core": word, "article": ""})
    else:
        particles.append(word)
    return i


def _compound_tail(tag: str, word: str, parts: list[dict[str, str]],
                   particles: list[str]) -> None:
    """X al-Din or X Allah: joined to the word before it, if any."""
    prev = parts[-1] if parts else None
    if prev is not None and prev["tag"] == "word":
        prev["tag"] = tag
        prev["text"] = f"{prev['text']} {word}"
    elif tag == "allah":
        parts.append({"tag": "word", "text": word, "core": "allah", "article": ""})
    elif not parts:  # Din Mohammad (دین محمد): a name of its own
        parts.append({"tag": "word", "text": word, "core": word, "article": ""})
    else:
        particles.append(word)


def _with_roles(raw: list[dict[str, str]], somali: bool = False) -> list[NamePart]:
    named = [p for p in raw if p["tag"] != "title"]
    first = named[0] if named else None
    last = named[-1] if len(named) > 1 else None
    out: list[NamePart] = []
    for p in raw:
        tag, core = p["tag"], p["core"]
        initial = len(core) == 1 and "a" <= core <= "z"  # (one Latin letter: *M.*, *A*)
        kind = tag if tag != "word" else INITIAL if initial else "plain"
        role = _role(p, p is first, p is last)
        out.append(_name_part(p["text"], p["core"], kind, role, somali))
    return out


@lru_cache(maxsize=200_000)
def _name_part(text: str, core: str, kind: str, role: str, somali: bool = False
               ) -> NamePart:
    """The part (one shared object per distinct part: names repeat their parts, and an
    index then finds its own interned part by identity); a patronymic also reads as its
    father's name (``forms.with_patronymic_roots``); an initial, as the letters it may
    stand for (``latin.initial_forms``)."""
    if kind == INITIAL:
        return NamePart(text, core, kind, role, "latin", tuple(initial_forms(core)))
    forms = _forms(core, somali)
    later = kind == "plain" and role in ("father", "family")
    return NamePart(text, core, kind, role, _script(core),
                    with_patronymic_roots(forms) if later else forms)


def _role(p: dict[str, str], first: bool, last: bool) -> str:
    """The role of an assembled part (``first``/``last``: of the parts that are not
    titles); a din compound first in the name is its given name (Jalaluddin)."""
    tag = p["tag"]
    if tag in ("title", "kunya", "umm"):
        return "kunya" if tag == "umm" else tag
    if tag == "din" and not first:
        return "laqab"
    if p["article"] and _forms(p["core"])[0].full.endswith("i"):
        return "nisba"
    if first:
        return "given"
    return "family" if last or p["article"] else "father"
