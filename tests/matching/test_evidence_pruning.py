"""A search with a date of birth or a nationality works out the evidence of only the
candidates that can still be among the ``limit`` best records (``search._adjust``):
the hits must be those of a search that adjusts every candidate, i.e. the first
``limit`` of a search whose limit is never reached."""

import random

import pytest

from fts_share.matching import NameIndex

GIVEN = ["Muhammad", "Mohammed", "Ahmad", "Ali", "Omar", "محمد", "أحمد", "علي"]
FATHER = ["Abdullah", "Hassan", "Hussein", "Ibrahim", "Khalid", "حسن", "إبراهيم"]
FAMILY = ["al-Tikriti", "al-Masri", "Khan", "al-Baghdadi", "التكريتي", "المصري", "Salim"]
NATS = ["IRQ", "EGY", "SYR", "PAK", None]


@pytest.fixture(scope="module")
def common_names() -> NameIndex:
    rng = random.Random(7)
    idx = NameIndex()
    for k in range(1500):
        names = [f"{rng.choice(GIVEN)} {rng.choice(FATHER)} {rng.choice(FAMILY)}"]
        if k % 5 == 0:  # some records have a second name
            names.append(f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}")
        dob = rng.choice([None, str(rng.randint(1960, 1990)),
                          f"{rng.randint(1960, 1990)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"])
        idx.add(f"R{k:04d}", names, dob=dob, nationality=rng.choice(NATS))
    return idx


def _hits(idx: NameIndex, query: str, limit: int, **evidence: str) -> list[tuple[str, float, str]]:
    # a threshold low enough that common names have more hits than the limit
    return [(h.record_id, h.score, h.name)
            for h in idx.search(query, limit=limit, threshold=0.6, **evidence)]


@pytest.mark.parametrize("limit", [1, 3, 10])
def test_the_hits_of_a_search_that_adjusts_every_candidate(common_names: NameIndex,
                                                           limit: int) -> None:
    rng = random.Random(limit)
    compared = pruned = 0
    for _ in range(40):
        query = f"{rng.choice(GIVEN)} {rng.choice(FATHER)} {rng.choice(FAMILY)}"
        evidence = {"dob": str(rng.randint(1960, 1990)), "nationality": rng.choice(NATS[:4])}
        every = _hits(common_names, query, 10_000, **evidence)
        got = _hits(common_names, query, limit, **evidence)
        assert got == every[:limit], query
        compared += 1
        pruned += len(every) > limit
    assert compared == 40 and pruned >= 3  # queries with more hits than the limit


def test_evidence_worked_out_kind_by_kind_adds_up_to_the_same_bits() -> None:
    from fts_share.matching import MatchConfig
    from fts_share.matching.index.hits import Evidence
    from fts_share.matching.index.store import Record
    from fts_share.matching.scoring.evidence import parse_countries, parse_dob

    rng = random.Random(3)
    dobs = [None, "1971", "1971-07-28", "1972", "1960", "approximately 1970", "1969-1973",
            "1971-08-01;1975"]
    nats = [None, "IRQ", "SYR", "IRQ;SYR", "EGY"]
    docs = [(), ("A1234567",), ("B7654321", "A1234567")]
    config, memo = MatchConfig(), {}
    seen = set()
    for _ in range(400):
        query = Evidence(parse_dob(rng.choice(dobs)), parse_countries(rng.choice(nats)),
                         rng.choice(docs))
        record = Record(parse_dob(rng.choice(dobs)), None, parse_countries(rng.choice(nats)),
                        rng.choice(docs))
        reference = query.delta(record, config)
        assert query.delta(record, config, memo) == reference  # (floats, compared exactly)
        seen.add(reference)
    assert len(seen) >= 6  # matches, conflicts and absences of each kind were met
