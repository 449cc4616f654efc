"""Explanations speak in reason codes with parameters, never in engine internals."""

from __future__ import annotations

import json
import re

import pytest

from fts_share.matching import NameIndex, explain_similarity
from fts_share.matching.scoring.explanation import MATCH_KINDS, REASON_CODES, Reason, english

BADRI = "IBRAHIM AWWAD IBRAHIM ALI AL-BADRI AL-SAMARRAI"


@pytest.fixture(scope="module")
def idx() -> NameIndex:
    index = NameIndex()
    index.add("QDi.299", [BADRI, "أبو بكر البغدادي"], dob="1971-07-28", nationality="IRQ",
              documents="A1234567")
    return index


def codes(reasons: tuple[Reason, ...]) -> list[str]:
    return [r.code for r in reasons]


def test_cross_script_parts_say_so_with_their_roles() -> None:
    expl = explain_similarity("Abou Bakr el-Baghdadi", "أبو بكر البغدادي")
    matched = [r.params for r in expl.reasons if r.code == "part_matched"]
    assert {(p["role"], p["kind"]) for p in matched} == {("kunya", "cross_script"),
                                                         ("nisba", "cross_script")}
    assert {p["record"] for p in matched} == {"أبو بكر", "البغدادي"}  # as written
    assert {p["query"] for p in matched} == {"Abou Bakr", "el-Baghdadi"}


def test_same_and_other_spellings_and_parts_left_over(idx: NameIndex) -> None:
    hit = idx.search("Ibrahim Awad al-Badri")[0]
    reasons = hit.explanation.reasons
    kinds = {r.params["query"]: r.params["kind"] for r in reasons if r.code == "part_matched"}
    assert kinds == {"Ibrahim": "exact", "Awad": "variant", "al-Badri": "exact"}
    left = [(r.params["side"], r.params["role"], r.params["text"]) for r in reasons
            if r.code == "part_unmatched"]
    assert left == [("record", "father", "IBRAHIM"), ("record", "father", "ALI"),
                    ("record", "nisba", "AL-SAMARRAI")]


def test_evidence_agrees_or_conflicts(idx: NameIndex) -> None:
    good = idx.search("Ibrahim Awad al-Badri", dob="1971", nationality="Iraq",
                      documents="a-1234567")[0].explanation.reasons
    assert codes(good)[-3:] == ["dob_agrees", "nationality_agrees", "document_agrees"]
    assert good[-3].params == {"precision": "year", "query": "1971", "record": "1971-07-28"}
    assert good[-2].params == {"countries": ["IRQ"]}
    bad = idx.search("Ibrahim Awad al-Badri", dob="1985-02-01", nationality="SYR",
                     threshold=0.1)[0].explanation.reasons
    assert codes(bad)[-2:] == ["dob_conflicts", "nationality_conflicts"]
    assert bad[-1].params == {"query": ["SYR"], "record": ["IRQ"]}


@pytest.mark.parametrize("query", ["Abou Bakr el-Baghdadi", "Mohammed Ibrahim al-Badri",
                                   "إبراهيم عواد البدري", "Ibrahim Awad"])
def test_no_skeletons_or_debug_text(idx: NameIndex, query: str) -> None:
    for hit in idx.search(query, dob="1970", nationality="IRQ", threshold=0.1):
        doc = hit.explanation.to_dict()
        assert {r["code"] for r in doc["reasons"]} <= set(REASON_CODES)  # type: ignore[index]
        assert all(p["kind"] in MATCH_KINDS for p in doc["parts"])  # type: ignore[index]
        text = json.dumps(doc, ensure_ascii=False)
        for skeleton in ("mhmd", "'bkr'", "bkd", "skeleton", "rarity", "vs "):
            assert skeleton not in text
        assert not re.search(r"\[\w+=", hit.explanation.text)  # no feature dump
        assert "text" not in doc  # no English prose on the wire: the pages translate


def test_english_rendering_covers_every_code() -> None:
    samples = {
        "part_matched": {"role": "given", "query": "a", "record": "b", "kind": "variant"},
        "part_unmatched": {"side": "query", "role": "family", "text": "c"},
        "dob_agrees": {"query": "1971", "record": "1971"},
        "dob_conflicts": {"query": "1971", "record": "1980"},
        "nationality_agrees": {"countries": ["IRQ"]},
        "nationality_conflicts": {"query": ["SYR"], "record": ["IRQ"]},
        "document_agrees": {"number": "A1"},
    }
    assert set(samples) == set(REASON_CODES)
    for code, params in samples.items():
        assert english(Reason(code, params)) != code


@pytest.mark.parametrize("query,record,pairs", [
    ("Muḥammad ʿAbd-ur-Raḥmān Al-Masri", "محمد عبد الرحمن المصري",
     {("Muḥammad", "محمد"), ("ʿAbd-ur-Raḥmān", "عبد الرحمن"), ("Al-Masri", "المصري")}),
    ("MOHAMMED SALAHALDIN ZIDANE", "محمد صلاح الدين عبدالحليم زيدان",
     {("MOHAMMED", "محمد"), ("SALAHALDIN", "صلاح الدين"), ("ZIDANE", "زيدان")}),
    ("Абу Бакр аль-Багдади", "Abu Bakr al-Baghdadi",
     {("Абу Бакр", "Abu Bakr"), ("аль-Багдади", "al-Baghdadi")}),
    ("Ramzi Binalshibh", "رمزي بن الشيبة", {("Ramzi", "رمزي"), ("Binalshibh", "الشيبة")}),
])
def test_parts_are_shown_as_they_were_written(query: str, record: str,
                                              pairs: set[tuple[str, str]]) -> None:
    index = NameIndex()
    index.add("R1", [record])
    hit = index.search(query, threshold=0.0)[0]
    matched = {(r.params["query"], r.params["record"]) for r in hit.explanation.reasons
               if r.code == "part_matched"}
    assert matched == pairs
    written = set(query.split()) | set(record.split()) | {a for a, _ in pairs} | {
        b for _, b in pairs}
    for r in hit.explanation.reasons:
        for key in ("query", "record", "text"):
            if key in r.params and r.code.startswith("part_"):
                assert r.params[key] in written, r


def test_no_reason_holds_a_skeleton_or_a_folded_reading(idx: NameIndex) -> None:
    from fts_share.matching import analyze_name

    hits = idx.search("Ibrahim ʿAwwād al-Badrī", threshold=0.1)
    readings = {f.skel for p in analyze_name(BADRI).parts for f in p.forms} | {
        f.skel for p in analyze_name("Ibrahim ʿAwwād al-Badrī").parts for f in p.forms}
    said = [str(v) for r in hits[0].explanation.reasons for v in r.params.values()]
    assert "ʿAwwād" in said and "al-Badrī" in said and "AL-BADRI" in said
    assert not readings & set(said), readings & set(said)
    assert "awwad" not in said and "al badri" not in said


@pytest.mark.parametrize("query,written", [
    ("Zawahiri, Ayman", {"Zawahiri", "Ayman"}),
    ("الظواهري، أيمن", {"الظواهري", "أيمن"}),
    ("«Ayman» (al-Zawahiri)", {"Ayman", "al-Zawahiri"}),
])
def test_punctuation_around_a_written_part_is_not_shown(query: str, written: set[str]) -> None:
    index = NameIndex()
    index.add("QDi.006", ["AIMAN MUHAMMED RABI AL-ZAWAHIRI", "Ayman Al-Zawahari"])
    hit = index.search(query, threshold=0.3)[0]
    assert {r.params["query"] for r in hit.explanation.reasons
            if r.code == "part_matched"} == written
