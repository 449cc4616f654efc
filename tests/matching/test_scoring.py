"""Name similarity and the bridge-v1 features, on the domain.md examples."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fts_share.errors import ValidationError
from fts_share.matching import MatchConfig, analyze_name, explain_similarity, name_similarity


@pytest.mark.parametrize("a,b", [
    ("محمد عبد الله", "Mohamed Abdallah"),
    ("Ayman Al-Zawahari", "AIMAN MUHAMMED RABI AL-ZAWAHIRI"),
    ("أيمن محمد ربيع الظواهري", "AIMAN MUHAMMED RABI AL-ZAWAHIRI"),
    ("Al Zawahry Aiman Mohamed Rabi Abdel Muaz", "AIMAN MUHAMMED RABI AL-ZAWAHIRI"),
    ("Sayf-Al Adl", "Saif Al-'Adil"), ("Seif al Adel", "Sayf-Al Adl"),
    ("MOHAMMED SALAHALDIN ABD EL HALIM ZIDANE", "محمد صلاح الدين عبدالحليم زيدان"),
    ("Abd al-Rahman", "Abderrahmane"), ("Abu Bakr", "Abubakar"),
    # West African and Somali forms of Abdullah, a kunya with its article attached
    ("Abdoulaye Miskine", "Abdoullaye Miskine"), ("Abdullahi Osman", "عبد الله عثمان"),
    ("Abdoulaye Diallo", "Abdallah Diallo"), ("Abul Hassan Ahmad", "Abu al-Hasan Ahmad"),
    ("Aboul Walid al-Sahraoui", "أبو الوليد الصحراوي"),
    ("حاجی مالك نورزى", "MALIK NOORZAI"),  # حاجی (Haji, Persian spelling): a title
])
def test_same_person_spellings_are_similar(a: str, b: str) -> None:
    # over the default threshold with a margin (a name that drops parts, such as
    # "Ayman Al-Zawahari", pays for the parts it lacks: 0.76)
    assert name_similarity(a, b) >= MatchConfig().threshold + 0.05


@pytest.mark.parametrize("a,b", [
    ("Muhammad Ali al-Masri", "Mohamed Hassan al-Tunisi"),
    ("Abu Bakr al-Baghdadi", "Abu Hamza al-Masri"),
    ("Ahmad Khalil", "Mahmoud Jalil"),
])
def test_different_names_are_not(a: str, b: str) -> None:
    assert name_similarity(a, b) < MatchConfig().threshold


def test_abd_compounds_and_kunyas_with_the_article_are_read_as_such() -> None:
    def parts(name: str) -> list[tuple[str, str]]:
        return [(p.kind, p.core) for p in analyze_name(name).name_parts]
    assert parts("Abdoulaye") == parts("Abdullahi") == [("abd", "allah")]
    assert parts("Abdelali") == [("abd", "ali")]  # not Allah
    assert parts("Abul Hassan") == [("kunya", "hassan")]
    assert parts("Abul") == [("plain", "abul")]  # nothing follows: a name


def test_explanation_names_aligned_parts() -> None:
    expl = explain_similarity("Abou Bakr el-Baghdadi", "أبو بكر البغدادي")
    assert {(p.query_part, p.record_role) for p in expl.parts} == {
        ("abou bakr", "kunya"), ("el baghdadi", "nisba")}
    assert "bkd" not in expl.text and "kunya Abou Bakr" in expl.text


def test_config_refuses_unknown_options() -> None:
    with pytest.raises(ValidationError) as err:
        MatchConfig().with_options(treshold=0.5)
    assert "treshold" in err.value.errors
    assert MatchConfig.from_dict({"threshold": 0.8}).threshold == 0.8
    with pytest.raises(ValidationError):
        MatchConfig.from_dict({"treshold": 0.8})
    # an option of an earlier version (in an old index file or node config) is ignored
    assert MatchConfig.from_dict({"common_key_df": 20000}) == MatchConfig()
    with pytest.raises(ValidationError):
        MatchConfig(threshold=2.0)


names = st.text(alphabet="abdehiklmnorsuwyz ابتحدرسعلمنويةأ-'", min_size=1, max_size=30)


def _sim(a: str, b: str) -> float | None:
    try:
        return name_similarity(a, b)
    except ValidationError:
        return None


@settings(max_examples=150, deadline=None)
@given(names, names)
def test_similarity_is_symmetric_and_bounded(a: str, b: str) -> None:
    s = _sim(a, b)
    if s is not None:
        assert 0.0 <= s <= 1.0
        assert s == _sim(b, a)


@settings(max_examples=100, deadline=None)
@given(names)
def test_a_name_is_identical_to_itself(a: str) -> None:
    s = _sim(a, a)
    readable = True
    try:
        analyze_name(a)
    except ValidationError:
        readable = False  # no readable name: similarity 0.0 (docs of name_similarity)
    assert s == (1.0 if readable else 0.0)


def test_date_of_birth_and_nationality_conflicts_are_strong_evidence() -> None:
    """Calibrated (docs/benchmarks.md): a date of birth far from the listed one takes
    an exact name of common parts (Hussein, al-Tikriti: the reference frequencies) under
    the threshold (a namesake, not the listed person); a rare name stays over it, and
    falls just under it when the nationality conflicts too (1 - 0.3 - 0.04 = 0.66: two
    independent conflicts). Agreement lifts a partial name."""
    from fts_share.matching import NameIndex
    idx = NameIndex()
    idx.add("IQi.001", ["SADDAM HUSSEIN AL-TIKRITI", "صدام حسين التكريتي"],
            dob="1937-04-28", nationality="IRQ")
    idx.add("QDi.900", ["Adelson Hitchens Wakeford"], dob="1960", nationality="GBR")
    name = "Saddam Hussein al-Tikriti"
    assert [h.record_id for h in idx.search(name, dob="1937")] == ["IQi.001"]
    assert idx.search(name, dob="~1994") == []
    assert idx.search(name, dob="~1994", nationality="FRA", threshold=0.5)
    rare = "Adelson Hitchens Wakeford"
    assert [h.record_id for h in idx.search(rare, dob="1994")] == ["QDi.900"]
    assert idx.search(rare, dob="1994", nationality="FRA") == []
    [both] = idx.search(rare, dob="1994", nationality="FRA", threshold=0.5)
    assert both.score < idx.config.threshold and [r.code for r in both.explanation.reasons][-2:] == [
        "dob_conflicts", "nationality_conflicts"]
    plain = idx.search("Saddam al-Tikriti", threshold=0.0)[0].score
    agreeing = idx.search("Saddam al-Tikriti", dob="1937", nationality="Iraq")[0].score
    assert agreeing > plain


def test_part_substitutions_are_counted_where_parts_face_each_other() -> None:
    from fts_share.matching.scoring.name_score_ref import substitutions
    # Kim Tong Chol / Kim Yong Chol with Tong and Yong unaligned: one substitution
    assert substitutions(3, 3, [(1.0, 0, 0), (1.0, 2, 2)]) == 1
    # Abdul Samad / Abdul Samad Achekzai: a part only one side has is none
    assert substitutions(1, 2, [(1.0, 0, 0)]) == 0
    # Muhammad Ali Hasan / Muhammad Ali Tikriti: the family names face each other
    assert substitutions(3, 3, [(1.0, 0, 0), (1.0, 1, 1)]) == 1
    # a family name written first (crossing pairs): only weak alignments count
    assert substitutions(2, 2, [(1.0, 0, 1), (0.7, 1, 0)]) == 0
    assert substitutions(2, 2, [(1.0, 0, 1), (0.7, 1, 0)], below=0.8) == 1


def test_the_substitution_penalty_lowers_a_namesake_not_a_partial_name() -> None:
    from fts_share.matching import NameIndex
    scores = {}
    for penalty in (0.0, 0.1):
        index = NameIndex(config=MatchConfig(part_conflict=penalty))
        index.add("A", ["MUHAMMAD ALI AL-TIKRITI"])
        index.add("B", ["ABDUL SAMAD ACHEKZAI"])
        scores[penalty] = {q: index.search(q, threshold=0.0)[0].score
                           for q in ("Muhammad Ali Hasan", "Abdul Samad")}
    assert scores[0.1]["Muhammad Ali Hasan"] == round(
        scores[0.0]["Muhammad Ali Hasan"] - 0.1, 4)
    assert scores[0.1]["Abdul Samad"] == scores[0.0]["Abdul Samad"]


def test_a_nasab_read_in_other_generations_is_not_the_same_person() -> None:
    """Each given name aligned with a later part of the other name: "Abdullahi son of
    Osman son of Mohamed" is not "Mohamed son of Abdullahi" (Somali names, a nasab
    with no family name: the false alarms of round 5). A family name written first
    moves the last part to the front, and stays a match."""
    from fts_share.matching import NameIndex
    idx = NameIndex()
    idx.add("SO.1", ["Maxamed Cabdullaahi Ciise", "Maxammed Cabdullaahi"])
    idx.add("CD.1", ["Laurent Nkunda Mihigo"])
    idx.add("IQ.1", ["Sab'awi Ibrahim Hassan al-Tikriti"])
    assert idx.search("Cabdullahi Cusman Maxamed Caddow") == []
    assert idx.search("Cabdullahi Cusman Maxamed Caddow", threshold=0.0)[0].score < 0.5
    assert [h.record_id for h in idx.search("Nkunda Mihigo Laurent")] == ["CD.1"]
    assert [h.record_id for h in idx.search("Maxamed Cabdullaahi Ciise")] == ["SO.1"]
    assert idx.search("Ibrahim Sabawi Ibrahim Hasan al-Tikriti") == []  # his son


def test_two_common_names_a_letter_apart_are_two_names() -> None:
    """Mohammadi is not Ahmadi, Mohammad not Ahmad: two names the lists hold often,
    a letter or two apart, are not aligned (the weak alignments among round 5's false
    alarms), where a spelling of the same name still is (احمدی = Ahmadi, Ahmed = Ahmad)."""
    from fts_share.matching import NameIndex
    idx = NameIndex()
    idx.add("AF.1", ["Mohammad Shafiq Ahmadi"])
    idx.add("AF.2", ["Ahmad Jan Akhunzada"])
    assert idx.search("MOHAMMAD SHAFIQ MOHAMMADI") == []
    assert idx.search("محمد شفیق محمدی") == []
    assert idx.search("Mohammad Eshaq Akhunzada") == []
    assert [h.record_id for h in idx.search("محمد شفیق احمدی")] == ["AF.1"]
    assert [h.record_id for h in idx.search("Ahmed Jan Akhunzada")] == ["AF.2"]
    assert name_similarity("Mohammadi", "Ahmadi") == 0.0
    assert name_similarity("Mohammadi", "Ahmadi",
                           config=MatchConfig(known_pair_similarity=0.0)) > 0.6


def test_a_lone_name_held_by_a_longer_name_weighs_less() -> None:
    """With ``lone_part_best_side`` under ``coverage_best_side``, a listed alias of one
    part ("Sanaullah"), wholly covered by any name holding it, counts less against
    "Sanaullah Ghafari" than a longer name's coverage would, where the same lone name
    typed alone, or two full names, score as before."""
    from fts_share.matching import NameIndex
    scores = {}
    for lone in (0.55, 0.5):
        idx = NameIndex(config=MatchConfig(lone_part_best_side=lone))
        idx.add("AF.1", ["Sanaullah"])
        idx.add("AF.2", ["Hambali Bin Ending"])
        scores[lone] = [idx.search(q, threshold=0.0)[0].score for q in (
            "SANAULLAH GHAFARI", "Sanaullah", "Hambali Bin Ending", "Hambali")]
    before, now = scores.values()
    assert now[0] < before[0]
    assert now[3] < before[3]
    assert now[1:3] == before[1:3]
    with pytest.raises(ValidationError):
        MatchConfig(lone_part_best_side=1.5)


def test_a_name_held_whole_in_a_longer_one_may_weigh_more() -> None:
    """With ``whole_name_best_side`` over ``coverage_best_side`` (off by default), a name
    of two parts held wholly and closely in a longer listed name ("Bozize Yangouvonda"
    in "François Yangouvonda Bozizé") is found at the default threshold; a name kept
    only in part ("Gabriel Makuei") or two common names ("Mohammad Wali") score as
    before."""
    from fts_share.matching import NameIndex
    scores = {}
    for whole in (0.55, 0.65):
        idx = NameIndex(config=MatchConfig(whole_name_best_side=whole))
        idx.add("CF.1", ["FRANÇOIS YANGOUVONDA BOZIZÉ"])
        idx.add("SS.1", ["GABRIEL JOK RIAK MAKOL"])
        idx.add("AF.1", ["Mohammad Wali Mohammad Ewaz"])
        scores[whole] = [idx.search(q, threshold=0.0)[0].score for q in (
            "Bozize Yangouvonda", "Gabriel Makuei", "Mohammad Wali")]
        found = [h.record_id for h in idx.search("Bozize Yangouvonda")]
        assert found == ([] if whole == 0.55 else ["CF.1"])  # 0.65 -> 0.68
    before, now = scores.values()
    assert now[0] > before[0]
    assert now[1:] == before[1:]
    config = MatchConfig(whole_name_best_side=0.65)
    assert name_similarity("Gabriel Jok", "Gabriel Jok Riak Makol", config=config) > \
        name_similarity("Gabriel Jok", "Gabriel Jok Riak Makol")
    with pytest.raises(ValidationError):
        MatchConfig(whole_name_best_side=1.5)
