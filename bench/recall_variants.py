"""Harder recall kinds on folds 0-3 (issue 16, round 5): Arabic-script aliases and the
older spellings the UN list has since changed, several engines in one run.

    python3 bench/recall_variants.py --data ../shared/data --engine . --engine /tmp/base \\
        [--misses /tmp/variants.json]

Fold 4 is never read; the ar2en *eval* split is never read.

* **ar-alias-synth**: each Latin alias (not the primary name) of a person of folds
  0-3 written in Arabic script word by word with the ar2en *train* pairs reversed
  (each Latin word's most frequent Arabic spelling; *al-X* as الX, *Abu* أبو, *bin*
  بن, *Abd al-X* عبد الX, *Allah* الله, *ad-Din* الدين; an alias with a word the pairs
  do not have is left out), written as people type it (hamza seats dropped or kept,
  ى for final ي, ه for final ة, Persian ی and ک, by a hash of the alias). Queried
  against everyone's names with that Latin alias removed from its person (``-kept``:
  with it kept, which measures the reading alone; ``-as-latin``: the same aliases
  queried in Latin, alias removed, which is what the names alone allow;
  ``-latin-kept``: in Latin, alias kept, what the scoring gives a name equal to a
  listed alias: where ``-kept`` is lower, the Arabic reading loses it). The Arabic is
  written in reading order (a Latin "FAMILY, Given" turned round).
* **korean:RULE**: each Latin name of a listed Korean person of folds 0-3 in another
  romanisation, syllable by syllable (``revised``: the Revised Romanization; ``dprk``:
  the DPRK's own *chh*, *kh*, *th*, *ph*; ``typed``: passport and press spellings,
  *Lee*, *Park*, *Choi*, *Chul*, *Young*, *Hyuk*, *Hee*) or order (``western``: the
  given name first, hyphenated; ``joined``: its syllables in one word), queried
  against everyone's names; ``korean-left-out:RULE`` (false alarms): the same
  queries against everyone but that fold's people.
* **old-spelling:RULE**: each Latin name of a person of folds 0-3 rewritten by one
  convention the list has used over time (``RULES``) and by all of them at once
  (``all``), queried against everyone's names (the current spelling kept: the
  variant must read as that name).

Each fold is scored with reference frequencies that counted neither its people nor
fold 4's (``precision_cv.references``). Prints recall@10 per kind at a few thresholds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import bench_precision as bp
import precision_cv

THRESHOLDS = (0.60, 0.64, 0.67, 0.70)


def _h(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


# ------------------------------------------------------------ Arabic-script aliases
def reverse_pairs(data: Path) -> dict[str, str]:
    """Latin word -> its most frequent Arabic spelling in the ar2en *train* pairs."""
    counts: dict[str, Counter[str]] = {}
    for line in (data / "ar2en" / "ar2en-train.txt").read_text("utf-8").splitlines():
        if line.count("\t") == 1:
            ar, en = (w.strip() for w in line.split("\t"))
            counts.setdefault(en.lower(), Counter())[ar] += 1
    return {en: min(c.items(), key=lambda t: (-t[1], t[0]))[0]
            for en, c in counts.items()}


_PARTICLES = {"abu": "أبو", "abou": "أبو", "abo": "أبو", "umm": "أم", "um": "أم",
              "bin": "بن", "ibn": "بن", "ben": "بن", "bint": "بنت", "abd": "عبد",
              "allah": "الله", "ullah": "الله", "din": "الدين", "deen": "الدين",
              "dine": "الدين", "haji": "حاجي", "hajji": "حاجي", "mullah": "ملا",
              "mulla": "ملا", "sheikh": "الشيخ", "shaikh": "الشيخ", "maulavi": "مولوي",
              "mawlawi": "مولوي", "maulvi": "مولوي", "qari": "قاري", "mohammad": "محمد",
              "muhammad": "محمد", "mohammed": "محمد", "mohamed": "محمد",
              "muhammed": "محمد", "ahmad": "أحمد", "ahmed": "أحمد", "abdullah": "عبدالله",
              "abdallah": "عبدالله", "abdulla": "عبدالله", "abdu": "عبده", "abdou": "عبده",
              "jan": "جان"}
_ARTICLES = ("al", "el", "ad", "ar", "as", "ash", "at", "az", "an", "ul", "ur", "ud",
             "ed", "er", "es")
_ABD_WORDS = {"abdul": "", "abdel": "", "abdal": "", "abdur": ""}


def _ar_word(word: str, rev: dict[str, str]) -> str | None:
    if word in _PARTICLES:
        return _PARTICLES[word]
    if word in rev:
        return rev[word]
    for art in ("al", "el"):  # alBaghdadi
        if word.startswith(art) and word[2:] in rev and len(word) > 4:
            return "ال" + rev[word[2:]]
    return None


def reading_order(name: str) -> str:
    """``name`` as it is said: a list's "FAMILY, Given" (one comma) turned round
    (*TURKI, Hassan* -> *Hassan TURKI*, *Bakr, Abu* -> *Abu Bakr*), quotes dropped.
    Arabic script has no such convention, so its alias is written in this order."""
    name = re.sub("[\"\u201c\u201d]", "", name).strip()
    if name.count(",") == 1:
        family, given = (part.strip() for part in name.split(","))
        if family and given:
            return f"{given} {family}"
    return name


def to_arabic(name: str, rev: dict[str, str]) -> str | None:
    """``name`` (Latin) written in Arabic script word by word, in reading order
    (``reading_order``), or None: a word the pairs lack, a word of one or two letters
    in capitals that is no article (*AA*), or an *Abd* with no name after it."""
    from fts_share.matching.text.normalize import fold
    said = reading_order(name)
    words = [w for w in re.split(r"[\s\-]+", fold(said)) if w]
    if words and (words[-1] in _ABD_WORDS or words[-1] == "abd") or any(
            re.fullmatch("[A-Z]{1,2}", w) and w.lower() not in _ARTICLES
            for w in re.split(r"[\s\-]+", said)):
        return None
    out: list[str] = []
    article = ""
    for w in words:
        if w in _ARTICLES:
            article = "ال"
            continue
        if w in _ABD_WORDS:
            out.append("عبد")
            article = "ال"
            continue
        ar = _ar_word(w, rev)
        if ar is None:
            return None
        if article and not ar.startswith("ال"):
            ar = article + ar
        if out and out[-1] == "عبد" and _h(name) % 2:
            out[-1] = "عبد" + ar  # عبدالرحمن
        else:
            out.append(ar)
        article = ""
    return _as_typed(" ".join(out), name) if out else None


def _as_typed(text: str, seed: str) -> str:
    """Spellings people type: no hamza seats, ى for final ي, ه for final ة, Persian
    letters (by a hash of ``seed``)."""
    h = _h(seed)
    if h % 2:
        text = text.replace("أ", "ا").replace("إ", "ا")
    if h >> 1 & 1:
        text = re.sub("ي\\b", "ى", text)
    if h >> 2 & 1:
        text = re.sub("ة\\b", "ه", text)
    if h >> 3 & 3 == 0:
        text = text.replace("ي", "ی").replace("ك", "ک")
    return text


def ar_alias_tasks(people: list[dict], split: set[str], rev: dict[str, str]
                   ) -> dict[str, tuple[list, list]]:
    """The two Arabic-script alias kinds of ``split`` (see the module docstring)."""
    held: list[tuple[str, str, str]] = []  # (ref, latin alias, arabic)
    for p in people:
        if p["ref"] not in split:
            continue
        aliases = p["latin"][1:]
        for a in aliases:
            ar = to_arabic(a, rev)
            if ar:
                held.append((p["ref"], a, ar))
    removed: dict[str, set[str]] = {}
    for ref, a, _ in held:
        removed.setdefault(ref, set()).add(a)
    full = [bp._record(p, bp._all_names(p)) for p in people]
    cut = [bp._record(p, [n for n in bp._all_names(p) if n not in removed.get(p["ref"], ())])
           for p in people]
    queries = [{"name": ar, "target": ref, "latin": a} for ref, a, ar in held]
    latin = [{"name": a, "target": ref} for ref, a, _ in held]
    cut = [r for r in cut if r["names"]]
    return {"ar-alias-synth": (cut, queries), "ar-alias-synth-kept": (full, queries),
            "ar-alias-synth-as-latin": (cut, latin),
            "ar-alias-synth-latin-kept": (full, latin)}


# ------------------------------------------------------------ older spellings
def _words(name: str, fn: Callable[[str], str]) -> str:
    return re.sub(r"[A-Za-z]+", lambda m: _case(m.group(0), fn(m.group(0).lower())), name)


def _case(orig: str, new: str) -> str:
    if orig.isupper():
        return new.upper()
    if orig[:1].isupper():
        return new[:1].upper() + new[1:]
    return new


_MUHAMMAD = ["muhammad", "mohammed", "mohamed", "mohammad", "muhammed", "mohamad",
             "mouhamed", "mahamat", "mehmet"]


def _muhammad(w: str) -> str:
    if w in _MUHAMMAD:
        return _MUHAMMAD[(_MUHAMMAD.index(w) + 1 + _h(w) % 3) % len(_MUHAMMAD)]
    return w


def _abd(name: str) -> str:
    """Abdel X / Abdul X / Abd al-X / AbdulX, one for another."""
    forms = ["Abd al-{}", "Abdel {}", "Abdul {}", "Abdul{}", "Abdel-{}", "Abd-al-{}"]

    def sub(m: re.Match[str]) -> str:
        rest = m.group(2)
        return forms[_h(m.group(0)) % len(forms)].format(rest.capitalize())
    return re.sub(r"\b(abd[\s\-](?:al|el|ul)[\s\-]|abd[\s\-]|abd[ue]l[\s\-]?|abdur[\s\-]?)"
                  r"(?!l?lah?\b)([a-z]{3,})", sub, name, flags=re.IGNORECASE)


RULES: dict[str, Callable[[str], str]] = {
    "u->ou": lambda n: _words(n, lambda w: re.sub(r"(?<![oa])u", "ou", w)),
    "muhammad": lambda n: _words(n, _muhammad),
    "al<->el": lambda n: re.sub(r"\b([Aa]l|[Ee]l|AL|EL)([\s\-])",
                                lambda m: {"al": "el", "el": "al", "Al": "El", "El": "Al",
                                           "AL": "EL", "EL": "AL"}.get(m.group(1), "el")
                                + m.group(2), n),
    "double dropped": lambda n: re.sub(r"([A-Za-z])\1", r"\1", n),
    "j->dj": lambda n: _words(n, lambda w: re.sub(r"(?<![dj])j", "dj", w)),
    "h->kh": lambda n: _words(n, lambda w: re.sub(r"(?<![kscgtdpwz])h", "kh", w)),
    "sh->ch": lambda n: _words(n, lambda w: w.replace("sh", "ch")),
    "final a->ah/eh": lambda n: _words(n, lambda w: w if w.endswith("llah") else
                                       w + ("h" if _h(w) % 2 else "")
                                       if w.endswith("a") and len(w) > 3 else
                                       (w[:-2] + "eh" if w.endswith("ah") else w)),
    "abd": _abd,
    "w->ou": lambda n: _words(n, lambda w: re.sub(r"^w(?=[aeiu])", "ou", w)),
    "q->k": lambda n: _words(n, lambda w: w.replace("q", "k")),
    "final i->y": lambda n: _words(n, lambda w: w[:-1] + "y" if w.endswith("i")
                                   and len(w) > 3 else w),
}


def all_rules(name: str) -> str:
    for rule in RULES.values():
        name = rule(name)
    return name


def old_spelling_tasks(people: list[dict], split: set[str]) -> dict[str, tuple[list, list]]:
    """One task per rule and ``all`` (see the module docstring)."""
    records = [bp._record(p, bp._all_names(p)) for p in people]
    tasks: dict[str, tuple[list, list]] = {}
    for rule, fn in [*RULES.items(), ("all", all_rules)]:
        queries = []
        for p in people:
            if p["ref"] not in split or not p["arabic"]:
                continue  # (conventions of Arabic-script names: people with one)
            for name in p["latin"][:3]:
                variant = fn(name)
                if variant != name:
                    queries.append({"name": variant, "target": p["ref"], "source": name})
        tasks["old-spelling:" + rule] = (records, queries)
    return tasks


# ------------------------------------------------------------ Korean romanisations
_KO_SPLIT = re.compile(r"[\s\-]+")
_KO_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})


def _ko_syllable(syl: str, system: str, first: bool) -> str:
    """One syllable of a UN-list Korean name (McCune-Reischauer, breves written ŏ ŭ or
    o' u', apostrophes often dropped) as ``system`` writes it (an aspirate is known only
    by its apostrophe: a dropped one reads as plain)."""
    s = syl.lower().translate(_KO_QUOTES)
    aspirated = re.match(r"(ch|k|t|p)'", s)
    onset = aspirated.group(1) if aspirated else ""
    if aspirated:
        s = s[len(onset) + 1:]
    s = s.replace("o'", "ŏ").replace("u'", "ŭ").replace("'", "")
    if system == "revised":
        s = s.replace("ŏ", "eo").replace("ŭ", "eu")
        if not aspirated:
            s = re.sub(r"^(ch|k|t|p)", lambda m: {"ch": "j", "k": "g", "t": "d",
                                                   "p": "b"}[m.group(1)], s)
        s = re.sub(r"^shi", "si", s)
        return onset + s
    if system == "dprk":
        return ({"ch": "chh", "k": "kh", "t": "th", "p": "ph"}.get(onset, "")
                + s.replace("ŏ", "o").replace("ŭ", "u"))
    # typed: the spellings of passports and the press
    s = onset + s.replace("ŏ", "o").replace("ŭ", "eu")
    if first:
        return {"ri": "lee", "pak": "park", "choe": "choi", "o": "oh", "an": "ahn",
                "yu": "yoo", "rim": "lim", "no": "roh", "jong": "jung",
                "chong": "jung"}.get(s, s)
    return {"chol": "chul", "yong": "young", "hyok": "hyuk", "hui": "hee",
            "song": "sung", "kyong": "kyung", "myong": "myung", "jong": "jung",
            "chong": "jung"}.get(s, s)


def korean_variant(name: str, rule: str, families: set[str]) -> str | None:
    """A Korean name of the UN list (family name first, then one or two syllables,
    as the list writes them) in another system or order, or None."""
    words = [w for w in _KO_SPLIT.split(name.strip()) if w]
    fam = words[0].lower().translate(_KO_QUOTES).replace("'", "") if words else ""
    if not 2 <= len(words) <= 3 or fam not in families:
        return None
    system = rule if rule in ("revised", "dprk", "typed") else ""
    out = _ko_written(words, system, rule)
    return out if out != _ko_written(words, "", "") else None


def _ko_written(words: list[str], system: str, order: str) -> str:
    """``words`` (a family name, then syllables) written in ``system`` ("" as they
    are, apostrophes dropped) and ``order``."""
    family, *given = [_ko_syllable(w, system, i == 0) if system
                      else w.lower().translate(_KO_QUOTES).replace("'", "")
                      for i, w in enumerate(words)]
    given_text = "-".join(given)
    if order == "western":
        return f"{given_text.capitalize()} {family.capitalize()}"
    if order == "joined":
        return f"{family.capitalize()} {''.join(given).capitalize()}"
    return f"{family.capitalize()} {given_text.capitalize()}"


KOREAN_RULES = ("revised", "dprk", "typed", "western", "joined")


def korean_tasks(people: list[dict], split: set[str]) -> dict[str, tuple[list, list]]:
    """``korean:RULE``: each Latin name of a listed Korean person of ``split`` in
    another romanisation or order (``korean_variant``) against everyone's names;
    ``korean-left-out:RULE``: the same against everyone not in ``split`` (any hit is
    a false alarm: two people who share a family name and a syllable)."""
    korean = [p for p in people if p["ref"].startswith("KP")]
    families = {_KO_SPLIT.split(p["primary"].strip())[0].lower().translate(_KO_QUOTES)
                .replace("'", "") for p in korean}
    records = [bp._record(p, bp._all_names(p)) for p in people]
    others = [bp._record(p, bp._all_names(p)) for p in people if p["ref"] not in split]
    tasks: dict[str, tuple[list, list]] = {}
    for rule in KOREAN_RULES:
        queries = [{"name": v, "target": p["ref"], "source": n}
                   for p in korean if p["ref"] in split for n in p["latin"]
                   if (v := korean_variant(n, rule, families))]
        tasks["korean:" + rule] = (records, queries)
        tasks["korean-left-out:" + rule] = (others, [{**q, "target": None}
                                                    for q in queries])
    return tasks


# ------------------------------------------------------------ run
def build(people: list[dict], data: Path) -> dict[str, tuple[list, list, int]]:
    rev = reverse_pairs(data)
    merged: dict[str, tuple[list, list, int]] = {}
    for f in range(bp.TEST_FOLD):
        split = {p["ref"] for p in people if bp.fold_of(p["ref"]) == f}
        for k, (r, q) in {**ar_alias_tasks(people, split, rev),
                          **old_spelling_tasks(people, split),
                          **korean_tasks(people, split)}.items():
            merged[f"{f}:{k}"] = (r, q, 10)
    return merged


def table(merged: dict[str, tuple[list, list, int]], run: dict[str, Any]
          ) -> dict[str, dict[float, tuple[float, int]]]:
    """kind -> threshold -> (recall@10 pooled over folds, queries; false alarms for a
    ``left-out`` kind)."""
    out: dict[str, dict[float, tuple[float, int]]] = {}
    for thr in THRESHOLDS:
        figs = bp.figures(merged, run, thr)
        kinds = sorted({k.split(":", 1)[1] for k in figs})
        for kind in kinds:
            ms = [m for k, m in figs.items() if k.split(":", 1)[1] == kind]
            n = sum(int(m["n"]) for m in ms)
            key = "fa" if "left-out" in kind else "r@10"
            out.setdefault(kind, {})[thr] = (sum(m[key] * m["n"] for m in ms) / n, n)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--engine", type=Path, action="append", required=True)
    ap.add_argument("--only", help="kinds whose name contains this")
    ap.add_argument("--misses", type=Path)
    args = ap.parse_args()
    people = bp.load_people(args.data)
    merged = build(people, args.data)
    if args.only:
        merged = {k: v for k, v in merged.items() if args.only in k}
    tabs, raw = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for e, engine in enumerate(args.engine):
            refs = precision_cv.references(engine.resolve(), args.data, Path(tmp) / str(e))
            run = bp.run_folds(engine.resolve(), {}, merged, refs)
            raw[str(engine)] = run
            tabs[str(engine)] = table(merged, run)
    kinds = list(next(iter(tabs.values())))
    print("| kind | n | " + " | ".join(f"{Path(e).name} @{t:.2f}" for e in tabs
                                       for t in THRESHOLDS) + " |")
    for kind in kinds:
        n = next(iter(tabs.values()))[kind][THRESHOLDS[0]][1]
        cells = [f"{tabs[e][kind][t][0]:.3f}" for e in tabs for t in THRESHOLDS]
        print(f"| {kind} | {n} | " + " | ".join(cells) + " |")
    if args.misses:
        args.misses.write_text(json.dumps({"tasks": {k: v[1] for k, v in merged.items()},
                                           "runs": raw}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
