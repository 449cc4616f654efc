"""Recombined hard negatives by length and by origin (issue 16, item 3; report only).

Made-up names drawn from the words of the UN list's individuals, queried against an
index of every individual: nobody is listed under a made-up name, so any hit is a
false alarm. A draw whose words (as a set, case folded) are those of a listed name is
dropped, as in ``bench_precision.recombined_task``; so is a draw already made.

* ``two-word`` / ``four-word``: names of two or four words drawn from every
  individual's words of that script (three letters or more), as often as they occur
  there (the three-word set is ``bench_precision``'s ``recombined``).
* ``origin:<group>``: names recombined within the people of one origin, *by
  position*: a listed name of the group of that script is drawn (so lengths follow
  the group's names), then each of its words is replaced by the word at the same
  position of another of the group's names of the same length. Family names stay
  first in Korean names, *Abu* and *al-* stay where they stand: names that look like
  the group's own.

Groups, by the person's first nationality (then by the reference's programme when
there is none): ``korean`` (PRK, KPi), ``cyrillic`` (anyone with a name in Cyrillic
script, whatever the nationality), ``european`` (Europe, the Americas, Haiti:
Latin-letter names of European origin), ``arabic`` (the Arab League but Somalia),
``asian`` (South and Central Asia, and the South-East Asian nationals of the list:
AFG, PAK, IND, UZB, TJK, IDN, PHL, MYS, CHN), ``african`` (sub-Saharan Africa and
Somalia). Scripts: Latin, Arabic and Cyrillic, each where the group has at least
20 words of it (the list's one Han alias is too small to recombine).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable

ARABIC = frozenset({"IRQ", "TUN", "DZA", "YEM", "LBY", "EGY", "SAU", "MAR", "KWT", "SDN",
                    "SYR", "JOR", "QAT", "MRT", "PSE", "LBN", "ARE", "OMN", "BHR"})
EUROPEAN = frozenset({"FRA", "DEU", "GBR", "USA", "NOR", "SWE", "BIH", "TTO", "HTI",
                      "BEL", "NLD", "ITA", "ESP", "DNK", "AUS", "CAN", "CHE", "AUT"})
ASIAN = frozenset({"AFG", "PAK", "IND", "UZB", "TJK", "IDN", "PHL", "MYS", "CHN", "BGD",
                   "KAZ", "KGZ"})
AFRICAN = frozenset({"COD", "RWA", "GNB", "CAF", "UGA", "SSD", "MLI", "TZA", "TCD",
                     "ERI", "KEN", "COG", "NGA", "SEN", "NAM", "ETH", "SOM", "BDI"})
#: the group of a person without a nationality, by the programme of the reference
BY_PROGRAMME = {"KP": "korean", "TA": "asian", "IQ": "arabic", "LY": "arabic",
                "YE": "arabic", "CD": "african", "CF": "african", "SS": "african",
                "SO": "african", "SD": "african", "HT": "european"}
GROUPS = ("korean", "cyrillic", "european", "arabic", "asian", "african")
MIN_WORDS = 20


def script_of(name: str) -> str:
    """``arabic``, ``cyrillic`` or ``latin`` (the first letter of another script)."""
    for ch in name:
        if "\u0600" <= ch <= "\u06ff":
            return "arabic"
        if "\u0400" <= ch <= "\u04ff":
            return "cyrillic"
    return "latin"


def origin(p: dict) -> str | None:
    """The group of a listed person (see the module docstring), or ``None``."""
    names = p["latin"] + p["arabic"]
    if p["ref"].startswith("KP") or "PRK" in (p["nat"] or []):
        return "korean"
    if any(script_of(n) == "cyrillic" for n in names):
        return "cyrillic"
    for nat in p["nat"] or []:
        for group, codes in (("arabic", ARABIC), ("european", EUROPEAN),
                             ("asian", ASIAN), ("african", AFRICAN)):
            if nat in codes:
                return group
    return BY_PROGRAMME.get(p["ref"][:2])


def _listed(people: list[dict]) -> set[frozenset[str]]:
    return {frozenset(n.lower().split()) for p in people for n in p["latin"] + p["arabic"]}


def _names(people: list[dict], script: str) -> list[str]:
    return [n for p in people for n in p["latin"] + p["arabic"] if script_of(n) == script]


def _draw(make: Callable[[], str], listed: set[frozenset[str]], n: int
          ) -> list[dict]:
    """Up to ``n`` distinct names from ``make()`` that spell no listed name (at most
    30 n tries: a small group gives fewer)."""
    out: dict[str, None] = {}
    for _ in range(30 * n):
        if len(out) >= n:
            break
        name = make()
        if name and frozenset(name.lower().split()) not in listed:
            out.setdefault(name)
    return [{"name": name, "target": None} for name in out]


def by_length(people: list[dict], words: int, n: int = 200, seed: int = 18
              ) -> list[dict]:
    """``n`` made-up names of ``words`` words per script (Latin, Arabic)."""
    rng, listed, queries = random.Random(seed + words), _listed(people), []
    for script in ("latin", "arabic"):
        pool = [w for name in _names(people, script) for w in name.split() if len(w) > 2]
        queries += _draw(lambda pool=pool: " ".join(rng.choices(pool, k=words)),
                         listed, n)
    return queries


def by_origin(people: list[dict], n: int = 200, seed: int = 19
              ) -> dict[str, list[dict]]:
    """``{"<group> <script>": queries}``: names recombined by position within each
    group (see the module docstring)."""
    rng, listed = random.Random(seed), _listed(people)
    groups: dict[str, list[dict]] = defaultdict(list)
    for p in people:
        g = origin(p)
        if g:
            groups[g].append(p)
    out: dict[str, list[dict]] = {}
    for group in GROUPS:
        for script in ("latin", "arabic", "cyrillic"):
            names = [n.split() for n in _names(groups[group], script) if len(n.split()) > 1]
            if sum(map(len, names)) < MIN_WORDS:
                continue
            by_len: dict[int, list[list[str]]] = defaultdict(list)
            for words in names:
                by_len[len(words)].append(words)

            def make(names: list[list[str]] = names,
                     by_len: dict[int, list[list[str]]] = by_len) -> str:
                shape = rng.choice(names)
                return " ".join(rng.choice(by_len[len(shape)])[i]
                                for i in range(len(shape)))
            out[f"{group} {script}"] = _draw(make, listed, n)
    return out


def _plain_words(name: str, titles: frozenset[str]) -> list[str]:
    """The words of a name by a plain string rule (no engine): case folded, accents
    and apostrophes dropped, split at anything not a letter, titles left out."""
    import re
    import unicodedata
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"['’‘`ʿʾ]", "", text)
    return [w for w in re.split(r"[\W\d_]+", text) if w and w not in titles]


def holds_listed_name(query: str, listed: list[str], titles: frozenset[str]) -> bool:
    """Whether ``query`` holds one of ``listed`` (a hit's names) whole by a plain string
    rule: every word of that name, titles aside, among the query's words (as often as
    it occurs), in the same script; *Colonel Mudacumura* / *General Mudacumura*,
    *Simon Talengelanimiro* / *Talengelanimiro*. A count for readers of the false
    alarms (such a hit is what a screening should raise), never a filter."""
    words = _plain_words(query, titles)
    for name in listed:
        need = _plain_words(name, titles)
        if need and all(words.count(w) >= need.count(w) for w in set(need)):
            return True
    return False
