"""Property tests: the compiled fast paths (``*_fast``) give the numbers of the readable
references (``*_ref``) for any names, not only the sample names of test_textsim.py
and test_speed_paths.py: part similarity (``part_similarity_fast`` through
``GroupTable``) equals ``part_similarity_ref.part_similarity``, and the compiled name
score (``name_score_fast.scores``, every name of an index scored) equals
``name_score_ref.score_names``, bit for bit."""

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from fts_share.errors import ValidationError
from fts_share.matching import MatchConfig, NameIndex, analyze_name
from fts_share.matching.index.groups import GroupTable
from fts_share.matching.scoring.analysis import NameAnalysis
from fts_share.matching.scoring.name_score_ref import score_names
from fts_share.matching.scoring.part_similarity_ref import part_similarity

LATIN = "abcdefghijklmnopqrstuvwxyzé'"
ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهويةىءأإآؤئ"
PARTICLES = ["al-", "el ", "bin ", "Abu ", "Abd al-", "ibn ", "Dr. "]

#: patronymics (``patronymic_conflict``), the father's names they read as (never
#: aligned with a given name), and Umm (a kunya of its own kind)
PATRONYMICS = ["Isaevich", "Исаевич", "Ismailovich", "Umm Kulthum", "Abu Kulthum",
               "Rajapovich", "Rajap", "Магомедович", "Magomed", "Magomedovich",
               "Khamatovich", "Ивановна"]
#: initials (kind ``initial``), with and without their dot
INITIALS = ["M.", "A.", "S", "k.", "E.", "Y", "u", "C."]

word = st.one_of(st.text(alphabet=LATIN, min_size=2, max_size=9),
                 st.text(alphabet=ARABIC, min_size=2, max_size=7),
                 st.sampled_from(PATRONYMICS), st.sampled_from(INITIALS))
name_text = st.builds(
    lambda words, lead: lead + " ".join(words),
    st.lists(word, min_size=1, max_size=4), st.sampled_from(["", *PARTICLES]))


def _analysed(text: str) -> NameAnalysis | None:
    try:
        return analyze_name(text)
    except ValidationError:
        return None


@settings(max_examples=200, deadline=None)
@given(st.lists(name_text, min_size=2, max_size=6), st.sampled_from([0.0, 0.62]))
def test_part_similarity_fast_equals_ref(texts: list[str], floor: float) -> None:
    parts = [p for t in texts if (a := _analysed(t)) for p in a.name_parts]
    assume(len(parts) >= 2)
    table = GroupTable(skeleton_weight=0.6, compound_mismatch=0.75)
    group_part = {}
    for p in parts:
        sig = (p.forms, p.script, p.kind)
        if sig not in table.ids:
            table.add(sig)
            group_part[sig] = p
    fast = table.similarity_matrix([(p.forms, p.script, p.kind) for p in parts],
                                   np.arange(len(table)), floor)
    for i, p in enumerate(parts):
        for g, sig in enumerate(table.groups):
            ref = part_similarity(p, group_part[sig], initial=table.initial_similarity)
            assert fast[i, g] == (ref if ref >= floor else 0.0), (p.text, sig)


#: the defaults, the part-substitution penalty on (with weak alignments counted), and
#: common names kept apart never, or for every pair under 0.9; a lone part's coverage
#: weighed as any other side's, or much less; a name held whole weighed as any other
#: (off) or much more, or only when its parts are exactly alike; parts that are clearly
#: other names facing each other (``other_name_conflict``)
CONFIGS = [MatchConfig(), MatchConfig(part_conflict=0.12, conflict_similarity=0.8),
           MatchConfig(part_conflict=0.1, conflict_similarity=0.9, conflict_known_weight=2.0),
           MatchConfig(known_pair_similarity=0.0),
           MatchConfig(known_pair_similarity=0.9, known_pair_weight=2.0),
           MatchConfig(lone_part_best_side=0.55), MatchConfig(lone_part_best_side=0.3),
           MatchConfig(lone_part_best_side=0.9, coverage_best_side=0.5),
           MatchConfig(patronymic_conflict=0.3, part_conflict=0.1),
           MatchConfig(patronymic_conflict=0.0),
           MatchConfig(whole_name_best_side=0.55),
           MatchConfig(whole_name_best_side=0.9, whole_name_similarity=0.62),
           MatchConfig(whole_name_best_side=0.8, whole_name_similarity=1.0,
                       lone_part_best_side=0.3),
           MatchConfig(other_name_conflict=0.0),
           MatchConfig(other_name_conflict=0.3, other_name_similarity=0.62,
                       patronymic_conflict=0.0),
           MatchConfig(initial_similarity=0.9, initial_weight=0.6, known_pair_similarity=0.95,
                       part_conflict=0.1, conflict_similarity=0.95),
           MatchConfig(other_father_similarity=0.4),
           MatchConfig(other_father_similarity=0.7, other_name_similarity=0.2)]


@settings(max_examples=100, deadline=None)
@given(st.lists(name_text, min_size=1, max_size=8), name_text, st.sampled_from(CONFIGS))
def test_name_score_fast_equals_ref(records: list[str], query_text: str,
                                    config: MatchConfig) -> None:
    query = _analysed(query_text)
    assume(query is not None)
    assert query is not None
    idx = NameIndex(config=config)
    for i, text in enumerate(records):
        if _analysed(text) is not None:
            idx.add(f"R{i}", text)
    assume(len(idx) > 0)
    fast = idx.exhaustive_scores(query)
    for name_id, analysis in enumerate(idx.names.analysis):
        assert analysis is not None
        ref = score_names(query, analysis, idx.rarity, idx.config).score
        assert fast.get(name_id, 0.0) == ref, (query_text, analysis.text)
