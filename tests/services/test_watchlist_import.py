"""Watchlist imports into the node database (``services.watchlist_import``): all of the
UN list, re-imports that update and delist, national CSV lists, and all-or-nothing on
bad files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fts_share.clock import utcnow
from fts_share.errors import ImportFailed
from fts_share.services.unit import Work
from fts_share.services.watchlist_import import import_csv, import_un, import_un_file
from fts_share.storage import Store
from fts_share.storage.models import WatchlistEntry
from fts_share.watchlist.un_xml import parse_un_xml


def _work(session, now):  # type: ignore[no-untyped-def]
    """A unit of work on a bare store (importing a watchlist needs no node)."""
    return Work(session=session, now=now, node=None)  # type: ignore[arg-type]


FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "un-excerpt.xml"


def active(store: Store) -> dict[str, WatchlistEntry]:
    with store.read() as s:
        return {e.id: e for e in s.scalars(select(WatchlistEntry).where(
            WatchlistEntry.active.is_(True)))}


def test_un_import_keeps_everything_a_screener_needs(store: Store) -> None:
    with store.transaction() as s:
        counts = import_un_file(_work(s, utcnow()), FIXTURE, actor="system")
    entries = active(store)
    assert counts["added"] == len(entries) > 10
    baghdadi = entries["QDi.299"]
    assert "إبراهيم عواد إبراهيم علي البدري السامرائي" in baghdadi.names
    assert any("Baghdadi" in n for n in baghdadi.names)
    assert baghdadi.measures == ["asset freeze", "travel ban", "arms embargo"]
    assert "IRQ" in baghdadi.nationalities and baghdadi.dobs
    assert {a["quality"] for a in baghdadi.data["aliases"]} & {"Good", "Low"}
    regimes = {e.id[:2] for e in entries.values()}
    assert {"QD", "TA", "IQ", "KP"} <= regimes  # every regime, not only ISIL/Al-Qaida
    assert entries["IQi.001"].measures == ["asset freeze"]


def test_reimport_updates_adds_and_delists(store: Store) -> None:
    xml = FIXTURE.read_text(encoding="utf-8")
    with store.transaction() as s:
        import_un_file(_work(s, utcnow()), FIXTURE, actor="system")
    # A newer export without QDi.006: it is delisted, and nothing else changes.
    newer = re.sub(r"<INDIVIDUAL>(?:(?!</INDIVIDUAL>).)*?<REFERENCE_NUMBER>QDi\.006<.*?</INDIVIDUAL>",
                   "", xml,
                   flags=re.DOTALL)
    assert newer != xml
    with store.transaction() as s:
        counts = import_un(_work(s, utcnow()), parse_un_xml(newer), actor="system")
    assert counts["delisted"] == 1 and counts["added"] == 0
    assert "QDi.006" not in active(store) and "QDi.299" in active(store)
    with store.transaction() as s:
        counts = import_un_file(_work(s, utcnow()), FIXTURE, actor="system")
    assert "QDi.006" in active(store)  # relisted


def test_a_malformed_export_imports_nothing(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text(FIXTURE.read_text(encoding="utf-8")[:5000], encoding="utf-8")
    with pytest.raises(ImportFailed, match="line"), store.transaction() as s:
        import_un_file(_work(s, utcnow()), bad, actor="system")
    evil = tmp_path / "evil.xml"
    evil.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><CONSOLIDATED_LIST/>')
    with pytest.raises(ImportFailed), store.transaction() as s:
        import_un_file(_work(s, utcnow()), evil, actor="system")
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(WatchlistEntry)) == 0


def test_national_csv_import_is_all_or_nothing(store: Store) -> None:
    good = ("id,name,aliases,dob,nationality,documents\n"
            "W-1,Karim Benali,كريم بن علي;Abou Souleymane,1994,FRA,19FR48213\n"
            "W-2,Omar Diallo,,1990-05,MLI,\n")
    with store.transaction() as s:
        assert import_csv(_work(s, utcnow()), good, list_name="fr-dgsi", actor="system")["total"] == 2
    entries = active(store)
    assert entries["national:fr-dgsi:W-1"].names == ["Karim Benali", "كريم بن علي",
                                                      "Abou Souleymane"]
    bad = good + "W-3,,,1990,FRA,\n"
    with pytest.raises(ImportFailed) as err, store.transaction() as s:
        import_csv(_work(s, utcnow()), bad.replace("Omar Diallo", "Omar Diallo Junior"),
                   list_name="fr-dgsi", actor="system")
    assert "line 4" in str(err.value)
    assert active(store)["national:fr-dgsi:W-2"].names == ["Omar Diallo"]  # unchanged
    with store.transaction() as s:
        counts = import_csv(_work(s, utcnow()), good.splitlines()[0] + "\n" + good.splitlines()[1] + "\n",
                            list_name="fr-dgsi", actor="system")
    assert counts["delisted"] == 1 and "national:fr-dgsi:W-2" not in active(store)


def test_un_import_reports_what_the_matching_cannot_use(store: Store) -> None:
    """No name, record or nationality is dropped silently: each is stored as written
    and the import says which ones the screening index cannot use, and why."""
    xml = FIXTURE.read_text(encoding="utf-8")
    extra = ("<INDIVIDUAL><DATAID>9</DATAID><VERSIONNUM>1</VERSIONNUM><FIRST_NAME>Ahmad"
             "</FIRST_NAME><SECOND_NAME>Shishani</SECOND_NAME><UN_LIST_TYPE>Al-Qaida"
             "</UN_LIST_TYPE><REFERENCE_NUMBER>QDi.999</REFERENCE_NUMBER>"
             "<NATIONALITY><VALUE>former Soviet Union</VALUE></NATIONALITY>"
             "<INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>Abdul</ALIAS_NAME>"
             "</INDIVIDUAL_ALIAS><INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY>"
             "<ALIAS_NAME>Mullah</ALIAS_NAME><NOTE>original script: Ахмад Шишани</NOTE>"
             "</INDIVIDUAL_ALIAS></INDIVIDUAL>")
    xml = xml.replace("<INDIVIDUALS>", "<INDIVIDUALS>" + extra, 1)
    with store.transaction() as s:
        counts = import_un(_work(s, utcnow()), parse_un_xml(xml), actor="system")
    row = active(store)["QDi.999"]
    assert {"Ahmad Shishani", "Abdul", "Mullah", "Ахмад Шишани"} <= set(row.names)
    assert row.nationalities == ["former Soviet Union"]
    report = counts["report"]
    assert {"reference": "QDi.999", "name": "Mullah",
            "reason": "contains no name: only particles or titles"} in report[
                "names_not_indexed"]
    assert not any(i["name"] == "Abdul" for i in report["names_not_indexed"])
    assert {"reference": "QDi.999", "value": "former Soviet Union"} in report[
        "unknown_nationalities"]
    assert counts["names_not_indexed"] == len(report["names_not_indexed"])
    assert counts["entries_without_readable_name"] == 0
