"""Evidence (date of birth, nationality, documents) added to name scores in a search:
worked out once per record and per distinct evidence, it gives exactly the hits, the
order and the scores of the reference scorer applied to every name of every record."""

import random

import pytest

from fts_share.errors import ValidationError
from fts_share.matching import NameIndex, analyze_name
from fts_share.matching.index.hits import Evidence, score_hit
from fts_share.matching.index.join_search import query_readings
from fts_share.matching.scoring.evidence import parse_countries, parse_dob, parse_documents
from fts_share.matching.scoring.join_guard import meets

GIVEN = ["Muhammad", "Mohamed", "محمد", "Ahmad", "أحمد", "Ali", "علي", "Khalid", "خالد",
         "Yusuf", "يوسف", "Abd al-Rahman", "عبدالرحمن"]
FAMILY = ["al-Harbi", "الحربي", "al-Baghdadi", "البغدادي", "Hassan", "حسن", "al-Masri",
          "Nasrallah"]
NATS = ["IRQ", "SYR", "FRA", "TUN"]


def _dob(rng: random.Random) -> str:
    year = rng.randint(1975, 1985)
    return rng.choice([str(year), f"{year}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                       f"approximately {year}"])


def _index(rng: random.Random) -> NameIndex:
    """Common names held by many records with different evidence (as on arrival)."""
    idx = NameIndex()
    for i in range(400):
        names = [f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"
                 for _ in range(rng.randint(1, 3))]
        idx.add(f"R{i}", names, dob=_dob(rng) if rng.random() < 0.8 else None,
                nationality=rng.sample(NATS, rng.randint(0, 2)) or None,
                documents=[f"P{i % 7:05d}"] if rng.random() < 0.2 else None)
    return idx


def _reference(idx: NameIndex, name: str, dob: str | None, nat: list[str] | None,
               docs: list[str] | None, threshold: float, limit: int
               ) -> list[tuple[str, float]]:
    """Every name of every record scored by the reference scorer with the evidence."""
    query = analyze_name(name)
    evidence = Evidence(parse_dob(dob), parse_countries(nat), parse_documents(docs))
    best: dict[str, float] = {}
    for rid, rec in idx.records.by_id.items():
        for nid in rec.names:
            analysis = idx.names.analysis[nid]
            assert analysis is not None
            for reading in query_readings(query, idx.holds, idx.adjacent):  # (``meets``)
                if meets(reading, analysis, idx.config):
                    hit = score_hit(reading, analysis, rid, rec, evidence, idx.rarity,
                                    idx.config)
                    best[rid] = max(best.get(rid, 0.0), hit.score)
    ranked = sorted(((r, s) for r, s in best.items() if s >= threshold),
                    key=lambda t: (-t[1], t[0]))
    return ranked[:limit]


@pytest.mark.parametrize("threshold", [0.6, 0.72, 0.85])
def test_search_with_evidence_gives_the_reference_hits(threshold: float) -> None:
    rng = random.Random(18)
    idx = _index(rng)
    for _ in range(40):
        name = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"
        dob = _dob(rng) if rng.random() < 0.8 else None
        nat = rng.sample(NATS, rng.randint(0, 2)) or None
        docs = [f"P{rng.randint(0, 9):05d}"] if rng.random() < 0.3 else None
        try:
            hits = idx.search(name, dob=dob, nationality=nat, documents=docs,
                              threshold=threshold, limit=25)
        except ValidationError:
            continue
        got = [(h.record_id, h.score) for h in hits]
        assert got == _reference(idx, name, dob, nat, docs, threshold, 25), name
        assert all(h.explanation.score == h.score for h in hits)


@pytest.mark.parametrize("dob", ["1981-02-03", "1981", "approximately 1981"])
def test_a_name_that_only_the_evidence_lifts_to_the_threshold_is_found(dob: str) -> None:
    """The bound on what evidence can add prunes names before scoring; it is never
    below what the evidence adds: at a threshold just under the lifted score (above
    what any weaker evidence would give), the record is still found."""
    idx = _index(random.Random(3))
    idx.add("T", "Yusuf Khalid al-Harbi Nasrallah Ali", dob="1981-02-03", nationality="IRQ")
    # three of the record's five parts, the given name among them (a query whose given
    # name is the record's father's name scores as a son would, far below any threshold)
    query = "Yousef al-Harbi Ali"
    plain = next(h.score for h in idx.search(query, threshold=0.0, limit=500)
                 if h.record_id == "T")
    ref = dict(_reference(idx, query, dob, ["IRQ"], None, 0.0, 500))["T"]
    assert plain < idx.config.threshold <= ref  # the evidence alone lifts it over
    cut = round(ref - 0.005, 4)  # weaker evidence adds at least 0.01 less
    hits = idx.search(query, dob=dob, nationality="Iraq", threshold=cut, limit=500)
    assert [(h.record_id, h.score) for h in hits] == _reference(
        idx, query, dob, ["IRQ"], None, cut, 500)
    assert "T" in [h.record_id for h in hits]
