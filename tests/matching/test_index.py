"""NameIndex: the contract's example, evidence, removal and persistence."""

from pathlib import Path

import pytest

from fts_share.errors import ValidationError
from fts_share.matching import MatchConfig, NameIndex
from fts_share.watchlist import load_un_xml

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "un-excerpt.xml"


@pytest.fixture(scope="module")
def un_index() -> NameIndex:
    idx = NameIndex()
    for e in load_un_xml(str(FIXTURE)).entries:
        idx.add(e.reference, e.all_names(), dob=e.dob_variants() or None,
                nationality=e.nationality_codes or None,
                documents=[d.number for d in e.documents] or None)
    return idx


def test_contract_example() -> None:
    idx = NameIndex()
    idx.add("QDi.299", ["IBRAHIM AWWAD IBRAHIM ALI AL-BADRI AL-SAMARRAI", "أبو بكر البغدادي"],
            dob="1971-07-28", nationality="IRQ")
    hits = idx.search("Abou Bakr el-Baghdadi", dob=None, nationality=None, limit=10)
    assert hits[0].record_id == "QDi.299" and 0.0 <= hits[0].score <= 1.0
    assert "nisba el-Baghdadi ≈ البغدادي" in hits[0].explanation.text


@pytest.mark.parametrize("query,ref", [
    ("Abou Bakr el-Baghdadi", "QDi.299"), ("أبو بكر البغدادي", "QDi.299"),
    ("إبراهيم عواد إبراهيم البدري", "QDi.299"), ("Ayman al-Zawahiri", "QDi.006"),
    ("أيمن الظواهري", "QDi.006"), ("Aiman Mohamed Rabi Al Zawahry", "QDi.006"),
    ("Seif al Adel", "QDi.001"), ("Saif Al-'Adil", "QDi.001"),
    ("محمد صلاح الدين زيدان", "QDi.001"), ("Mohamed Salahuddin Zidan", "QDi.001"),
])
def test_listed_people_are_found_in_any_spelling(un_index: NameIndex, query: str,
                                                 ref: str) -> None:
    hits = un_index.search(query)
    assert hits and hits[0].record_id == ref, [(h.record_id, h.score) for h in hits]


@pytest.mark.parametrize("query", ["Muhammad", "Muhammad Ali", "Mohammed Hassan al-Tunisi",
                                   "Ibrahim Ahmad", "Abu Muhammad al-Yemeni"])
def test_hard_negatives_stay_below_threshold(un_index: NameIndex, query: str) -> None:
    assert un_index.search(query) == []


def test_evidence_dob_nationality_and_documents() -> None:
    idx = NameIndex()
    idx.add("A", "Khalid Yusuf al-Harbi", dob=["1980-02-03", "~1981"], nationality="Saudi Arabia",
            documents=["K-123 456"])
    plain = idx.search("Khalid al-Harbi")[0].score
    assert idx.search("Khalid al-Harbi", dob="1980-02-03")[0].score > plain
    assert idx.search("Khalid al-Harbi", dob="1951", threshold=0.0)[0].score < plain
    assert idx.search("Khalid al-Harbi", nationality="SAU")[0].score > plain
    hit = idx.search("Khaled Harbi", documents="k123456", threshold=0.0)[0]
    assert any(f.name == "document" for f in hit.explanation.features)


def test_remove_len_and_replace() -> None:
    idx = NameIndex()
    idx.add("A", "Abu Hamza al-Masri")
    idx.add("B", "Abu Qatada al-Filistini")
    assert len(idx) == 2 and "A" in idx
    assert idx.remove("A") and not idx.remove("A")
    assert len(idx) == 1 and idx.search("Abu Hamza al-Masri") == []
    idx.add("B", "Omar Mahmoud Othman")  # re-import replaces
    assert idx.search("Abu Qatada al-Filistini") == []
    assert idx.search("Omar Mahmud Uthman")[0].record_id == "B"


def test_save_and_load_round_trip(tmp_path: Path, un_index: NameIndex) -> None:
    path = tmp_path / "index.json.gz"
    un_index.save(str(path))
    loaded = NameIndex.load(str(path))
    assert len(loaded) == len(un_index)
    assert loaded.search("Seif al Adel")[0].record_id == "QDi.001"
    path.write_bytes(b"not an index")
    with pytest.raises(ValidationError):
        NameIndex.load(str(path))


def test_search_many_in_order_with_progress(un_index: NameIndex) -> None:
    seen: list[tuple[int, int]] = []
    out = un_index.search_many(["Seif al Adel", {"name": "Ayman al-Zawahiri"}, "Muhammad"],
                               progress=lambda d, t: seen.append((d, t)))
    assert [r[0].record_id if r else None for r in out] == ["QDi.001", "QDi.006", None]
    assert seen[-1] == (3, 3)
    with pytest.raises(ValidationError) as err:
        un_index.search_many(["ok name", ""])
    assert "queries.1.name" in err.value.errors
    assert un_index.search_many(["", "Seif al Adel"], skip_invalid=True)[0] == []


def test_threshold_comes_from_config() -> None:
    idx = NameIndex(config=MatchConfig(threshold=0.99))
    idx.add("A", "Ayman al-Zawahiri")
    assert idx.search("Aiman Zawahry") == []
    assert idx.search("Aiman Zawahry", threshold=0.5)


def test_mauritanian_ould_is_a_nasab_particle_in_both_scripts() -> None:
    """"Ould" / «ولد» means "son of": it links parts, it is not a name part of its own."""
    from fts_share.matching import NameIndex, analyze_name

    idx = NameIndex()
    idx.add("MR-1", ["Abdelrahman Ould Slimane"], dob="1989", nationality="MRT")
    [hit] = idx.search("عبد الرحمن ولد سليمان", dob="1989", nationality="MRT")
    assert hit.record_id == "MR-1" and hit.score >= 0.8
    roles = {p.text: p.role for p in analyze_name("عبد الرحمن ولد سليمان").parts}
    assert "ولد" not in {t for t, r in roles.items() if r in ("given", "family")}


def test_evidence_lifts_a_name_just_under_the_threshold_over_it() -> None:
    """Only names that evidence cannot lift to the threshold skip the evidence check:
    a name scoring just under it is still lifted by an exact date of birth."""
    idx = NameIndex()
    idx.add("A", "Khalid Yusuf al-Harbi", dob="1980-02-03", nationality="SAU")
    idx.add("B", "Karim Benali", dob="1980-02-03", nationality="SAU")
    plain = idx.search("Khalid al-Harbi", threshold=0.0)[0].score
    cut = plain + 0.05  # the name alone no longer reaches it, the evidence does
    assert idx.search("Khalid al-Harbi", threshold=cut) == []
    hits = idx.search("Khalid al-Harbi", dob="1980-02-03", nationality="SAU", threshold=cut)
    assert [h.record_id for h in hits] == ["A"]
    assert hits[0].score == hits[0].explanation.score >= cut


def test_a_partial_name_of_common_parts_is_found_at_the_search_threshold_only() -> None:
    """The two thresholds (docs/matching.md): "Saddam Hussein" alone is not a match for
    alerts and screenings (the default threshold: two common parts of three), but an
    officer searching for the notice about Saddam Hussein al-Tikriti finds it."""
    idx = NameIndex()
    idx.add("IQi.001", ["SADDAM HUSSEIN AL-TIKRITI", "صدام حسين التكريتي"],
            dob="1937-04-28", nationality="IRQ")
    cfg = idx.config
    assert cfg.search_threshold < cfg.threshold
    for name in ("Saddam Hussein", "صدام حسين"):
        assert idx.search(name) == []
        assert [h.record_id for h in idx.search(name, threshold=cfg.search_threshold)] == [
            "IQi.001"]
