"""The compiled part similarity gives rapidfuzz's integers and the reference scorer's
doubles: bit-parallel and textbook paths, long and non-ASCII strings, and the floor."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import LCSseq, Levenshtein

from fts_share.matching import analyze_name
from fts_share.matching.index.groups import GroupTable
from fts_share.matching.scoring import part_similarity_fast
from fts_share.matching.scoring.part_similarity_ref import part_similarity

# the bridged alphabet, plus a letter outside ASCII (such input must not break it)
LETTERS = st.text(alphabet="bkdSxzjstlmnrfhywaiu9é", max_size=80)


def _metrics(a: str, b: str, bit_parallel: bool) -> tuple[int, int]:
    codes, start = part_similarity_fast.encode(["", a, b])
    pm, ok = part_similarity_fast.masks(codes, start)
    use = bit_parallel and bool(ok[1])
    args = (codes, start[1], len(a), codes, start[2], len(b), pm, 1, use)
    return part_similarity_fast.levenshtein(*args), part_similarity_fast.lcs(*args)


@settings(max_examples=400, deadline=None)
@given(LETTERS, LETTERS)
def test_metrics_are_rapidfuzz_integers(a: str, b: str) -> None:
    want = (Levenshtein.distance(a, b), LCSseq.similarity(a, b))
    assert _metrics(a, b, True) == want
    assert _metrics(a, b, False) == want


def test_bit_parallel_limits() -> None:
    codes, start = part_similarity_fast.encode(["a" * 64, "a" * 65, "abé", ""])
    _pm, ok = part_similarity_fast.masks(codes, start)
    assert ok.tolist() == [True, False, False, True]
    # a 64-letter pattern uses the whole machine word
    assert _metrics("ab" * 32, "ba" * 33, True) == (Levenshtein.distance("ab" * 32, "ba" * 33),
                                                    LCSseq.similarity("ab" * 32, "ba" * 33))
    assert _metrics("", "", True) == (0, 0)
    assert _metrics("abc", "", True) == (3, 0)


NAMES = ["Muhammad", "محمد", "Mohamed", "Abd al-Rahman", "عبد الرحمن", "Abu Bakr", "أبو بكر",
         "al-Baghdadi", "البغدادي", "Zawahiri", "الظواهري", "Salahuddin", "Yusuf", "يوسف",
         "Nasrallah", "Khaled", "Hasan", "Hassan", "Qasim", "Kassem", "x" * 90]


def _parts() -> list:
    return [p for n in NAMES for p in analyze_name(n).name_parts]


def test_table_equals_part_similarity_with_and_without_floor() -> None:
    parts = _parts()
    table = GroupTable(skeleton_weight=0.6, compound_mismatch=0.75)
    for p in parts:
        if (p.forms, p.script, p.kind) not in table.ids:
            table.add((p.forms, p.script, p.kind))
    gids = np.arange(len(table))
    groups = table.groups
    queries = [(p.forms, p.script, p.kind) for p in parts]
    exact = table.similarity_matrix(queries, gids)
    floored = table.similarity_matrix(queries, gids, 0.62)
    for i, p in enumerate(parts):
        for g, (forms, script, kind) in enumerate(groups):
            other = next(o for o in parts if (o.forms, o.script, o.kind) == groups[g])
            want = part_similarity(p, other)
            assert exact[i, g] == want
            assert floored[i, g] == (want if want >= 0.62 else 0.0)
    assert (exact > 0).sum() > (floored > 0).sum() > len(parts)  # the floor cut some


def test_table_grows_while_a_view_is_held() -> None:
    """A view of the table handed to a compiled call may outlive the call (a
    reference cycle, the collector off while loading): adding groups still works and
    the old view keeps its values."""
    parts = _parts()
    table = GroupTable(skeleton_weight=0.6, compound_mismatch=0.75)
    table.add((parts[0].forms, parts[0].script, parts[0].kind))
    held = table._table()
    before = [a.copy() for a in held]
    for p in parts[1:]:
        if (p.forms, p.script, p.kind) not in table.ids:
            table.add((p.forms, p.script, p.kind))
    assert all((a == b).all() for a, b in zip(held, before))
    assert len(table._table()[2]) == len(table) > 1
