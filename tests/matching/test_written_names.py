"""Names as lists write them (issue 16, item 3: reading faults that lost listed
people): a family name before a comma, remarks in brackets, a *born ...* tail
(``scoring.written``)."""

from __future__ import annotations

import pytest

from fts_share.matching import NameIndex, analyze_name, name_similarity


@pytest.mark.parametrize(("written", "name"), [
    ("EL PARA (COMBAT NAME)", "El Para"),
    ("Encep Nurjaman (birth name)", "Encep Nurjaman"),
    ("Ezatullah Haqqani (previously listed as)", "Ezatullah Haqqani"),
    ("Abdel Ilah Sabri (false identity related to passport number 434021161)",
     "Abdel Ilah Sabri"),
    ("Mohammad Ishaq Akhund born in 1963", "Mohammad Ishaq Akhund"),
    ("Khirullah Said Wali Khairkhwa, born in Kandahar on 01 Jan.1967",
     "Khirullah Said Wali Khairkhwa"),
    ("AWEYS, Sheikh Hassan Dahir", "Sheikh Hassan Dahir Aweys"),
    ('"ZUBEYR, Abu"', "Abu Zubeyr"),
])
def test_what_a_list_writes_around_a_name_is_not_part_of_it(written: str, name: str) -> None:
    assert name_similarity(written, name) == 1.0  # (0.62-0.89 when read as name parts)


@pytest.mark.parametrize(("written", "given"), [
    ("BAYNAH, Yasin", "yasin"),
    ("Murad, Abdul Hakim Hasim", "abdul hakim"),
    ("Bin Al Shibh, Ramzi", "ramzi"),
    ("Es Sayed, Kader", "kader"),
])
def test_a_family_name_written_first_before_a_comma_is_the_family_name(
        written: str, given: str) -> None:
    parts = analyze_name(written).name_parts
    assert parts[0].text == given and parts[0].role == "given"
    assert parts[-1].role == "family"


@pytest.mark.parametrize(("written", "given"), [
    ("RUBEN PESTANO LAVILLA, JR", "ruben"),       # a suffix after the comma
    ("Hilarion Santos, III (third)", "hilarion"),
    ("Al Taibah, Intl.", "al taibah"),           # a company's suffix
    ("Ermias Ghermay, Guro", "ermias"),           # two name parts before the comma
    ("Tufail, S.M.", "tufail"),                   # initials alone after it
    ("«Ayman» (al-Zawahiri)", "ayman"),           # a bracket that holds a name
])
def test_other_commas_and_brackets_keep_the_name_as_written(written: str, given: str) -> None:
    assert analyze_name(written).name_parts[0].text == given


def test_search_finds_an_alias_written_family_name_first() -> None:
    index = NameIndex()
    index.add("SOi.008", ["BAYNAH, Yasin", "Yassin Mohamed Ali"])
    index.add("other", ["Yasin Ali Mohamed"])
    hits = index.search("ALI, Yasin Baynah")  # (0.57 when Ali was read as the given name)
    assert [h.record_id for h in hits] == ["SOi.008"]


@pytest.mark.parametrize(("one", "other"), [
    ("SAID AHMED SHAHIDKHEL", "سيد أحمد شهيد خيل"),
    ("Shahid Khel", "Shahidkhel"),
])
def test_a_pashto_clan_name_written_apart_is_one_name(one: str, other: str) -> None:
    assert name_similarity(one, other) > 0.95  # (0.73 / 0.0 read as two names)


def test_search_finds_a_clan_name_written_apart_in_the_other_script() -> None:
    index = NameIndex()
    index.add("TAi.028", ["سيد أحمد شهيد خيل"])
    assert [h.record_id for h in index.search("SAID AHMED SHAHIDKHEL")] == ["TAi.028"]
