"""The UN consolidated list parser, on a real excerpt (fixtures/un-excerpt.xml)."""

import datetime as dt
from pathlib import Path

import pytest

from fts_share.errors import ImportFailed
from fts_share.watchlist import load_un_xml, parse_un_xml, split_alias

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "un-excerpt.xml"
FULL = Path(__file__).resolve().parents[3] / "shared" / "data" / "un-sc-consolidated-2025-08-02.xml"


@pytest.fixture(scope="module")
def excerpt():  # type: ignore[no-untyped-def]
    return load_un_xml(str(FIXTURE))


def by_ref(lst, ref):  # type: ignore[no-untyped-def]
    return next(e for e in lst.entries if e.reference == ref)


def test_generation_date_and_both_kinds(excerpt) -> None:  # type: ignore[no-untyped-def]
    assert excerpt.generated == dt.datetime(2025, 8, 2, 23, 0, 0, 935000, tzinfo=dt.UTC)
    kinds = {e.kind for e in excerpt.entries}
    assert kinds == {"individual", "entity"}
    assert {e.regime for e in excerpt.entries} >= {"QD", "TA", "IQ", "KP", "CD"}


def test_qdi_299_in_full(excerpt) -> None:  # type: ignore[no-untyped-def]
    e = by_ref(excerpt, "QDi.299")
    assert e.name == "IBRAHIM AWWAD IBRAHIM ALI AL-BADRI AL-SAMARRAI"
    assert e.name_original_script == "إبراهيم عواد إبراهيم علي البدري السامرائي"
    assert e.list_type == "Al-Qaida" and e.listed_on == dt.date(2011, 10, 5)
    assert {(a.name, a.quality) for a in e.aliases} >= {("أبو دعاء", "Low"), ("Dr. Ibrahim", "Low")}
    assert "Abu Bakr al-Baghdadi" in e.all_names() and "أبو بكر البغدادي الحسيني القريشي" in e.all_names()
    assert e.nationality_codes == ["IRQ"] and e.dob_variants() == ["1971"]
    assert e.documents[0].number == "0134852"
    assert e.measures == ("asset freeze", "travel ban", "arms embargo")
    assert e.titles == ["Dr."]


def test_variant_dates_of_birth(excerpt) -> None:  # type: ignore[no-untyped-def]
    types = {d.type for e in excerpt.entries for d in e.dates_of_birth}
    assert types >= {"EXACT", "APPROXIMATELY", "BETWEEN"}
    between = next(d for e in excerpt.entries for d in e.dates_of_birth if d.type == "BETWEEN")
    assert between.as_dob() == f"{between.from_year}-{between.to_year}"


def test_other_regimes_have_their_measures(excerpt) -> None:  # type: ignore[no-untyped-def]
    assert by_ref(excerpt, "IQi.001").measures == ("asset freeze",)
    assert "travel ban" in by_ref(excerpt, "TAi.004").measures


def test_split_bilingual_alias() -> None:
    assert split_alias("أبو بكر (Abu Bakr; Abou Bakr)") == ["أبو بكر", "Abu Bakr", "Abou Bakr"]
    assert split_alias("Hajj Ibrahim (nickname)") == ["Hajj Ibrahim (nickname)"]


@pytest.mark.parametrize("alias,names", [  # as the UN list (2025-08-02) writes them
    ("Fazel Rahim; Fazil Rahim", ["Fazel Rahim", "Fazil Rahim"]),
    ("Jin Tiesan (金铁三)", ["Jin Tiesan", "金铁三"]),
    ("Amir Khazmat (original script: Амир Хазмат)", ["Amir Khazmat", "Амир Хазмат"]),
    ("Akrin Saleh Akrin (أقرين صالح أقرين)", ["Akrin Saleh Akrin", "أقرين صالح أقرين"]),
    (("Hay’at Tahrir al-Sham (HTS) (هيئة تحرير الشام (original script); Hay’et Tahrir "
      "al-Sham; Assembly for the Liberation of Syria)"),
     ["Hay’at Tahrir al-Sham (HTS)", "هيئة تحرير الشام", "Hay’et Tahrir al-Sham",
      "Assembly for the Liberation of Syria"]),
])
def test_split_lists_and_original_scripts(alias: str, names: list[str]) -> None:
    assert split_alias(alias) == names


@pytest.mark.parametrize("data,needle", [
    (b"<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>", "line 1"),
    (b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "b">]><CONSOLIDATED_LIST/>', "DTD"),
    (b"<OTHER/>", "root element"),
    ((b"<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>7</DATAID><FIRST_NAME>X</FIRST_NAME>"
     b"</INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>"), "INDIVIDUAL #1 (DATAID 7)"),
])
def test_malformed_xml_names_line_or_element(data: bytes, needle: str) -> None:
    with pytest.raises(ImportFailed) as err:
        parse_un_xml(data)
    assert needle in err.value.detail


@pytest.mark.skipif(not FULL.exists(), reason="full UN list not present (../shared/data)")
def test_full_export_parses() -> None:
    lst = load_un_xml(str(FULL))
    assert len(lst.entries) == 879
    assert sum(e.kind == "individual" for e in lst.entries) == 684
