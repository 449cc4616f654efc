"""FollowTheMoney entities (OpenSanctions' JSON lines) and INTERPOL red notices (the
public API's pages and notices): what is read, what is left out, and bad files refused
whole with the line and the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fts_share.errors import ImportFailed
from fts_share.watchlist.ftm import parse_ftm
from fts_share.watchlist.interpol import parse_interpol

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def test_ftm_reads_persons_names_dates_nationalities_and_documents() -> None:
    parsed = parse_ftm((FIXTURES / "ftm-persons.jsonl").read_bytes())
    by_id = {p.id: p for p in parsed.persons}
    assert set(by_id) == {"NK-fts-shishani", "NK-fts-tunisi", "NK-fts-parts-only"}
    omar = by_id["NK-fts-shishani"]
    assert omar.name == "Tarkhan Tayumurazovich Batirashvili"
    assert "Abu Umar al-Shishani" in omar.aliases and "Abu Hudhayfah" in omar.aliases
    assert omar.dob == ["1986-01-11", "1982"] and omar.nationality == ["GEO"]
    tunisi = by_id["NK-fts-tunisi"]
    assert tunisi.aliases[0] == "سيف الله بن عمر بن محمد بنحسين"
    assert tunisi.documents == ["W342986"]
    # no "name": the parts make one; an unknown country is kept as written
    assert by_id["NK-fts-parts-only"].name == "Khalid Hamid Jaber"
    assert by_id["NK-fts-parts-only"].nationality == ["suhh"]
    assert parsed.other_schemata == 2 and parsed.unreadable == ["NK-fts-han"]
    assert parsed.datasets["NK-fts-shishani"] == ["un_sc_sanctions", "eu_fsf"]


def person(**props: object) -> str:
    return json.dumps({"id": "x1", "schema": "Person", "properties": props})


@pytest.mark.parametrize("text,line,field", [
    ('{"id": "a", "schema": "Person", "properties": {"name": ["Omar Diallo"]}}\n{not json',
     2, "json"),
    (person(name="Omar Diallo", birthDate=["1990-02-30"]), 1, "properties.birthDate"),
    (person(name=[1, 2]), 1, "properties.name"),
    (person(birthDate=["1990"]), 1, "properties.name"),
    (json.dumps({"schema": "Person", "properties": {"name": ["Omar"]}}), 1, "id"),
    (json.dumps({"id": "a", "schema": "Person", "properties": []}), 1, "properties"),
    (person(name="Omar Diallo") + "\n" + person(name="Omar Diallo"), 2, "id"),
    (json.dumps({"id": "a", "properties": {}}), 1, "schema"),
])
def test_ftm_refuses_a_bad_line_whole(text: str, line: int, field: str) -> None:
    with pytest.raises(ImportFailed) as err:
        parse_ftm(text.encode())
    assert err.value.extra == {"line": line, "field": field}
    assert f"line {line}, field {field}" in err.value.detail


def test_interpol_reads_a_page_and_its_notices() -> None:
    parsed = parse_interpol((FIXTURES / "interpol-red.json").read_bytes())
    first, second = parsed.notices
    assert (first.id, first.name, first.dob, first.nationality) == (
        "2024/90001", "YOUSSEF EL AMRANI", ["1988-04-02"], ["MAR", "ESP"])
    assert (second.name, second.dob) == ("SAMIR ABDELKADER BOUAZZA", ["1979"])
    assert parsed.details["2023/81234"]["warrants"] == [
        {"country": "FR", "charge": "Participation in a terrorist organisation"}]
    assert parsed.unreadable == ["2022/70007"]


def test_interpol_reads_single_notices_and_json_lines() -> None:
    page = json.loads((FIXTURES / "interpol-red.json").read_text())
    one = page["_embedded"]["notices"][1]
    assert [n.id for n in parse_interpol(json.dumps(one)).notices] == ["2023/81234"]
    lines = "\n".join(json.dumps(n) for n in page["_embedded"]["notices"])
    assert [n.line for n in parse_interpol(lines).notices] == [1, 2]


@pytest.mark.parametrize("notice,field", [
    ({"name": "BOUAZZA"}, "entity_id"),
    ({"entity_id": "2023/1", "forename": "", "name": ""}, "name"),
    ({"entity_id": "2023/1", "name": "BOUAZZA", "date_of_birth": "17.01.1979"},
     "date_of_birth"),
    ({"entity_id": "2023/1", "name": "BOUAZZA", "nationalities": "DZ,FR"}, "nationalities"),
    ({"entity_id": "2023/1", "name": "BOUAZZA", "arrest_warrants": "FR"}, "arrest_warrants"),
])
def test_interpol_refuses_a_bad_notice_whole(notice: dict[str, object], field: str) -> None:
    good = {"entity_id": "2024/2", "name": "EL AMRANI", "forename": "YOUSSEF"}
    page = {"_embedded": {"notices": [good, notice]}}
    with pytest.raises(ImportFailed) as err:
        parse_interpol(json.dumps(page))
    assert err.value.extra["field"] == field
