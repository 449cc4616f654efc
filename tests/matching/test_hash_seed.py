"""The answers are a function of the records and the query, whatever the hash seed.

Two names, *Zobrunt* and *Qobruzt*, are alike to the query *Qobrunt* (the same part
similarity and weight), each found under another index key of it. With one candidate
scored (``max_candidates=1``) only one of them is found: the one the candidates meet
first. The groups filed under a part's keys were gathered in a set of ids, whose
order followed the order of the keys, strings, in their set, and so the hash seed
(the two groups' ids 8 apart: they share a slot of a small set). This module run as
a script prints its answers; the test runs it under several seeds.
"""

import itertools
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from fts_share.matching import MappedIndex, MatchConfig, NameIndex, OverlaidIndex, write_mapped

ROOT = Path(__file__).resolve().parents[2]
CONFIG = MatchConfig(max_candidates=1, exact_candidates=1)
WIDER = MatchConfig(max_candidates=2, exact_candidates=2)


_WORDS = ["".join(c + v for c, v in zip(t, "aeo")).capitalize()
          for t in itertools.permutations("dfglpv", 3)]
"""names of other letters than the query's (sharing no index key with it)"""


def _tied(idx: NameIndex | OverlaidIndex, first: int = 0) -> None:
    """Add *Zobrunt* (a new group g), names of ``_WORDS`` from ``first`` up to group
    g + 7, then *Qobruzt* (group g + 8)."""
    table = idx.groups.table
    g = len(table)
    idx.add("A", ["Zobrunt"])
    for i, word in enumerate(_WORDS[first:]):
        if len(table) == g + 8:
            break
        idx.add(f"F{first + i}", [word])
    idx.add("B", ["Qobruzt"])


def _index(config: MatchConfig) -> NameIndex:
    idx = NameIndex(config=config)
    _tied(idx)
    return idx


def _hits(idx: NameIndex | MappedIndex | OverlaidIndex) -> list[list[object]]:
    return [[h.record_id, h.score] for h in idx.search("Qobrunt", limit=5, threshold=0.3)]


def answers() -> dict[str, list[list[object]]]:
    """The hits for *Qobrunt*: spelt like no indexed part (in memory and mapped), and
    spelt like a name added after the others (in memory, and in a mapped index's
    overlay holding the others too)."""
    out = {"unindexed": _hits(_index(CONFIG))}
    idx = _index(WIDER)
    idx.add("C", ["Qobrunt"])
    out["indexed"] = _hits(idx)
    with tempfile.TemporaryDirectory() as tmp:
        write_mapped(_index(CONFIG), f"{tmp}/one")
        out["mapped"] = _hits(MappedIndex.open(f"{tmp}/one", config=CONFIG))
        base = NameIndex(config=WIDER)
        for i, word in enumerate(_WORDS[-3:]):
            base.add(f"S{i}", [word])
        write_mapped(base, f"{tmp}/two")
        over = OverlaidIndex(MappedIndex.open(f"{tmp}/two", config=WIDER))
        _tied(over)
        over.add("C", ["Qobrunt"])
        out["overlay"] = _hits(over)
    return out


def _run(seed: int) -> dict[str, list[list[object]]]:
    env = dict(os.environ, PYTHONHASHSEED=str(seed),
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, __file__], env=env, capture_output=True,
                          text=True, check=True, timeout=300)
    return json.loads(done.stdout)


def test_the_answers_do_not_depend_on_the_hash_seed() -> None:
    want = {"unindexed": [["A", 0.623]], "mapped": [["A", 0.623]],
            "overlay": [["C", 0.8125], ["A", 0.623]], "indexed": [["C", 0.8125], ["A", 0.623]]}
    for seed in (1, 2, 3, 4):
        assert _run(seed) == want, f"PYTHONHASHSEED={seed}"


if __name__ == "__main__":
    print(json.dumps(answers()))
