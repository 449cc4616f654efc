"""Bulk build (``matching.index.bulk.add_many``): the same index as ``NameIndex.add``
record by record, refusals reported not raised, the garbage collector restored."""

import gc
from pathlib import Path

import pytest

from fts_share.errors import ValidationError
from fts_share.matching import NameIndex
from fts_share.matching.index.bulk import BulkRecord, add_many, collector_paused
from fts_share.matching.scoring.evidence import parse_countries, parse_dob
from fts_share.watchlist import load_un_xml

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "un-excerpt.xml"


def _rows() -> list[BulkRecord]:
    rows = [BulkRecord(e.reference, e.all_names(), e.dob_variants() or None,
                       e.nationality_codes or None,
                       [d.number for d in e.documents] or None)
            for e in load_un_xml(str(FIXTURE)).entries]
    return rows + [BulkRecord("X.1", ["Mullah"]), BulkRecord("X.2", "Sheikh Ahmed Salim",
                                                             "1970;1972", "Somalia")]


def _hits(idx: NameIndex, query: str) -> list[tuple[str, float, str]]:
    return [(h.record_id, h.score, h.explanation.text)
            for h in idx.search(query, dob="1971", nationality="IRQ", threshold=0.3)]


def test_add_many_builds_the_index_add_builds() -> None:
    one_by_one, bulk = NameIndex(), NameIndex()
    refused = []
    for row in _rows():
        try:
            one_by_one.add(row.record_id, row.names, dob=row.dob,
                           nationality=row.nationality, documents=row.documents)
        except ValidationError:
            refused.append(row.record_id)
    report = add_many(bulk, _rows())
    assert refused == ["X.1"] and list(report.refused) == ["X.1"]
    assert "names.0" in report.refused["X.1"]
    assert report.added == len(_rows()) - 1 == len(bulk) == len(one_by_one)
    assert bulk.record_ids() == one_by_one.record_ids()
    for query in ("Abou Bakr el-Baghdadi", "أبو بكر البغدادي", "Ahmed Salim",
                  "Mohammed Ali", "عبد الرحمن"):
        assert _hits(bulk, query) == _hits(one_by_one, query)
    assert _hits(bulk, "Ahmed Salim")[0][0] == "X.2"


def test_add_many_takes_plain_tuples_and_reports_skipped_names() -> None:
    idx = NameIndex()
    report = add_many(idx, [("A", ["Omar Khalid", "Mullah"], "1980", "IRQ")])
    assert report.added == 1 and not report.refused
    assert [s.position for s in report.skipped["A"]] == [1]
    assert idx.search("Omar Khalid", dob="1980")[0].record_id == "A"


@pytest.mark.parametrize("was_on", [True, False])
def test_collector_restored_after_the_block_even_on_error(was_on: bool) -> None:
    (gc.enable if was_on else gc.disable)()
    try:
        with pytest.raises(RuntimeError), collector_paused():
            assert not gc.isenabled()
            raise RuntimeError
        assert gc.isenabled() is was_on
    finally:
        gc.enable()


def test_parsed_evidence_is_shared_and_errors_still_name_the_field() -> None:
    assert parse_dob("1971;1972") is parse_dob("1971;1972")
    assert parse_dob(["1971", "1972"]) == parse_dob("1971;1972")
    assert parse_countries("Iraq", lenient=True) == ("IRQ",)
    with pytest.raises(ValidationError) as exc:
        parse_dob("nineteen", field="dobs.3")
    assert "dobs.3" in exc.value.errors
    with pytest.raises(ValidationError) as exc:
        parse_countries(["Atlantis"], field="nat.0")
    assert "nat.0" in exc.value.errors


def test_shared_parts_build_the_index_fresh_parts_build() -> None:
    """Analyses share one object per distinct part, and the index reuses such an
    analysis as is; an analysis whose parts are equal but not the index's own (the
    part cache emptied between records) builds the very same arrays and hits."""
    import dataclasses

    import numpy as np

    from fts_share.matching.scoring import analysis

    shared, fresh = NameIndex(), NameIndex()
    add_many(shared, _rows())
    for row in _rows():
        analysis._name_part.cache_clear()
        analysis._RECENT.clear()
        try:
            fresh.add(row.record_id, row.names, dob=row.dob, nationality=row.nationality,
                      documents=row.documents)
        except ValidationError:
            pass
    a, b = shared.arrays(), fresh.arrays()
    for f in dataclasses.fields(a):
        if f.name != "stamp":
            assert np.array_equal(getattr(a, f.name), getattr(b, f.name)), f.name
    assert shared.analyses == fresh.analyses
    assert all(p is shared.parts.items[shared.parts.ids[p]]
               for n in shared.analyses if n is not None for p in n.parts)
    for query in ("Abou Bakr el-Baghdadi", "أبو بكر البغدادي", "Ahmed Salim"):
        assert _hits(shared, query) == _hits(fresh, query)


@pytest.mark.parametrize("batch", [7, 1024])
def test_neighbourhoods_worked_out_together_build_the_index_add_builds(
        monkeypatch: pytest.MonkeyPatch, batch: int) -> None:
    """Inside ``adding_many`` the neighbourhoods of new spellings are worked out a
    batch at a time when the block ends: the same neighbours, similarities, heads,
    arrays and hits as one ``add`` at a time."""
    import numpy as np

    from fts_share.matching.index import store

    monkeypatch.setattr(store, "DEFERRED_GROUPS", batch)
    one_by_one, together = NameIndex(), NameIndex()
    add_many(one_by_one, _rows())
    with together.adding_many():
        add_many(together, _rows())
        assert together.groups.pending is not None
    assert together.groups.pending is None
    n = len(one_by_one.groups.table)
    assert n > 100 and len(together.groups.table) == n
    for gid in range(n):
        for mine, theirs in zip(together.groups.near.of(gid), one_by_one.groups.near.of(gid),
                                strict=True):
            assert mine.tolist() == theirs.tolist()
    assert together.groups.heads.tolist() == one_by_one.groups.heads.tolist()
    a, b = together.arrays(), one_by_one.arrays()
    for field in a.__dataclass_fields__:
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    for query in ("Abou Bakr el-Baghdadi", "أبو بكر البغدادي", "Ahmed Salim"):
        assert _hits(together, query) == _hits(one_by_one, query)
