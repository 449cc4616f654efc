"""A sha256 of what an engine answers, to check that a speed change changes nothing
(issue 16): ``analysis`` hashes every field of the analysis of the first N recombined
names of ``scale_real``, the UN list's names and aliases, and 100,000 random strings
of their words (with particles and Cyrillic words); ``search`` hashes the record ids,
scores (``float.hex``), names and explanations of the bench's 2,000 queries, with and
without year and nationality, at limits 3 and 10, on an index of the first N names
(``mapped``: the same over a mapped snapshot of the first 99 % of them, the rest in its
overlay; ``together``: the same as ``search`` over an index built inside
``NameIndex.adding_many``, its spellings' neighbourhoods worked out together)::

    PYTHONPATH=ENGINE python3 bench/matching/same_answers.py ENGINE 200000 analysis|search|mapped|together

(the records are read from ``/tmp/build-cpu-recsN.pkl``, written by ``build_cpu.py``).
"""

import hashlib
import pickle
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _analyses(records: list, people: list[dict]) -> str:
    from fts_share.errors import ValidationError
    from fts_share.matching.scoring import analysis
    texts = [r[1] for r in records]
    for p in people:
        texts += [p["latin"], p["arabic"]] + p["aliases"]
    words = sorted({w for t in texts for w in t.replace("-", " ").split()})
    words += ["аль", "ибн", "абу", "шейх", "Абдулла", "Мухаммад", "cabdi", "Cabdullahi",
              "abul", "ad", "as", "abd", "abdou", "Abu", "ash", "Shams", "ud", "Din"]
    rng = random.Random(5)
    for _ in range(100_000):
        texts.append(rng.choice([" ", "-"]).join(
            rng.choice(words) for _ in range(rng.randint(1, 6))))
    h, refused = hashlib.sha256(), 0
    for t in texts:
        try:
            a = analysis._analyze(t, "name", 200)
        except ValidationError as exc:
            h.update(repr(exc.errors).encode())
            refused += 1
            continue
        h.update(repr((a.text, a.folded, a.particles, a.parts, a.name_parts)).encode())
    return f"{len(texts)} texts, {refused} refused, sha256 {h.hexdigest()}"


def _mapped(records: list, people: list[dict]) -> str:
    """``_searches`` over a mapped snapshot of the first 99 % of the records with
    the rest added in its overlay (both segments read as one)."""
    import tempfile

    from fts_share.matching import NameIndex
    from fts_share.matching.index.bulk import add_many
    from fts_share.matching.index.mapped import MappedIndex
    from fts_share.matching.index.mapped_write import write_mapped
    from fts_share.matching.index.overlay import OverlaidIndex
    cut = len(records) * 99 // 100
    idx = NameIndex()
    add_many(idx, records[:cut])
    with tempfile.TemporaryDirectory() as tmp:
        write_mapped(idx, f"{tmp}/snap")
        del idx
        over = OverlaidIndex(MappedIndex.open(f"{tmp}/snap"))
        add_many(over, records[cut:])
        return _searches(records, people, over)


def _searches(records: list, people: list[dict], idx: object = None) -> str:
    import scale_real

    from fts_share.errors import ValidationError
    from fts_share.matching import NameIndex
    from fts_share.matching.index.bulk import add_many
    if idx is None:
        idx = NameIndex()
        add_many(idx, records)
    h, hits, n = hashlib.sha256(), 0, 0
    for name, year, nat in scale_real.real_queries(people, 2000):
        for ev in (True, False):
            for limit in (3, 10):
                n += 1
                try:
                    found = idx.search(name, dob=year if ev else None,
                                       nationality=nat if ev else None, limit=limit)
                except ValidationError as exc:
                    h.update(repr(exc.errors).encode())
                    continue
                for x in found:
                    hits += 1
                    h.update(repr((x.record_id, float(x.score).hex(), x.name,
                                   x.explanation)).encode())
    return f"{n} searches, {hits} hits, sha256 {h.hexdigest()}"


def _together(records: list, people: list[dict]) -> str:
    """``_searches`` over an index built inside ``adding_many``."""
    from fts_share.matching import NameIndex
    from fts_share.matching.index.bulk import add_many
    idx = NameIndex()
    with idx.adding_many():
        add_many(idx, records)
    return _searches(records, people, idx)


def main() -> None:
    eng, n, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    sys.path[:0] = [eng, str(HERE)]
    import scale_real
    records = pickle.loads(Path(f"/tmp/build-cpu-recs{n}.pkl").read_bytes())
    people = scale_real.list_people(scale_real.DATA)
    run = {"analysis": _analyses, "search": _searches, "mapped": _mapped,
           "together": _together}[mode]
    print(mode, run(records, people))


if __name__ == "__main__":
    main()
