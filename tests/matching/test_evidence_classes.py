"""A search adds the evidence (date of birth, nationality, documents) of a name through
its record's evidence class, worked out when the name is first met and kept
(``index.evidence_classes``): the hits must stay those of an index built afresh from
the same records, after records are replaced, through a snapshot's overlay, and when
searches run in threads."""

import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fts_share.matching import MappedIndex, NameIndex, OverlaidIndex, write_mapped

NAMES = ["Muhammad Hassan al-Tikriti", "Mohammed Hasan Tikriti", "محمد حسن التكريتي",
         "Ahmad Hassan al-Tikriti", "Muhammad Ibrahim al-Masri"]
NATS = ["IRQ", "EGY", "SYR", None]
QUERIES = [("Muhammad Hassan al-Tikriti", "1970", "IRQ"), ("محمد حسن التكريتي", "1971", "EGY"),
           ("Mohamed Hassan", "1970", None), ("Ahmad Tikriti", None, "SYR")]


def _records(seed: int, n: int) -> list[tuple[str, str, str | None, str | None]]:
    rng = random.Random(seed)
    return [(f"R{k:03d}", rng.choice(NAMES), rng.choice([None, "1970", "1971", "1972"]),
             rng.choice(NATS)) for k in range(n)]


def _fill(idx: NameIndex | OverlaidIndex, records: list) -> None:
    for rid, name, dob, nat in records:
        idx.add(rid, name, dob=dob, nationality=nat)


def _hits(idx: NameIndex | MappedIndex | OverlaidIndex) -> list[list[tuple[str, float]]]:
    return [[(h.record_id, h.score) for h in idx.search(q, dob=dob, nationality=nat,
                                                         limit=30, threshold=0.5)]
            for q, dob, nat in QUERIES]


def _replaced(records: list) -> list:
    """The first 20 records with the date of birth and nationality of others."""
    return [(rid, name, records[-1 - k][2], records[-1 - k][3])
            for k, (rid, name, _, _) in enumerate(records[:20])]


def _fresh(records: list) -> NameIndex:
    idx = NameIndex()
    _fill(idx, records)
    return idx


def test_a_replaced_record_is_scored_with_its_new_evidence() -> None:
    records = _records(1, 120)
    idx = _fresh(records)
    before = _hits(idx)
    assert sum(map(len, before)) > 100  # (common names: many records per query)
    assert before == _hits(_fresh(records))
    changed = _replaced(records)
    _fill(idx, changed)
    after = _hits(idx)
    assert after != before
    assert after == _hits(_fresh(changed + records[20:]))


def test_the_overlay_of_a_snapshot_scores_as_a_fresh_index(tmp_path: Path) -> None:
    records = _records(2, 120)
    write_mapped(_fresh(records), str(tmp_path / "s"), sequence=1)
    base = MappedIndex.open(str(tmp_path / "s"))
    assert _hits(base) == _hits(_fresh(records))
    over = OverlaidIndex(base)
    assert _hits(over) == _hits(_fresh(records))
    changed = _replaced(records)
    _fill(over, changed)  # the snapshot's records masked, the overlay's scored
    added = [(f"N{k}", name, dob, nat) for k, (_, name, dob, nat) in enumerate(records[:10])]
    _fill(over, added)
    want = _hits(_fresh(changed + records[20:] + added))
    assert _hits(over) == want
    assert _hits(over) == want  # (every name's class known now)


def test_searches_in_threads_give_the_hits_of_one_thread() -> None:
    records = _records(3, 300)
    want = _hits(_fresh(records))
    idx = _fresh(records)
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda _: _hits(idx), range(8)))
    assert got == [want] * 8
