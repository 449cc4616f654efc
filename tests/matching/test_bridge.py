"""The bridge puts every spelling, in both scripts, into one key space."""

import pytest

from fts_share.matching import analyze_name, name_similarity


def keys(name: str) -> set[str]:
    return {f.skel for p in analyze_name(name).name_parts for f in p.forms}


@pytest.mark.parametrize("a,b", [
    ("Muhammad", "Mohammed"), ("Mohamed", "محمد"), ("Umar", "Omar"),
    ("Ibrahim", "Ebrahim"), ("Hassan", "Hasan"), ("Awwad", "Awad"),
    ("Sa'id", "Said"), ("Qasim", "Kasim"), ("Uthman", "Osman"),
    ("Shakir", "Chakir"), ("Walid", "Oualid"), ("Khalid", "خالد"), ("عواد", "Awwad"), ("البدري", "al-Badri"),
    ("Zawahiri", "الظواهري"), ("Djamel", "Jamal"),
])
def test_spelling_variants_share_a_skeleton(a: str, b: str) -> None:
    assert keys(a) & keys(b)


@pytest.mark.parametrize("spelling", [
    "Abd al-Rahman", "Abdulrahman", "Abdel Rahman", "Abderrahmane", "Abdurrahman",
    "عبد الرحمن", "عبدالرحمن",
])
def test_abd_compounds_written_as_one_two_or_three_words(spelling: str) -> None:
    parts = analyze_name(spelling).name_parts
    assert [(p.kind, p.key) for p in parts] == [("abd", "rhmn")]


@pytest.mark.parametrize("spelling", ["Salah al-Din", "Salahuddin", "Salah Eddine",
                                      "صلاح الدين", "Salah ad-Din"])
def test_din_compounds(spelling: str) -> None:
    parts = analyze_name(spelling).name_parts
    # first (here alone), a din compound is the given name (Jalaluddin, Sirajuddin)
    assert [(p.kind, p.role, p.key) for p in parts] == [("din", "given", "slh")]


def test_roles_title_kunya_nisba() -> None:
    roles = {p.core: p.role for p in analyze_name("Dr. Abu Bakr al-Baghdadi").parts}
    assert roles == {"dr": "title", "bakr": "kunya", "baghdadi": "nisba"}
    assert analyze_name("Abubakar").name_parts[0].kind == "kunya"


def test_rare_family_names_bridge_without_a_dictionary() -> None:
    assert name_similarity("السامرائي", "Samarrai") > 0.9
    assert name_similarity("البيلاوي", "al-Bilawi") > 0.85
    assert name_similarity("الكبيسي", "al-Kubaissi") > 0.85


def test_analysis_preview_is_json_ready() -> None:
    doc = analyze_name("أبو بكر البغدادي").to_dict()
    assert [p["role"] for p in doc["parts"]] == ["kunya", "nisba"]
    assert all(p["keys"] and p["romanisations"] for p in doc["parts"])


@pytest.mark.parametrize(("latin", "arabic"), [
    ("Mohammad Ishak", "محمد اسحاق"),     # s+h after a vowel: Is-haq
    ("Mohamed Lakhal", "محمد لكحل"),      # k+h after a vowel: La-khal
])
def test_sh_and_kh_after_a_vowel_may_be_two_letters(latin: str, arabic: str) -> None:
    assert name_similarity(latin, arabic) == 1.0


@pytest.mark.parametrize(("joined", "other"), [
    ("Ziaurrahman Madani", "ZIA-UR-RAHMAN MADANI"),
    ("AZIZIRAHMAN ABDUL AHAD", "عزیز الرحمان عبد الاحد"),
    ("Shamsurrahman", "شمس الرحمن"),
])
def test_x_ur_rahman_written_as_one_word(joined: str, other: str) -> None:
    assert name_similarity(joined, other) == 1.0
