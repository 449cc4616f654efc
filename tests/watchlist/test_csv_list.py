"""National watchlist CSV: all rows validated, the first bad one named, nothing partial."""

import pytest

from fts_share.errors import ImportFailed
from fts_share.watchlist import parse_watchlist_csv

GOOD = (
    "id,name,aliases,dob,nationality,documents\n"
    "NL-1,Khalid Yusuf al-Harbi,Khaled Harbi;خالد الحربي,1980-02-03;~1981,SAU;Yemen,K123456\n"
    'NL-2,"Abu Hamza al-Masri",,,,\n'
)


def test_good_file() -> None:
    rows = parse_watchlist_csv(GOOD.encode("utf-8-sig"))
    assert [r.id for r in rows] == ["NL-1", "NL-2"]
    assert rows[0].aliases == ["Khaled Harbi", "خالد الحربي"]
    assert rows[0].dob == ["1980-02-03", "~1981"] and rows[0].nationality == ["SAU", "Yemen"]
    assert rows[0].all_names()[0] == "Khalid Yusuf al-Harbi" and rows[1].line == 3


@pytest.mark.parametrize("row,line,field", [
    ("NL-3,,,,,", 4, "name"), ("NL-3,al,,,,", 4, "name"), (",Ali Hassan,,,,", 4, "id"),
    ("NL-3,Ali Hassan,,31/12/1980,,", 4, "dob"), ("NL-3,al,abu,,,", 4, "name"), ("NL-1,Ali Hassan,,,,", 4, "id"),
    ("NL-3,Ali Hassan,,,,,extra", 4, "row"),
])
def test_bad_row_names_line_and_field(row: str, line: int, field: str) -> None:
    with pytest.raises(ImportFailed) as err:
        parse_watchlist_csv(GOOD + row + "\n")
    assert err.value.extra["line"] == line and err.value.extra["field"] == field
    assert f"line {line}" in err.value.detail


def test_unreadable_alias_and_unknown_nationality_are_kept() -> None:
    rows = parse_watchlist_csv(GOOD + "NL-3,Ali Hassan,abu;朝鲜,,Narnia;irakien,\n")
    assert rows[-1].aliases == ["abu", "朝鲜"] and rows[-1].nationality == ["Narnia", "irakien"]


@pytest.mark.parametrize("data", ["name,dob\nAli,1980\n", "id,name,colour\n1,Ali,red\n",
                                  b"id,name\n1,\xff\xfe\n"])
def test_bad_header_or_encoding(data: str | bytes) -> None:
    with pytest.raises(ImportFailed):
        parse_watchlist_csv(data)
