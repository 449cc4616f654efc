"""Queries as people type them: several names in one string, epithets, titles,
nicknames in brackets or quotes, two scripts side by side.

``read_query("Abu Bakr al-Baghdadi a.k.a. Ibrahim Awad al-Badri (the Iraqi)")`` gives
the names worth searching (:class:`TypedQuery`): each alias on its own, the whole
string, the bracketed nickname, and the English epithet "the Iraqi" read as the
Arabic nisba *al-ʿIrāqī* that lists write. :func:`search_typed` searches each of them
and keeps each record's best hit.

* **Alias lists.** ``;``, ``/``, ``|`` and the words *a.k.a.*, *aka*, *alias*, *also
  known as*, *f.k.a.*, *dit*, *connu sous le nom de*, *المعروف بـ*, *الملقب*,
  *المكنى*, *ويكنى* separate aliases. Commas do too, but "Al-Haq, Amin" (two parts,
  the family name first, as lists write it) is also read as "Amin Al-Haq". A piece
  searched on its own holds at least two name parts or a kunya; a single common word
  is searched only inside the whole.
* **Epithets.** "the Egyptian", "l'Égyptien", "le Tunisien" become the nisba of the
  demonym (``refdata.demonyms``: English, French and Arabic; plus a few peoples that
  are not countries, such as Chechen); the name is also searched without it.
* **Titles.** Leading titles the name analysis does not know as such (*Emir*,
  *Commander*, *Général*, *الأمير*, ...) are dropped from a variant.
* **Brackets and quotes.** ``(...)``, ``[...]``, ``"..."``, ``“...”``, ``«...»``:
  the inside is an alias; the name is searched with and without it.
* **Mixed scripts.** "Ayman al-Zawahiri أيمن الظواهري": each script's run is also a
  name of its own.

Pure text work (no index), so the screening service and the benchmarks share it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from fts_share.errors import ValidationError
from fts_share.matching.index.hits import Hit
from fts_share.matching.refdata.demonyms import DEMONYMS
from fts_share.matching.scoring.analysis import analyze_name

#: Most names one typed query is searched as.
MAX_VARIANTS = 8

_ALIAS_WORDS = re.compile(
    r"\s*(?:[;/|]|\b(?:a\.?\s?k\.?\s?a\.?|f\.?\s?k\.?\s?a\.?|also known as|alias|dite?|"
    r"connue? sous le nom de)(?=\s|$|[.:])[.:]?|"
    r"(?<!\S)(?:المعروفة?|الملقبة?|المكنى|ويكنى|ويلقب|الشهيرة?|و?يعرف|و?تعرف)"
    r"(?:\s*باسم|\s*ب(?=\S))?)\s*", re.IGNORECASE)
_BRACKETS = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]|\"([^\"]*)\"|“([^”]*)”|«([^»]*)»|"
                       r"(?<!\w)'([^']+)'(?!\w)")
_EPITHET = re.compile(r"(?<!\S)(?:the|l'|l’|le|la)\s*([^\s,;]+)", re.IGNORECASE)

#: Peoples that epithets name but that are not countries: English and French forms,
#: then the Arabic nisba.
_PEOPLES: dict[str, str] = {
    "chechen": "شيشاني", "tchetchene": "شيشاني", "dagestani": "داغستاني",
    "daghestani": "داغستاني", "kurd": "كردي", "kurdish": "كردي", "kurde": "كردي",
    "circassian": "شركسي", "tcherkesse": "شركسي", "turkmen": "تركماني",
    "turkmene": "تركماني", "baluch": "بلوشي", "baloch": "بلوشي", "pashtun": "بشتوني",
    "maghrebi": "مغربي", "bedouin": "بدوي",
}

#: Titles and ranks in English, French and Arabic that the name analysis keeps as
#: name parts (they are also given names elsewhere, or rare in lists): dropped from
#: the front of a variant.
_LEADING_TITLES = frozenset({
    "emir", "amir", "commander", "commandant", "general", "colonel", "captain",
    "capitaine", "major", "lieutenant", "brigadier", "judge", "juge", "president",
    "minister", "ministre", "monsieur", "madame", "mister", "m", "mr", "mrs", "docteur",
    "الامير", "امير", "القائد", "قائد", "العقيد", "اللواء", "العميد", "الرئيس", "الوزير",
})


@dataclass(frozen=True)
class TypedQuery:
    """A typed query and the names it is searched as (``names[0]`` the whole)."""

    text: str
    names: tuple[str, ...]


def _fold(word: str) -> str:
    text = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in text if not unicodedata.combining(c)).strip(".,;:'’\"")


def _nisbas() -> dict[str, str]:
    """Every Latin demonym form (folded) -> the Arabic nisba of its country."""
    out: dict[str, str] = dict(_PEOPLES)
    for forms in DEMONYMS.values():
        arabic = next((f for f in forms if f and "\u0600" <= f[0] <= "\u06ff"
                       and " " not in f and not f.endswith("ة")), None)
        if arabic is None:
            continue
        for form in forms:
            if form.isascii() or not ("\u0600" <= form[0] <= "\u06ff"):
                out.setdefault(_fold(form), arabic)
    return out


NISBAS = _nisbas()


def _epithets(text: str) -> tuple[str, str]:
    """``text`` with each epithet ("the Egyptian") as an Arabic nisba, and without it."""
    def nisba(m: re.Match[str]) -> str:
        found = NISBAS.get(_fold(m.group(1)))
        return f"ال{found}" if found else m.group(0)

    def drop(m: re.Match[str]) -> str:
        return "" if _fold(m.group(1)) in NISBAS else m.group(0)

    return _EPITHET.sub(nisba, text), " ".join(_EPITHET.sub(drop, text).split())


def _untitled(text: str) -> str:
    words = text.split()
    while len(words) > 2 and _fold(words[0]).replace("ـ", "") in _LEADING_TITLES:
        words = words[1:]
    return " ".join(words)


def _script_runs(text: str) -> list[str]:
    """The runs of Arabic-script and of other words, when a query holds both."""
    runs: list[list[str]] = []
    last = None
    for word in text.split():
        arabic = any("\u0600" <= c <= "\u06ff" for c in word)
        if arabic != last:
            runs.append([])
            last = arabic
        runs[-1].append(word)
    return [" ".join(r) for r in runs] if len(runs) > 1 else []


def _pieces(text: str) -> tuple[str, list[str]]:
    """The whole (brackets opened, separators as spaces) and its alias pieces."""
    inner = [next(g for g in m.groups() if g is not None) for m in _BRACKETS.finditer(text)]
    outside = _BRACKETS.sub(" ", text)
    parts = [p for p in _ALIAS_WORDS.split(outside) if p and p.strip()]
    pieces: list[str] = []
    for part in parts:
        commas = [c.strip() for c in part.split(",") if c.strip()]
        if len(commas) == 2 and len(commas[0].split()) <= 2:
            pieces.append(f"{commas[1]} {commas[0]}")  # "Al-Haq, Amin": family first
        pieces.extend(commas)
    whole = " ".join(" ".join(parts + inner).replace(",", " ").split())
    return whole, [p for p in pieces + inner if p.strip()]


def _worth_alone(name: str) -> bool:
    """A piece is searched alone when it holds two name parts, or a kunya."""
    try:
        analysis = analyze_name(name)
    except ValidationError:
        return False
    parts = analysis.name_parts
    return len(parts) >= 2 or any(p.role == "kunya" for p in parts)


def read_query(text: str) -> TypedQuery:
    """The names a typed query is searched as (see the module docstring); the first
    is the whole query, the others at most :data:`MAX_VARIANTS` - 1 more."""
    whole, pieces = _pieces(text)
    whole = _epithets(whole)[0] if whole else text
    found: list[str] = [whole]
    candidates: list[str] = []
    for piece in [whole, *pieces]:
        read, bare = _epithets(piece)
        forms = (piece,) if read == piece else (read, bare, piece) if bare else (read,)
        for form in forms:
            candidates.extend((form, _untitled(form), *_script_runs(form)))
    for name in candidates:
        name = " ".join(name.split())
        if name and name not in found and _worth_alone(name):
            found.append(name)
    return TypedQuery(text, tuple(found[:MAX_VARIANTS]))


def search_typed(search: Callable[[str], list[Hit]], text: str, *, limit: int = 10
                 ) -> list[Hit]:
    """``search`` (a name -> hits) run on every name of ``read_query(text)``; each
    record's best hit, best first, at most ``limit``. The whole query's error (an
    unreadable name) is raised only when no name of the query can be read."""
    names = read_query(text).names
    best: dict[str, Hit] = {}
    errors: list[ValidationError] = []
    for name in names:
        try:
            hits = search(name)
        except ValidationError as exc:
            if set(exc.errors) != {"name"}:
                raise  # not the name: the same for every variant
            errors.append(exc)
            continue
        _keep_best(best, hits)
    if len(errors) == len(names):
        raise errors[0]
    return sorted(best.values(), key=lambda h: (-h.score, h.record_id))[:limit]


def _keep_best(best: dict[str, Hit], hits: Iterable[Hit]) -> None:
    for hit in hits:
        old = best.get(hit.record_id)
        if old is None or hit.score > old.score:
            best[hit.record_id] = hit


__all__ = ["MAX_VARIANTS", "NISBAS", "TypedQuery", "read_query", "search_typed"]
