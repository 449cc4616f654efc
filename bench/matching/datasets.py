"""Benchmark tasks built from ../shared/data (UN list with original script, ar2en).

Every task is ``(records, queries)``: records ``{"id", "names"}``, queries
``{"name", "target"}`` (``target`` None for a negative). Sampling is deterministic
(by a hash of the reference), so every system sees the same queries.
"""

from __future__ import annotations

import hashlib
import random
import unicodedata
from pathlib import Path

from fts_share.watchlist import load_un_xml


def is_arabic(text: str) -> bool:
    return any("\u0600" <= c <= "\u06ff" for c in text)


def _h(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def _sample(items: list[dict], n: int | None) -> list[dict]:
    items = sorted(items, key=lambda q: _h(q["name"] + str(q["target"])))
    return items if n is None else items[:n]


def _clean(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).split())


def un_people(data: Path) -> list[dict]:
    """Individuals: reference, Latin names, Arabic-script names, first Good Latin alias."""
    people = []
    for e in load_un_xml(str(data / "un-sc-consolidated-2025-08-02.xml")).entries:
        if e.kind != "individual":
            continue
        names = [_clean(n) for n in e.all_names()]
        latin = [n for n in names if not is_arabic(n)]
        arabic = [n for n in names if is_arabic(n)]
        good = [_clean(a.name) for a in e.aliases if a.quality in ("Good", "a.k.a.")
                and not is_arabic(a.name) and _clean(a.name) in latin[1:]]
        people.append({"ref": e.reference, "primary": _clean(e.name), "latin": latin,
                       "arabic": arabic, "original": _clean(e.name_original_script),
                       "alias": good[0] if good else None})
    return people


def cross_script(people: list[dict], n: int | None) -> dict[str, tuple[list, list]]:
    """Arabic original script -> Latin-only records, and Latin primary -> Arabic-only."""
    with_ar = [p for p in people if p["original"] and is_arabic(p["original"])]
    lat_records = [{"id": p["ref"], "names": p["latin"]} for p in people if p["latin"]]
    ar_records = [{"id": p["ref"], "names": p["arabic"]} for p in with_ar]
    ar2lat = _sample([{"name": p["original"], "target": p["ref"]} for p in with_ar], n)
    lat2ar = _sample([{"name": p["primary"], "target": p["ref"]} for p in with_ar], n)
    return {"ar->lat": (lat_records, ar2lat), "lat->ar": (ar_records, lat2ar)}


def alias_task(people: list[dict], n: int | None) -> tuple[list, list]:
    """One Good alias per person against the person's other names (alias removed)."""
    records, queries = [], []
    for p in people:
        names = p["latin"] + p["arabic"]
        if p["alias"]:
            names = [x for x in names if x != p["alias"]]
            queries.append({"name": p["alias"], "target": p["ref"]})
        if names:
            records.append({"id": p["ref"], "names": names})
    return records, _sample(queries, n)


def negatives(people: list[dict], n: int | None) -> tuple[list, list]:
    """Hard negatives: held-out real people (1 in 5, Latin and Arabic names) against
    the others, and swapped names (A's first part + B's last part)."""
    held = {p["ref"] for p in people if _h(p["ref"]) % 5 == 0}
    gallery = [p for p in people if p["ref"] not in held]
    records = [{"id": p["ref"], "names": p["latin"] + p["arabic"]} for p in gallery]
    queries = [{"name": name, "target": None, "kind": "held-out"}
               for p in people if p["ref"] in held for name in (p["primary"], p["original"])
               if name]
    rng = random.Random(7)
    multi = [p for p in gallery if len(p["primary"].split()) >= 2]
    swaps = []
    for _ in range(len(queries)):
        a, b = rng.sample(multi, 2)
        swaps.append({"name": f"{a['primary'].split()[0]} {b['primary'].split()[-1]}",
                      "target": None, "kind": "swap"})
    return records, _sample(queries, None if n is None else n // 2) + \
        _sample(swaps, None if n is None else n // 2)


def ar2en_words(data: Path, n: int | None) -> tuple[list[str], list[dict]]:
    """Eval split: each Arabic word against all Latin targets of the split."""
    pairs = [line.rstrip("\n").split("\t") for line in
             (data / "ar2en" / "ar2en-eval.txt").read_text(encoding="utf-8").splitlines()
             if "\t" in line]
    valid: dict[str, set[str]] = {}
    for ar, en in pairs:
        valid.setdefault(ar, set()).add(en.lower())
    candidates = sorted({en.lower() for _, en in pairs})
    queries = [{"name": ar, "target": sorted(v)} for ar, v in valid.items()]
    return candidates, _sample(queries, n)
