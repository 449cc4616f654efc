"""Candidate generation passes over names that cannot pre-score the floor a search
looks for, once enough names do (``scan_fast.scan``): the names scored, and so the
hits, must be those of a search that keeps every candidate."""

import random

import numpy as np
import pytest

from fts_share.matching import NameIndex, analyze_name
from fts_share.matching.config import MatchConfig
from fts_share.matching.index import candidates
from fts_share.matching.index import query as index_query

GIVEN = ["Muhammad", "Mohammed", "Ahmad", "Ali", "Omar", "محمد", "أحمد", "علي"]
FATHER = ["Abdullah", "Hassan", "Hussein", "Ibrahim", "Khalid", "حسن", "إبراهيم"]
FAMILY = ["al-Tikriti", "al-Masri", "Khan", "al-Baghdadi", "التكريتي", "المصري", "Salim"]
QUERIES = ["Muhammad Hassan Ibrahim al-Tikriti", "محمد حسن إبراهيم التكريتي",
           "Ahmad bin Muhammad bin Muhammad al-Masri", "Omar Hussein Khan",
           "علي عبدالله البغدادي", "Mohammed Ali Salim", "Ali Khalid"]


@pytest.fixture(scope="module")
def common_names() -> NameIndex:
    """Names of common parts only, with a candidate budget small enough that the
    common parts are paired (as at 1M names)."""
    rng = random.Random(16)
    idx = NameIndex(config=MatchConfig(candidate_budget=40, stats_min_names=10**9))
    for k in range(3000):
        parts = [rng.choice(GIVEN)] + [rng.choice(FATHER)
                                       for _ in range(rng.randint(0, 2))] + [rng.choice(FAMILY)]
        idx.add(f"R{k:04d}", " ".join(parts), dob=str(rng.randint(1960, 1990)),
                nationality=rng.choice(["IRQ", "EGY", "SYR", None]))
    return idx


def _gather(idx: NameIndex, text: str, floor: float) -> tuple[list[int], list[float], float]:
    qparts = index_query.query_parts(analyze_name(text), idx.groups, idx.cache, idx.rarity,
                                     idx.config)
    qw = np.array([qp.weight for qp in qparts])
    arrays = idx.arrays()
    need = candidates.needed_weight(0.55, qw, idx.config)
    with candidates.QueryTable(qparts, arrays, idx.cache.scratch) as table:
        names, pre = candidates.gather(table, qw, need, idx.segments(), idx.cache.scratch,
                                       idx.config, floor)
    return names.tolist(), pre.tolist(), need


def test_names_left_out_pre_score_under_the_floor(common_names: NameIndex) -> None:
    """The names that pre-score the floor are found, in the same order, with the same
    pre-scores, and so are the ``exact_candidates`` best; every name left out
    pre-scores under the floor and under the ``exact_candidates``-th best."""
    left_out = early = 0
    best = common_names.config.exact_candidates
    for text in QUERIES:
        every, every_pre, _need = _gather(common_names, text, 0.0)
        kept, kept_pre, _ = _gather(common_names, text, 0.55)
        assert set(kept) <= set(every)
        above = [(n, p) for n, p in zip(every, every_pre) if p >= 0.55]
        assert [(n, p) for n, p in zip(kept, kept_pre) if p >= 0.55] == above
        pre_of = dict(zip(every, every_pre))
        kth = sorted(every_pre, reverse=True)[best - 1] if len(every) >= best else -1.0
        assert all(pre_of[n] < min(0.55, kth) for n in set(every) - set(kept))
        assert [(n, p) for n, p in zip(kept, kept_pre) if p >= kth] == [
            (n, p) for n, p in zip(every, every_pre) if p >= kth]
        left_out += len(every) - len(kept)
        early += len(above) < best and len(kept) < len(every)
    assert left_out > 0  # the pruning happened on these names
    assert early > 0  # also where fewer than ``exact_candidates`` reach the floor


def test_same_hits_as_keeping_every_candidate(common_names: NameIndex,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    queries = [(q, dob, nat) for q in QUERIES for dob, nat in
               ((None, None), ("1975", "IRQ"), ("1962", "EGY"))]

    def hits() -> list[list[tuple[str, float, str, object]]]:
        return [[(h.record_id, h.score, h.name, h.explanation)
                 for h in common_names.search(q, dob=dob, nationality=nat, limit=limit)]
                for q, dob, nat in queries for limit in (3, 10)]

    pruned = hits()
    gather = candidates.gather
    monkeypatch.setattr(candidates, "gather",
                        lambda *args, **kwargs: gather(*args[:6]))  # floor 0: keep all
    kept = hits()
    assert pruned == kept
    assert sum(len(h) for h in kept) > 50


def test_the_budget_reads_the_cheaper_of_two_equally_alike_spellings() -> None:
    """A query part whose two spellings in the index are equally alike (*Dari*: *Dare*
    and *Duri*, both 0.9) while the candidate budget affords only one reads the one
    held by fewer names first, whichever was filed first: more spellings for the
    postings read, and the choice does not depend on the order of the list."""
    for first, second in (("Dare", "Duri"), ("Duri", "Dare")):
        idx = NameIndex(config=MatchConfig(candidate_budget=30))
        many, few = (first, second) if first == "Dare" else (second, first)
        rows = [(f"{w}{i}", f"{w} Qwerty{w}{i}") for w in (first, second)
                for i in range(40 if w == many else 10)]
        for rid, name in rows:
            idx.add(rid, name)
        found = {h.record_id[:4] for h in idx.search("Dari", threshold=0.0, limit=100)}
        assert found == {few}, (first, found)


def test_the_budget_reads_the_query_spelling_first_among_those_that_read_the_same() -> None:
    """Spellings that read the same as the query part (*Fatimah* / *Fatima*, 1.0) keep
    the query's own first, however many names hold it: the names spelt as the query
    is are read before any other spelling."""
    idx = NameIndex(config=MatchConfig(candidate_budget=30))
    for w, n in (("Fatimah", 100), ("Fatima", 30)):
        for i in range(n):
            idx.add(f"{w}{i}", f"{w} Qwerty{w}{i}")
    found = {h.record_id.rstrip("0123456789")
             for h in idx.search("Fatimah", threshold=0.0, limit=200)}
    assert "Fatimah" in found
