"""The mapped snapshot: the same hits as the in-memory index, the overlay of changes
made after it, and refused files."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fts_share.errors import ValidationError
from fts_share.matching import (
    MappedIndex,
    MatchConfig,
    NameIndex,
    OverlaidIndex,
    write_mapped,
)
from fts_share.watchlist import load_un_xml

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "un-excerpt.xml"


def _entries() -> list:
    return list(load_un_xml(str(FIXTURE)).entries)


_ENTRIES = _entries()


def _add(idx: NameIndex | OverlaidIndex, e) -> None:
    idx.add(e.reference, e.all_names(), dob=e.dob_variants() or None,
            nationality=e.nationality_codes or None,
            documents=[d.number for d in e.documents] or None)


def _queries(entries) -> list[tuple[str, dict]]:
    out: list[tuple[str, dict]] = []
    for e in entries:
        for q in e.all_names()[:2]:
            out.append((q, {}))
        out.append((e.all_names()[0], {"threshold": 0.3, "limit": 25}))
        docs = [d.number for d in e.documents]
        if docs or e.dob_variants():
            out.append((e.all_names()[-1], {"documents": docs or None,
                                            "dob": e.dob_variants() or None,
                                            "nationality": e.nationality_codes or None}))
    out += [("Muhammad", {"threshold": 0.0, "limit": 50}), ("Abou Bakr el-Baghdadi", {})]
    return out


def _same(a: NameIndex | MappedIndex | OverlaidIndex, b: NameIndex | MappedIndex |
          OverlaidIndex, queries: list[tuple[str, dict]]) -> int:
    """Assert equal hits (explanations included); returns the number of hits."""
    seen = 0
    for q, kw in queries:
        try:
            want = a.search(q, **kw)
        except ValidationError:
            with pytest.raises(ValidationError):
                b.search(q, **kw)
            continue
        got = b.search(q, **kw)
        assert got == want, q
        assert [h.explanation for h in got] == [h.explanation for h in want]
        seen += len(got)
    return seen


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[NameIndex, Path, list]:
    entries = _entries()
    idx = NameIndex()
    for e in entries:
        _add(idx, e)
    idx.remove(entries[5].reference)  # a hole in the name ids
    path = tmp_path_factory.mktemp("mapped") / "index.snap"
    write_mapped(idx, str(path), sequence=42)
    return idx, path, entries


def test_round_trip_gives_the_same_hits(built: tuple[NameIndex, Path, list]) -> None:
    idx, path, entries = built
    mapped = MappedIndex.open(str(path))
    assert mapped.sequence == 42
    assert len(mapped) == len(idx) and mapped.name_count == idx.name_count
    assert mapped.record_ids() == idx.record_ids()
    assert entries[5].reference not in mapped and entries[0].reference in mapped
    assert _same(idx, mapped, _queries(entries)) > 50
    rid = entries[1].reference
    assert mapped.records_by_id[rid].documents == idx.records.by_id[rid].documents


#: statistics from 5 names on: the excerpt's records move every part's rarity
STATS = MatchConfig(stats_min_names=5)


def test_overlay_add_remove_update(built: tuple[NameIndex, Path, list],
                                   tmp_path: Path) -> None:
    """The snapshot plus its overlay search as one index built over the same names:
    the overlay's records and the masked ones move the rarity statistics of both."""
    _, _, entries = built
    snap = NameIndex(config=STATS)
    for e in entries[:-6]:
        _add(snap, e)
    write_mapped(snap, str(tmp_path / "s"), sequence=1)
    base = MappedIndex.open(str(tmp_path / "s"), config=STATS)
    over = OverlaidIndex(base)
    want = NameIndex(config=STATS)
    for e in entries[:-6]:
        _add(want, e)
    for e in entries[-6:]:  # added after the snapshot
        _add(over, e)
        _add(want, e)
    for e in (entries[0], entries[-1]):  # removed: one of the snapshot, one added
        assert over.remove(e.reference) and want.remove(e.reference)
        assert e.reference not in over
    assert not over.remove(entries[0].reference)
    moved = entries[2]  # updated: the snapshot's record replaced by other names
    over.add(moved.reference, ["Omar Mahmoud Othman"])
    want.add(moved.reference, ["Omar Mahmoud Othman"])
    assert len(over) == len(want) and over.name_count == want.name_count
    assert sorted(over.record_ids()) == sorted(want.record_ids())
    assert over.overlay_size == 7
    assert _same(want, over, _queries(entries)) > 50
    assert [h.record_id for h in over.search(entries[-2].all_names()[0])][:1] == \
        [entries[-2].reference]
    assert all(h.record_id != entries[0].reference for q in entries[0].all_names()
               for h in over.search(q))
    assert over.search("Omar Mahmoud Othman")[0].record_id == moved.reference
    assert over.search_many(["Omar Mahmoud Othman"])[0] == over.search("Omar Mahmoud Othman")
    with pytest.raises(ValidationError):
        over.search("Omar", limit=0)


def test_corrupt_truncated_and_foreign_files_are_refused(
        built: tuple[NameIndex, Path, list], tmp_path: Path) -> None:
    _, path, _ = built
    raw = path.read_bytes()
    cases = {"empty": b"", "other": b"FTS-NAME-INDEX\n" + raw[15:],
             "truncated": raw[:len(raw) // 2],
             "header": raw[:40] + bytes([raw[40] ^ 1]) + raw[41:]}
    for name, data in cases.items():
        bad = tmp_path / name
        bad.write_bytes(data)
        with pytest.raises(ValidationError) as caught:
            MappedIndex.open(str(bad))
        assert caught.value.errors["path"], name
    with pytest.raises(ValidationError) as caught:
        MappedIndex.open(str(path), config=MatchConfig(coverage_best_side=0.5))
    assert "configuration" in caught.value.errors["path"][0]
    # the thresholds are applied when searching: a file opens under any of them
    assert MappedIndex.open(str(path), config=MatchConfig(threshold=0.5)).config.threshold == 0.5


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(keep=st.lists(st.integers(0, 10_000), min_size=3, max_size=40, unique=True),
       drop=st.lists(st.integers(0, 10_000), max_size=5), data=st.data())
def test_any_index_round_trips_to_the_same_hits(tmp_path: Path, keep: list[int],
                                                drop: list[int], data: st.DataObject
                                                ) -> None:
    entries = _ENTRIES
    chosen = [entries[i % len(entries)] for i in keep]
    idx = NameIndex()
    for e in chosen:
        _add(idx, e)
    for i in drop:
        idx.remove(chosen[i % len(chosen)].reference)
    path = tmp_path / f"h{abs(hash((tuple(keep), tuple(drop))))}.snap"
    write_mapped(idx, str(path))
    mapped = MappedIndex.open(str(path))
    probes = data.draw(st.lists(st.sampled_from(chosen), min_size=1, max_size=4))
    queries = [(e.all_names()[0], {"threshold": t}) for e in probes for t in (None, 0.2)]
    _same(idx, mapped, queries)


def test_a_snapshot_of_the_first_layout_is_refused(
        built: tuple[NameIndex, Path, list], tmp_path: Path) -> None:
    """A version 1 file (before the masks of the fat postings' entries) is refused
    with its version named, not searched."""
    import hashlib
    import struct

    _, path, _ = built
    raw = path.read_bytes()
    (length,) = struct.unpack("<Q", raw[16:24])
    header = raw[24:24 + length].replace(b'"version":2', b'"version":1')
    assert len(header) == length
    old = tmp_path / "v1.snap"
    old.write_bytes(raw[:24] + header + hashlib.sha256(header).digest()
                    + raw[24 + length + 32:])
    with pytest.raises(ValidationError) as caught:
        MappedIndex.open(str(old))
    assert "version 1" in caught.value.errors["path"][0]


@pytest.mark.parametrize("section", ["parts.dfkey", "df.builtin", "arrays.post_mask"])
def test_a_snapshot_without_what_reweighing_needs_is_refused(
        built: tuple[NameIndex, Path, list], tmp_path: Path, section: str) -> None:
    """A file written before the overlay could move the statistics is refused (its
    node rebuilds it), not searched with the snapshot's statistics; so is one
    without the masks the pairing rounds read."""
    from fts_share.matching.index import mapfile

    _, path, _ = built
    s = mapfile.open_sections(str(path))
    old = tmp_path / "old.snap"
    mapfile.write_sections(str(old), s.meta,
                           [(k, np.array(v)) for k, v in s.arrays.items() if k != section])
    with pytest.raises(ValidationError) as caught:
        MappedIndex.open(str(old))
    assert section in caught.value.errors["path"][0]
