"""A date of birth given with a name (issue 16, item 3): the same full date is strong
evidence that two records are one person; the same 1 January is only the same year,
since lists write a year whose day is unknown as its first day."""

from __future__ import annotations

from fts_share.matching import MatchConfig, NameIndex


def _index() -> NameIndex:
    index = NameIndex()
    index.add("CDi.007", ["DIEUDONNÉ OZIA MAZIO"], dob="1949-06-06", nationality="COD")
    index.add("DZi.001", ["YAHIA DJOUADI"], dob="1967-01-01", nationality="DZA")
    return index


def _dob(hit):  # type: ignore[no-untyped-def]
    return next(f for f in hit.explanation.features if f.name == "dob")


def test_the_same_full_date_of_birth_finds_a_name_missing_its_given_name() -> None:
    index = _index()
    assert index.search("Ozia Mazio") == []
    [hit] = index.search("Ozia Mazio", dob="1949-06-06", nationality="COD")
    assert hit.record_id == "CDi.007"  # (0.51 when the date added 0.1)
    assert _dob(hit).params["precision"] == "exact"
    assert _dob(hit).value == MatchConfig().dob_exact


def test_another_date_of_birth_keeps_it_out() -> None:
    index = _index()
    assert index.search("Ozia Mazio", dob="1951-06-06", nationality="COD") == []
    [hit] = index.search("Ozia Mazio", dob="1951-06-06", threshold=0.0)
    assert _dob(hit).params["precision"] == "conflict"


def test_the_same_first_of_january_counts_as_the_same_year() -> None:
    index = _index()
    [hit] = index.search("Yahia Abou Ammar", dob="1967-01-01", threshold=0.3)
    assert _dob(hit).params["precision"] == "year"
    assert _dob(hit).value == MatchConfig().dob_year
    assert index.search("Yahia Abou Ammar", dob="1967-01-01") == []
