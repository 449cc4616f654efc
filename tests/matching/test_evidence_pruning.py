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
    return [(h.record_id, h.score, h.name) for h in idx.search(query, limit=limit, **evidence)]


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
