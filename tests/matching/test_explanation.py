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
    assert {p["record"] for p in matched} == {"ابو بكر", "البغدادي"}


def test_same_and_other_spellings_and_parts_left_over(idx: NameIndex) -> None:
    hit = idx.search("Ibrahim Awad al-Badri")[0]
    reasons = hit.explanation.reasons
    kinds = {r.params["query"]: r.params["kind"] for r in reasons if r.code == "part_matched"}
    assert kinds == {"ibrahim": "exact", "awad": "variant", "al badri": "exact"}
    left = [(r.params["side"], r.params["role"], r.params["text"]) for r in reasons
            if r.code == "part_unmatched"]
    assert left == [("record", "father", "ibrahim"), ("record", "father", "ali"),
                    ("record", "nisba", "al samarrai")]


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
